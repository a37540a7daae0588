"""The methods as their formulas: each built-in method's definition, read literally.

Open this file to see what a method computes. Each function is the formula of the book's
methods page written in plain numpy: one forward pass per patched feature, one gradient per
point of the integrated-gradients path, every coalition of every feature for Shapley values.
They are slow on purpose, and ``nt.attribute`` does not run them: it runs the fast paths in
:mod:`neurotrace.methods` and :mod:`neurotrace.hidden`, which ``tests/test_formulas.py`` proves
equal to these on every regime.

Notation, as on the methods page: ``f(x) = v . phi(W x + b)`` is ``circuit.forward``, its
gradient ``df/dx`` is ``circuit.gradient``, the hidden activations ``h = phi(W x + b)`` are
``circuit.hidden`` (so ``y = v . h``), and ``< . >`` is the mean over the samples, the rows of
``X``. What a method sets an absent feature to is defined once, in :mod:`neurotrace.methods`,
and used here as it is: the corrupted values ``x~`` of patching (``corrupted_values``: another
sample's value, the mean or 0), IG's baseline ``x'`` and quadrature nodes (``ig_baseline``,
``ig_nodes``), and the Shapley reference rows (``shapley_reference``). A method that draws
random numbers takes the same ``numpy.random.Generator`` as its fast path and draws the same
numbers from it.
"""

from __future__ import annotations

import dis
import inspect
from dataclasses import dataclass
from math import factorial

import numpy as np

from ._checks import check_choice
from .hidden import corrupted_units, unit_groups
from .methods import corrupted_values, ig_baseline, ig_nodes, shapley_reference

# --- proxies: the data and the local slope -----------------------------------


def random_scores(circuit, X, rng):
    """``s_j ~ U(0, 1)``: the chance baseline."""
    return rng.uniform(size=circuit.n_features)


def abs_corr(a, b) -> float:
    """``|corr(a, b)|``, Pearson's; 0 when either does not vary."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0  # no variation, no correlation
    return abs(np.corrcoef(a, b)[0, 1])


def correlation(circuit, X, rng=None):
    """``s_j = |corr(x_j, y)|`` over the samples, ``y = f(x)``."""
    y = circuit.forward(X)
    return np.array([abs_corr(X[:, j], y) for j in range(X.shape[1])])


def gradient(circuit, X, rng=None):
    """``s_j = < |df/dx_j (x)| >``: the mean local slope."""
    return np.abs(circuit.gradient(X)).mean(axis=0)


def input_x_gradient(circuit, X, rng=None):
    """``s_j = < |x_j df/dx_j (x)| >``: the slope times the input."""
    return np.abs(X * circuit.gradient(X)).mean(axis=0)


def smoothgrad(circuit, X, rng, *, noise=0.15, copies=16):
    """``s_j = < (1/m) sum_k |df/dx_j (x + eps_k)| >`` over ``m = copies``
    noisy copies of each sample, ``eps_kj ~ N(0, (noise * sd_j)^2)``,
    ``sd_j`` the standard deviation of feature j in ``X``."""
    n, d = X.shape
    eps = noise * X.std(axis=0) * rng.standard_normal((n, copies, d))
    noisy = X[:, None, :] + eps  # (n, m, d): m noisy copies of each sample
    return np.abs(circuit.gradient(noisy.reshape(-1, d))).mean(axis=0)


# --- integrated gradients -----------------------------------------------------


def ig_attributions(circuit, X, *, baseline=None, steps=64,
                    rule="gausslegendre"):
    """``IG_j(x) = (x_j - x'_j) int_0^1 df/dx_j (x' + a (x - x')) da``.

    Per sample: ``(n, d)``. The integral by quadrature, ``int_0^1 g(a) da
    ~ sum_k w_k g(a_k)`` with the ``steps`` nodes ``a_k`` and weights
    ``w_k`` of ``rule``; ``rule="exact"`` takes it in closed form.
    """
    x0 = ig_baseline(circuit, X, baseline)
    if rule == "exact":
        return (X - x0) * secant_gradient(circuit, X, x0)
    alphas, weights = ig_nodes(steps, rule)
    path_gradient = sum(w * circuit.gradient(x0 + a * (X - x0))
                        for a, w in zip(alphas, weights, strict=True))
    return (X - x0) * path_gradient


def secant_gradient(circuit, X, x0):
    """``int_0^1 df/dx (x' + a (x - x')) da`` in closed form: ``(n, d)``.

    Along the path unit u's pre-activation is linear in a,
    ``z_u(a) = z'_u + a (z_u - z'_u)``, so the integral of its slope
    ``phi'`` is the slope of the secant, ``(phi(z_u) - phi(z'_u)) /
    (z_u - z'_u)``, and ``phi'(z_u)`` where ``z_u = z'_u``.
    """
    z = circuit.preactivation(X)
    z0 = circuit.preactivation(np.broadcast_to(x0, X.shape))
    with np.errstate(invalid="ignore", divide="ignore"):
        secant = (circuit.phi(z) - circuit.phi(z0)) / (z - z0)
    slope = np.where(z == z0, circuit.dphi(z), secant)
    return (slope * circuit.v) @ circuit.W  # the chain rule, secant for phi'


def integrated_gradients(circuit, X, rng=None, *, baseline=None, steps=64,
                         rule="gausslegendre"):
    """``s_j = < |IG_j(x)| >`` (see :func:`ig_attributions`)."""
    ig = ig_attributions(circuit, X, baseline=baseline, steps=steps,
                         rule=rule)
    return np.abs(ig).mean(axis=0)


# --- activation patching ------------------------------------------------------


def replaced(A, j, values):
    """``A`` with column(s) ``j`` set to ``values``: ``x_{j <- values}``."""
    out = A.copy()
    out[:, j] = values
    return out


def patch_effects(circuit, X, X_patch):
    """``f(x_{j <- x~_j}) - f(x)`` for every sample and feature j, with
    ``x~ = X_patch``: ``(n, d)``, one forward pass per patched feature."""
    y = circuit.forward(X)
    return np.column_stack([circuit.forward(replaced(X, j, X_patch[:, j])) - y
                            for j in range(X.shape[1])])


def patching(circuit, X, rng=None, *, corruption="resample"):
    """Noising: ``s_j = < |f(x) - f(x_{j <- x~_j})| >``, ``x~`` corrupted."""
    X_patch = corrupted_values(X, corruption, rng)
    return np.abs(patch_effects(circuit, X, X_patch)).mean(axis=0)


def denoising_patching(circuit, X, rng=None, *, corruption="zero"):
    """Denoising: ``s_j = < |f(x'_{j <- x_j}) - f(x')| >``, ``x'`` corrupted."""
    X_corrupted = corrupted_values(X, corruption, rng)
    return np.abs(patch_effects(circuit, X_corrupted, X)).mean(axis=0)


def attribution_patching(circuit, X, rng=None, *, corruption="resample"):
    """``s_j = < |df/dx_j (x) (x~_j - x_j)| >``: each patch to first order."""
    X_patch = corrupted_values(X, corruption, rng)
    return np.abs(circuit.gradient(X) * (X_patch - X)).mean(axis=0)


# --- Shapley values -----------------------------------------------------------


def shapley_values(circuit, X, *, reference="zero", background=32, rng=None):
    """``phi_j(x) = sum over S in D - {j} of |S|! (d - |S| - 1)! / d!
    [v(S + {j}) - v(S)]``, per sample: ``(n, d)``.

    ``D`` holds all d features. The value ``v(S)`` of a coalition S is
    the output with the features in S taken from x and the others from
    the reference rows, averaged over them. Each of the ``2^d``
    coalitions is a row of ``present``.
    """
    n, d = X.shape
    present = (np.arange(2**d)[:, None] >> np.arange(d)) & 1 == 1  # (2^d, d)
    rows = shapley_reference(X, reference, background, rng)
    value = np.mean([circuit.forward(np.where(present, X[:, None], r)
                                     .reshape(-1, d)).reshape(n, 2**d)
                     for r in rows], axis=0)  # v(S) for each sample and S
    size = present.sum(axis=1)
    weight = np.array([factorial(s) * factorial(d - s - 1) / factorial(d)
                       for s in range(d)])
    phi = np.zeros((n, d))
    for j in range(d):
        without_j = np.flatnonzero(~present[:, j])  # the coalitions S...
        with_j = without_j | (1 << j)  # ...and S + {j}
        gain = value[:, with_j] - value[:, without_j]
        phi[:, j] = gain @ weight[size[without_j]]
    return phi


def shapley(circuit, X, rng=None, *, reference="zero", background=32):
    """``s_j = < |phi_j(x)| >`` (see :func:`shapley_values`)."""
    phi = shapley_values(circuit, X, reference=reference,
                         background=background, rng=rng)
    return np.abs(phi).mean(axis=0)


# --- the hidden level: y = v . h ----------------------------------------------


def unit_random(circuit, X, rng):
    """``s_u ~ U(0, 1)``: the chance baseline."""
    return rng.uniform(size=circuit.n_hidden)


def unit_correlation(circuit, X, rng=None):
    """``s_u = |corr(h_u, y)|`` over the samples."""
    H, y = circuit.hidden(X), circuit.forward(X)
    return np.array([abs_corr(H[:, u], y) for u in range(circuit.n_hidden)])


def unit_gradient(circuit, X, rng=None):
    """``s_u = < |dy/dh_u| > = |v_u|``: y is linear in h, so the slope is
    the same at every sample."""
    return np.abs(circuit.v).astype(float)


def unit_activation_x_gradient(circuit, X, rng=None):
    """``s_u = < |h_u dy/dh_u| > = < |v_u h_u| >``: the unit's direct
    contribution to y."""
    return np.abs(circuit.v * circuit.hidden(X)).mean(axis=0)


def unit_patching(circuit, X, rng=None, *, corruption="resample"):
    """``s_u = < |y(h_{u <- h~_u}) - y(h)| >``: one unit's activation
    patched, ``y(h) = v . h``."""
    H = circuit.hidden(X)
    H_patch = corrupted_units(H, corruption, rng)
    y = H @ circuit.v
    return np.array([np.abs(replaced(H, u, H_patch[:, u]) @ circuit.v - y)
                     .mean() for u in range(circuit.n_hidden)])


def joint_patching(circuit, X, rng=None, *, corruption="resample"):
    """``s_u = < |y(h_{g <- h~_g}) - y(h)| >``, g the group of units that
    read the same features as u (:func:`neurotrace.hidden.unit_groups`),
    patched together from one partner sample."""
    H = circuit.hidden(X)
    groups = unit_groups(circuit)
    H_patch = corrupted_units(H, corruption, rng, groups)
    y = H @ circuit.v
    scores = np.empty(circuit.n_hidden)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        y_patched = replaced(H, members, H_patch[:, members]) @ circuit.v
        scores[members] = np.abs(y_patched - y).mean()
    return scores


# --- the registries -----------------------------------------------------------

FORMULAS = {
    "random": random_scores, "correlation": correlation, "gradient": gradient, "input_x_gradient": input_x_gradient,
    "smoothgrad": smoothgrad, "integrated_gradients": integrated_gradients, "patching": patching,
    "denoising_patching": denoising_patching, "attribution_patching": attribution_patching, "shapley": shapley,
}
"""Each built-in feature-level method (``nt.METHODS``) -> its formula, ``(circuit, X, rng, **options) -> (d,)``."""

HIDDEN_FORMULAS = {
    "random": unit_random, "correlation": unit_correlation, "gradient": unit_gradient,
    "activation_x_gradient": unit_activation_x_gradient, "patching": unit_patching, "joint_patching": joint_patching,
}
"""Each hidden-level method (``nt.HIDDEN_METHODS``) -> its formula, ``(circuit, X, rng, **options) -> (n_hidden,)``."""


def formula(method: str, level: str = "input"):
    """The formula of built-in ``method`` at ``level`` (``"input"`` or ``"hidden"``)."""
    registry = {"input": FORMULAS, "hidden": HIDDEN_FORMULAS}[check_choice(level, ("input", "hidden"), "level")]
    return registry[check_choice(method, registry, "method")]


def parts(fn) -> list:
    """``fn`` and the functions of this module it calls, directly or not, in the order they are first called."""
    found = [fn]
    for f in found:
        codes = [f.__code__]
        for code in codes:  # the function's own code and the comprehensions inside it
            codes += [c for c in code.co_consts if inspect.iscode(c)]
            for instruction in dis.get_instructions(code):
                g = globals().get(instruction.argval) if instruction.opname == "LOAD_GLOBAL" else None
                if inspect.isfunction(g) and g.__module__ == __name__ and g not in found:
                    found.append(g)
    return found


@dataclass(frozen=True)
class Source:
    """A method's formula as code: ``str()`` is the code, and a notebook shows it folded."""

    method: str
    code: str

    def __str__(self) -> str:
        return self.code

    def _repr_markdown_(self) -> str:
        # A <details> element stays closed until clicked, in the built book and in JupyterLab alike.
        return (f"<details><summary>Show the formula in numpy: <code>neurotrace.formulas.{self.method}</code>"
                f"</summary>\n\n```python\n{self.code}\n```\n\n</details>\n")


def source(method: str, level: str = "input") -> Source:
    """The code of ``method``'s formula and of the helpers here it calls, for the methods page."""
    fn = formula(method, level)
    return Source(fn.__name__, "\n\n".join(inspect.getsource(f).rstrip() for f in parts(fn)))
