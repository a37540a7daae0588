"""Attribution methods: one plain function per method and the ``METHODS`` registry.

Every method has the signature ``(circuit, X, rng, **options) -> (n_features,)`` and returns
non-negative importances. Methods see only the ``Circuit`` interface (``forward``,
``gradient``, ``W``, ``b``, ``v``, ``phi``, ``dphi``), never a particular regime. All work is
batched over samples, steps and features with numpy; loops run over fixed-size chunks of
samples only, to keep memory bounded.

These are the fast paths. Each method's definition, read literally (one forward pass per
patched feature, one gradient per point of the IG path, every coalition for Shapley), is its
reference implementation in :mod:`neurotrace.formulas`, and the tests prove the two equal.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import _count, check_choice, check_memory
from ._registry import registered
from ._rng import as_generator

# Largest intermediate array (in float64 elements) a method builds at once: 32K = 256 KB.
# Small on purpose: a chunk's temporaries stay in cache and are recycled by malloc, while
# multi-megabyte ones are fresh pages from the OS on every call (the measurements are in
# benchmarks/RESULTS.md, "Design notes").
CHUNK_ELEMENTS = 1 << 15


# A chunk holds at least one sample, so a method whose one sample needs more than CHUNK_ELEMENTS
# (IG's steps, SmoothGrad's copies) allocates per_sample elements at once, times the few
# temporaries numpy makes of it: checked against the memory available before it starts.
TEMPORARIES = 4


def _check_chunk(per_sample: int, what: str, advice: str) -> None:
    """Refuse a call whose one-sample chunk cannot fit in memory (see ``TEMPORARIES``)."""
    if per_sample > CHUNK_ELEMENTS:
        check_memory(8.0 * TEMPORARIES * min(per_sample, 10**30), what, advice)


def _chunks(n: int, per_sample: int):
    """Slices over ``n`` samples so that each chunk holds <= CHUNK_ELEMENTS elements."""
    size = max(1, CHUNK_ELEMENTS // max(1, per_sample))
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def mean_abs(A) -> np.ndarray:
    """Mean over samples of ``|A|`` for ``A (n_samples, k)``: ``(k,)``.

    A matrix-vector product rather than ``.mean(axis=0)``, whose column-wise reduction of a
    small C-ordered array is slower (benchmarks/RESULTS.md, "Design notes").
    """
    return np.full(len(A), 1.0 / len(A)) @ np.abs(A)


# --- proxies ---------------------------------------------------------------------------------


def random_scores(circuit, X, rng) -> np.ndarray:
    """Uniform random importances: the chance baseline (AUROC 0.5 in expectation)."""
    return rng.uniform(size=circuit.n_features)


def abs_correlation(A, y) -> np.ndarray:
    """``|Pearson corr(A[:, j], y)|`` for ``A (n, k)``, ``y (n,)``; a constant column (or a
    constant ``y``) scores 0, never NaN."""
    Ac = A - A.mean(axis=0)
    yc = y - y.mean()
    denom = np.sqrt((Ac * Ac).sum(axis=0) * (yc @ yc))
    # Exact constancy test: a constant column's centred values can be ~1e-17, not 0.
    constant = (np.ptp(A, axis=0) == 0) | (np.ptp(y) == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.abs(Ac.T @ yc) / denom
    return np.where(constant | ~np.isfinite(r), 0.0, np.minimum(r, 1.0))


def correlation(circuit, X, rng=None) -> np.ndarray:
    """``|Pearson corr(x_j, y)|`` over the samples; a constant column (or output) scores 0."""
    return abs_correlation(X, circuit.forward(X))


def gradient(circuit, X, rng=None) -> np.ndarray:
    """Gradient saliency: mean over samples of ``|dy/dx_j|``."""
    out = np.zeros(circuit.n_features)
    for sl in _chunks(len(X), circuit.n_hidden + circuit.n_features):
        out += np.abs(circuit.gradient(X[sl])).sum(axis=0)
    return out / len(X)


def input_x_gradient(circuit, X, rng=None) -> np.ndarray:
    """Input x gradient: mean over samples of ``|x_j * dy/dx_j|`` (gradient times the input's
    distance from the zero baseline: IG's one-step approximation)."""
    out = np.zeros(circuit.n_features)
    for sl in _chunks(len(X), circuit.n_hidden + circuit.n_features):
        out += np.abs(X[sl] * circuit.gradient(X[sl])).sum(axis=0)
    return out / len(X)


def smoothgrad(circuit, X, rng=None, *, noise: float = 0.15, copies: int = 16) -> np.ndarray:
    """SmoothGrad: mean over samples and noisy copies of ``|dy/dx_j|`` at ``x + eps``.

    ``eps_j ~ N(0, (noise * sd_j)^2)`` where ``sd_j`` is feature j's standard deviation in
    ``X``: the noise is relative to each feature's spread (Smilkov et al. 2017 suggest 10-20%
    of the input range), so a constant feature gets none. ``copies`` noisy copies per sample.
    """
    if isinstance(noise, bool) or not (isinstance(noise, (int, float, np.integer, np.floating))
                                       and np.isfinite(float(noise)) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0 (got {noise!r:.40})")
    if not isinstance(copies, (int, np.integer)) or isinstance(copies, bool) or copies < 1:
        raise ValueError(f"copies must be a positive integer (got {copies!r:.40})")
    _check_chunk(copies * (circuit.n_hidden + 2 * circuit.n_features), f"smoothgrad with copies={_count(copies)}",
                 "use fewer copies")
    rng = as_generator(rng, "smoothgrad", 0)
    scale = noise * X.std(axis=0)
    out = np.zeros(circuit.n_features)
    for sl in _chunks(len(X), copies * (circuit.n_hidden + 2 * circuit.n_features)):
        noisy = X[sl, None, :] + scale * rng.standard_normal((len(X[sl]), copies, circuit.n_features))
        out += np.abs(circuit.gradient(noisy.reshape(-1, circuit.n_features))).sum(axis=0)
    return out / (len(X) * copies)


# --- integrated gradients --------------------------------------------------------------------

IG_RULES = ("gausslegendre", "riemann_middle", "riemann_left", "riemann_right", "riemann_trapezoid")


def ig_nodes(steps: int, rule: str = "gausslegendre"):
    """Quadrature nodes ``alphas`` in [0, 1] and weights (summing to 1) for the IG integral.

    ``gausslegendre`` and the ``riemann_*`` rules match Captum's nodes and weights, except
    ``riemann_trapezoid``, which here is the textbook rule (weights 1/(steps-1), halved at
    the ends); Captum's weights 1/steps sum to (steps-1)/steps. Both arrays are read-only.
    """
    check_choice(rule, IG_RULES, "quadrature rule")
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (got {steps!r:.40})")
    # leggauss solves a (steps x steps) eigenproblem: steps^2 floats, a few copies of them; the
    # Riemann rules hold a few arrays of steps floats.
    size = float(min(steps, 10**30)) ** (2 if rule == "gausslegendre" else 1)
    if size > CHUNK_ELEMENTS:
        check_memory(8.0 * TEMPORARIES * size, f"the {rule} nodes for steps={_count(steps)}",
                     "use fewer steps" + (", a riemann_* rule" if rule == "gausslegendre" else "")
                     + ", or rule='exact'")
    return _ig_nodes(int(steps), rule)


@functools.lru_cache(maxsize=64)
def _ig_nodes(steps: int, rule: str):
    # Cached: leggauss solves a (steps x steps) eigenproblem, O(steps^3) (benchmarks/RESULTS.md,
    # "Design notes").
    alphas, weights = _ig_nodes_uncached(steps, rule)
    alphas, weights = np.array(alphas, dtype=float), np.array(weights, dtype=float)
    alphas.setflags(write=False)  # shared by every call: no caller may edit them
    weights.setflags(write=False)
    return alphas, weights


def _ig_nodes_uncached(steps: int, rule: str):
    if rule == "gausslegendre":
        x, w = np.polynomial.legendre.leggauss(steps)
        return 0.5 * (x + 1.0), 0.5 * w
    if rule == "riemann_trapezoid":
        w = np.full(steps, 1.0 / (steps - 1))
        w[[0, -1]] *= 0.5
        return np.linspace(0.0, 1.0, steps), w
    w = np.full(steps, 1.0 / steps)
    start = {"riemann_left": 0.0, "riemann_middle": 0.5, "riemann_right": 1.0}[rule]
    return (np.arange(steps) + start) / steps, w


def ig_baseline(circuit, X, baseline) -> np.ndarray:
    """IG's baseline ``x'``: ``(n_features,)``, or ``(n_samples, n_features)`` for one per sample.

    ``None`` or ``"zero"``: the all-zeros reference input; ``"mean"``: the sample mean of ``X``;
    or an array of either shape.
    """
    if baseline is None or (isinstance(baseline, str) and baseline == "zero"):
        return np.zeros(circuit.n_features)
    if isinstance(baseline, str):
        check_choice(baseline, ("zero", "mean"), "baseline")
        return X.mean(axis=0)
    if np.iscomplexobj(baseline):
        raise ValueError("baseline must be real numbers (got complex)")
    try:
        base = np.asarray(baseline, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"baseline must be 'zero', 'mean', or an array of numbers (got {type(baseline).__name__})"
                         ) from None
    if not np.isfinite(base).all():
        raise ValueError("baseline must be finite (got NaN or inf)")
    if base.shape not in ((circuit.n_features,), X.shape):
        raise ValueError(
            f"baseline must be 'zero', 'mean', or an array of shape ({circuit.n_features},) "
            f"or {X.shape} (got shape {base.shape})"
        )
    return base


def ig_attributions(circuit, X, *, baseline=None, steps: int = 64, rule: str = "gausslegendre"):
    """Each sample's signed integrated gradients ``IG_j(x)``: ``(n_samples, n_features)``.

    ``IG_j(x) = (x_j - x'_j) * int_0^1 dy/dx_j(x' + a (x - x')) da``, the integral taken by
    the quadrature ``rule`` with ``steps`` nodes (default Gauss-Legendre, as in Captum).
    The method ``integrated_gradients`` scores their mean magnitude.
    ``baseline`` x' defaults to the all-zeros input, which is also the mean of every
    circuit's data distribution; ``"mean"`` uses the sample mean of ``X``, or pass an array.

    Completeness: each row sums to ``f(x) - f(x')`` up to the quadrature error.

    The path's pre-activations are linear in ``a``: ``z(a) = z' + a (z - z')``, so the
    integral is taken over ``(samples, steps, hidden)`` -- never materialising the
    ``(samples, steps, features)`` path -- and mapped back to inputs with one matmul.

    ``rule="exact"`` uses that linearity once more: ``int_0^1 phi'(z' + a dz) da =
    (phi(z) - phi(z')) / dz`` per unit, so IG of a one-hidden-layer network has a closed form
    with no quadrature error (``steps`` is then ignored). Quadrature rules need enough steps
    to resolve the steepest gate on the path: 64 Gauss-Legendre steps resolve the
    suppressor's gates up to strength ~1.5, not beyond.
    """
    X = check_data(circuit, X)
    if rule != "exact":
        alphas, weights = ig_nodes(steps, rule)  # checks steps and rule before any work
        _check_chunk(steps * circuit.n_hidden, f"integrated gradients with steps={_count(steps)}",
                     "use fewer steps, or rule='exact'")
    base = ig_baseline(circuit, X, baseline)
    Zx = X @ circuit.W.T + circuit.b
    Zb = base @ circuit.W.T + circuit.b
    Zb = np.broadcast_to(Zb, Zx.shape)
    if rule == "exact":
        dz = Zx - Zb
        small = np.abs(dz) < 1e-6  # (phi(z) - phi(z')) / dz cancels badly: use the midpoint slope
        with np.errstate(invalid="ignore", divide="ignore"):
            G = np.where(small, circuit.dphi(0.5 * (Zx + Zb)), (circuit.phi(Zx) - circuit.phi(Zb)) / dz)
        return (X - base) * ((G * circuit.v) @ circuit.W)
    G = np.empty_like(Zx)
    for sl in _chunks(len(X), steps * circuit.n_hidden):
        zb, dz = Zb[sl], Zx[sl] - Zb[sl]
        Z = zb[:, None, :] + alphas[:, None] * dz[:, None, :]  # (chunk, steps, hidden)
        G[sl] = np.einsum("k,nkh->nh", weights, circuit.dphi(Z))
    return (X - base) * ((G * circuit.v) @ circuit.W)


def integrated_gradients(circuit, X, rng=None, *, baseline=None, steps: int = 64,
                         rule: str = "gausslegendre") -> np.ndarray:
    """Integrated gradients: mean over samples of ``|IG_j(x)|`` (see :func:`ig_attributions`)."""
    return mean_abs(ig_attributions(circuit, X, baseline=baseline, steps=steps, rule=rule))


# --- activation patching ---------------------------------------------------------------------

CORRUPTIONS = ("resample", "mean", "zero")


def derangements(n: int, n_columns: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, n_columns)`` partner indices; each column a permutation with no fixed point.

    One random order of the samples, shared by all columns; column j pairs the sample at
    position i of that order with the one at position ``i + s_j (mod n)``, for a random shift
    ``s_j`` in ``[1, n)``. So sample i always takes its value from a *different* sample
    (n >= 2), partners differ between features, and however the caller ordered ``X`` the
    pairing is random.
    """
    order = rng.permutation(n)
    shifts = rng.integers(1, n, size=n_columns) if n > 1 else np.zeros(n_columns, dtype=int)
    ahead = np.concatenate([order, order])  # the order twice over: position i + s_j without "mod n"
    partner = np.empty((n, n_columns), dtype=np.intp)
    partner[order] = ahead[np.arange(n)[:, None] + shifts]  # position i's partner: position i + s_j
    return partner


def corrupted_values(X, corruption: str, rng) -> np.ndarray:
    """The value each feature of each sample is patched to: ``(n_samples, n_features)``.

    ``"resample"``: ``x~_ij = x_{p_j(i), j}``, feature j of sample i taken from its partner
    ``p_j(i)`` (:func:`derangements`); ``"mean"``: the feature's sample mean; ``"zero"``: 0.
    """
    check_choice(corruption, CORRUPTIONS, "corruption")
    if corruption == "zero":
        return np.zeros_like(X)
    if corruption == "mean":
        return np.broadcast_to(X.mean(axis=0), X.shape)
    return from_partners(X, derangements(len(X), X.shape[1], rng))


def from_partners(A, partner) -> np.ndarray:
    """``A[partner[i, j], j]`` for every ``i, j``: each column's values taken from the partner rows.

    One gather through the flat index ``partner * k + j`` (``A (n, k)``): faster than indexing
    with two index arrays (benchmarks/RESULTS.md, "Design notes").
    """
    return np.take(A, partner * A.shape[1] + np.arange(A.shape[1]))


def patch_effects(circuit, X, X_patch) -> np.ndarray:
    """Signed effect of patching one feature at a time: ``(n_samples, n_features)``.

    ``out[i, j] = f(x_i with x_ij := X_patch[i, j]) - f(x_i)``. Replacing feature j shifts
    the pre-activations by ``(x'_j - x_j) W[:, j]``: it moves only the hidden units that
    read feature j. So all ``n_features`` patched forwards are one batch over the
    ``(unit, feature)`` pairs with ``W[unit, feature] != 0`` -- ``(samples, pairs)``, at most
    ``(samples, features * hidden)`` for a dense W, a tenth of that for the sparse compiled
    circuits. Differences are taken per hidden unit before the output sum, so a feature with
    zero weight has an effect of exactly 0. (The definition, one forward pass per patched
    feature: :func:`neurotrace.formulas.patch_effects`.)
    """
    out = np.empty(X.shape)
    units, features = circuit.connections  # the pairs
    weights = circuit.W[units, features]
    W_pairs, b_pairs = np.ascontiguousarray(circuit.W[units].T), circuit.b[units]  # each pair's unit
    # owner[p, j] = v[unit of p] if pair p belongs to feature j: one matmul weights and sums
    # each feature's pairs (a feature with no pair gets an exact 0).
    owner = np.zeros((len(units), circuit.n_features))
    owner[np.arange(len(units)), features] = circuit.v[units]
    for sl in _chunks(len(X), len(units) + circuit.n_features):
        Z = X[sl] @ W_pairs + b_pairs  # (chunk, pairs): each pair's unit's pre-activation
        Zp = Z + (X_patch[sl] - X[sl])[:, features] * weights
        out[sl] = (circuit.phi(Zp) - circuit.phi(Z)) @ owner
    return out


def patching(circuit, X, rng=None, *, corruption: str = "resample") -> np.ndarray:
    """Noising activation patching: mean over samples of ``|f(x) - f(x with x_j corrupted)|``.

    ``corruption``: ``"resample"`` (default) takes feature j's value from another sample (a
    random derangement per feature), ``"mean"`` uses the feature's sample mean, ``"zero"``
    uses 0.
    """
    X = circuit.check_inputs(X)
    rng = as_generator(rng, "patching", 0)
    return mean_abs(patch_effects(circuit, X, corrupted_values(X, corruption, rng)))


def denoising_patching(circuit, X, rng=None, *, corruption: str = "zero") -> np.ndarray:
    """Denoising patching: mean over samples of ``|f(x' with x_j restored) - f(x')|``.

    The sufficiency direction: start from a corrupted input ``x'`` and restore one clean
    feature. ``corruption`` defaults to ``"zero"``, the reference input (the mean of every
    Gaussian feature, the "absent" value of every switch, IG's baseline). With
    ``"resample"`` the corrupted input is another sample, and denoising becomes noising with
    the two samples' roles swapped -- the same quantity in expectation.
    """
    X = circuit.check_inputs(X)
    rng = as_generator(rng, "denoising_patching", 0)
    corrupted = np.array(corrupted_values(X, corruption, rng))
    return mean_abs(patch_effects(circuit, corrupted, X))


def attribution_patching(circuit, X, rng=None, *, corruption: str = "resample") -> np.ndarray:
    """Attribution patching: the first-order estimate of noising patching.

    ``f(x with x_j := x'_j) - f(x) ~ dy/dx_j(x) * (x'_j - x_j)``, one gradient for all
    features instead of one forward per feature (Nanda 2023). Exact for a circuit that is
    linear in x_j over the distance a patch moves it; where the output is saturated or
    rippling on that scale, it inherits the gradient's failure. ``corruption`` as in
    :func:`patching` (same random stream, so the two see the same patches).
    """
    X = circuit.check_inputs(X)
    rng = as_generator(rng, "patching", 0)
    delta = corrupted_values(X, corruption, rng) - X
    return mean_abs(circuit.gradient(X) * delta)


# --- Shapley values --------------------------------------------------------------------------

SHAPLEY_REFERENCES = ("zero", "mean", "data")
MAX_PLAYERS = 16  # exact enumeration of 2^k coalitions per hidden unit's input support


def _coalitions(k: int):
    """All ``2^k`` coalitions as a bool matrix ``(2^k, k)`` and the Shapley weight matrix.

    ``phi = V @ M`` for values ``V (..., 2^k)``: ``M[S, j] = w(|S| - 1)`` if ``j in S`` else
    ``-w(|S|)``, with ``w(s) = s! (k - 1 - s)! / k!``.
    """
    from math import factorial

    S = ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(bool)
    size = S.sum(axis=1)
    w = np.array([factorial(s) * factorial(k - 1 - s) / factorial(k) for s in range(k)] + [0.0])
    M = np.where(S, w[np.maximum(size - 1, 0)][:, None], -w[size][:, None])
    return S, M


def shapley_reference(X, reference: str = "zero", background: int = 32, rng=None) -> np.ndarray:
    """The rows an absent feature takes its value from: ``(n_rows, n_features)``.

    ``"zero"``: the all-zeros reference input (one row); ``"mean"``: the sample mean of ``X``
    (one row); ``"data"``: ``background`` rows of ``X`` drawn without replacement (all of them
    if ``X`` has fewer), whose values are averaged over.
    """
    check_choice(reference, SHAPLEY_REFERENCES, "reference")
    if reference == "zero":
        return np.zeros((1, X.shape[1]))
    if reference == "mean":
        return X.mean(axis=0, keepdims=True)
    if not isinstance(background, (int, np.integer)) or isinstance(background, bool) or background < 1:
        raise ValueError(f"background must be a positive integer (got {background!r:.40})")
    rng = as_generator(rng, "shapley", 0)
    return X[rng.choice(len(X), size=min(background, len(X)), replace=False)]


def shapley_values(circuit, X, *, reference: str = "zero", background: int = 32, rng=None) -> np.ndarray:
    """Exact Shapley values ``(n_samples, n_features)``, signed.

    Value of a coalition S: the output with the features in S taken from ``x`` and the rest
    set from the reference: ``"zero"`` (default: the all-zeros reference input, IG's
    baseline), ``"mean"`` (the sample mean of X), or ``"data"`` (averaged over ``background``
    rows drawn from X: interventional Shapley over the data distribution).

    Exact, and cheap: the output is a sum over hidden units, Shapley values are linear in the
    game, and a feature a unit does not read is a null player in that unit's game. So each
    unit needs only the ``2^k`` coalitions of its own ``k`` inputs -- all evaluated in one
    batched forward -- and the sum over units equals enumerating all ``2^n_features`` (the
    definition: :func:`neurotrace.formulas.shapley_values`).
    """
    X = check_data(circuit, X)
    R = shapley_reference(X, reference, background, rng)
    phi = np.zeros(X.shape)
    live = np.flatnonzero(circuit.v != 0)  # a unit with output weight 0 plays no game
    supports: dict[tuple, list] = {}
    for u in live:
        supports.setdefault(tuple(np.flatnonzero(circuit.W[u])), []).append(u)
    for support, units in supports.items():
        k = len(support)
        if k == 0:
            continue  # a constant unit: every feature is a null player
        if k > MAX_PLAYERS:
            raise ValueError(f"a hidden unit reads {k} features; exact Shapley enumerates at most {MAX_PLAYERS}")
        _check_chunk(len(R) * 2**k * (len(units) + k), f"shapley with background={len(R):,}",
                     "use a smaller background")
        S, M = _coalitions(k)
        cols = list(support)
        Wg, bg, vg = circuit.W[units][:, cols], circuit.b[units], circuit.v[units]
        Zr = R[:, cols] @ Wg.T + bg  # (refs, units)
        for sl in _chunks(len(X), len(R) * len(S) * (len(units) + k)):
            D = X[sl, None, :][..., cols] - R[None, :, cols]  # (n, refs, k)
            # z(S) = z(reference) + sum_{j in S} W_j (x_j - r_j): (n, refs, 2^k, units)
            Z = Zr[None, :, None, :] + np.einsum("sk,nrk,uk->nrsu", S, D, Wg)
            V = (circuit.phi(Z) @ vg).mean(axis=1)  # (n, 2^k)
            phi[sl, cols] += V @ M
    return phi


def shapley(circuit, X, rng=None, *, reference: str = "zero", background: int = 32) -> np.ndarray:
    """Mean over samples of ``|phi_j|``, the exact Shapley values (see :func:`shapley_values`)."""
    return mean_abs(shapley_values(circuit, X, reference=reference, background=background, rng=rng))


# --- the registry ----------------------------------------------------------------------------

FAMILIES = ("proxy", "causal", "baseline")

LEVELS: dict[str, Callable] = {}
"""Each level's checked entry point, ``(method, circuit, X, *, rng=None, **options) -> scores``.

``"input"`` is this module's :func:`attribute`; the modules of the other levels import this one
and add theirs (``"hidden"``: :func:`neurotrace.hidden.attribute_hidden`, ``"edge"``:
``neurotrace.discovery.attribute_edges``), so a :class:`Method` finds its level's here and no
module imports back.
"""


@dataclass(frozen=True)
class Method:
    """A registered method: ``fn(circuit, X, rng, **options) -> (n_features,)``.

    ``level="hidden"`` marks a hidden-unit method (``neurotrace.hidden``), whose ``fn`` takes
    ``(circuit, H, y, rng, **options)`` and scores units; calling a method of any level runs it
    through that level's checked entry point in :data:`LEVELS`.
    """

    name: str
    fn: Callable
    family: str
    summary: str
    level: str = "input"

    def __call__(self, circuit, X, rng=None, **options):
        check_choice(self.level, LEVELS, "method level")
        return LEVELS[self.level](self.name, circuit, X, rng=rng, **options)

    @property
    def options(self) -> tuple:
        """Names of the keyword options the method accepts."""
        params = inspect.signature(self.fn).parameters.values()
        return tuple(p.name for p in params if p.kind is p.KEYWORD_ONLY)


METHODS: dict[str, Method] = {}
BUILTIN_METHODS: frozenset = frozenset()  # filled once the built-ins below are registered


def register_method(name: str, fn: Callable | None = None, *, family: str, summary: str = "",
                    replace: bool = False):
    """Add ``fn(circuit, X, rng, **options) -> (n_features,)`` to ``METHODS`` under ``name``.

    Use it as a call, ``register_method("mine", fn, family="proxy")``, or as a decorator,
    ``@register_method("mine", family="proxy")``. ``family`` is ``proxy``, ``causal`` or
    ``baseline``. A name already registered is an error, unless ``replace=True`` (re-running a
    notebook cell that registers a method then replaces it; built-in methods cannot be replaced);
    :func:`unregister_method` removes one, and :func:`registered_method` registers one for a
    ``with`` block only.
    """
    if fn is None:
        return lambda f: (register_method(name, f, family=family, summary=summary, replace=replace), f)[1]
    from .circuits import _check_new_name  # circuits does not import this module

    _check_new_name(name, METHODS, BUILTIN_METHODS, "method", replace)
    if not callable(fn):
        raise ValueError(f"method {name!r} must be callable (got {type(fn).__name__})")
    check_choice(family, FAMILIES, "family")
    _check_signature(name, fn)
    method = Method(name, fn, family, summary or (inspect.getdoc(fn) or "").split("\n")[0])
    METHODS[name] = method
    return method


def _check_signature(name: str, fn: Callable) -> None:
    """A plug-in with the wrong signature fails here, by name, not later with a TypeError."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # no introspectable signature (some builtins): trust it
        return
    try:
        signature.bind(None, None, None)
    except TypeError:
        raise ValueError(
            f"method {name!r} must accept (circuit, X, rng, **options); "
            f"{getattr(fn, '__name__', 'it')}{signature} does not"
        ) from None


def unregister_method(name: str) -> Method:
    """Remove a method from ``METHODS`` (e.g. a plug-in registered in a notebook or a test)."""
    check_choice(name, METHODS, "method")
    return METHODS.pop(name)


register_method("random", random_scores, family="baseline",
                summary="uniform random scores: the chance floor")
register_method("correlation", correlation, family="proxy",
                summary="|corr(x_j, y)| over the data")
register_method("gradient", gradient, family="proxy",
                summary="mean |dy/dx_j|: the local slope")
register_method("input_x_gradient", input_x_gradient, family="proxy",
                summary="mean |x_j * dy/dx_j|: the gradient scaled by the input")
register_method("smoothgrad", smoothgrad, family="proxy",
                summary="mean |dy/dx_j| over Gaussian-noised copies of each sample")
register_method("integrated_gradients", integrated_gradients, family="causal",
                summary="mean |IG_j|: the gradient integrated from a baseline to the input")
register_method("patching", patching, family="causal",
                summary="mean |f(x) - f(x with x_j corrupted)|: noising activation patching")
register_method("denoising_patching", denoising_patching, family="causal",
                summary="mean |f(x' with x_j restored) - f(x')|: restore one feature into the reference")
register_method("attribution_patching", attribution_patching, family="proxy",
                summary="mean |dy/dx_j * (x'_j - x_j)|: the first-order estimate of patching")
register_method("shapley", shapley, family="causal",
                summary="mean |exact Shapley value|, absent features set to the reference")
BUILTIN_METHODS = frozenset(METHODS)


def registered_method(name: str, fn: Callable, *, family: str, summary: str = "", replace: bool = False):
    """Register ``fn`` as method ``name`` for the ``with`` block only; on leaving, ``METHODS`` is as
    before (with ``replace=True``, the method it replaced is back)."""
    return registered(METHODS, name, lambda: register_method(name, fn, family=family, summary=summary,
                                                             replace=replace))


class PluginError(RuntimeError):
    """A plug-in failed: importing it, or calling its method, raised (or called ``sys.exit``).

    The message names the plug-in and its exception in one line; the original exception is
    chained (``__cause__``), so its traceback is there for whoever asks for it.
    """


def _is_builtin(fn) -> bool:
    """A method defined in this module: its exceptions are input errors (bad options), not bugs
    of a plug-in, and pass through unchanged."""
    return getattr(fn, "__module__", None) in (__name__, "neurotrace.hidden")


def _where(fn) -> str:
    """`` (from mypackage.methods)``, or the file of a plug-in imported by path; empty in a notebook."""
    import sys

    module = getattr(fn, "__module__", None)
    if not module or module == "__main__":
        return ""
    if module.startswith("neurotrace_plugin_"):  # neurotrace.plugins' name for a .py file
        module = getattr(sys.modules.get(module), "__file__", None) or module
    return f" (from {module})"


def call_method(entry, what: str, *args, **options):
    """Run ``entry.fn(*args, **options)``; a plug-in's exception becomes a one-line PluginError.

    Floating-point warnings are silenced: the result is checked for NaN and inf instead.
    """
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return entry.fn(*args, **options)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as err:
        if _is_builtin(entry.fn) and not isinstance(err, SystemExit):
            raise
        detail = (f"called sys.exit({err.code!r})" if isinstance(err, SystemExit)
                  else f"raised {type(err).__name__}" + (f": {' '.join(str(err).split())}" if str(err) else ""))
        raise PluginError(f"{what} {entry.name!r}{_where(entry.fn)} {detail}"[:500]) from err


def check_circuit(circuit):
    """``circuit`` must be a :class:`~neurotrace.circuits.Circuit` (``TypeError`` otherwise)."""
    from .circuits import Circuit  # circuits does not import this module; kept local all the same

    if not isinstance(circuit, Circuit):
        raise TypeError(f"circuit must be a neurotrace Circuit, e.g. nt.make_circuit('clean') "
                        f"(got {type(circuit).__name__})")
    return circuit


def check_data(circuit, X, min_rows: int = 1) -> np.ndarray:
    """``X`` as a float array ``(n_samples, n_features)`` of finite numbers with >= ``min_rows`` rows.

    Complex, non-numeric and non-finite data are refused with a ``ValueError``: NaN would make
    correlation score 0 and every AUROC 0.5, a silent wrong answer.
    """
    d = circuit.n_features
    if np.iscomplexobj(X):
        raise ValueError(f"X must hold real numbers, shape (n_samples, {d}) (got complex)")
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"X must be an array of numbers of shape (n_samples, {d}) (got {type(X).__name__})"
                         ) from None
    arr = circuit.check_inputs(arr)
    if len(arr) < min_rows:
        raise ValueError(f"X must hold at least {min_rows} samples (got {len(arr)})")
    if not np.isfinite(arr).all():
        rows = np.flatnonzero(~np.isfinite(arr).all(axis=1))
        raise ValueError(f"X must be finite: NaN or inf in {len(rows):,} of its {len(arr):,} rows "
                         f"(first at row {rows[0]})")
    return arr


def _read_only(X) -> np.ndarray:
    """A read-only view of ``X``: a method cannot change what the next one sees."""
    view = X.view()
    view.flags.writeable = False
    return view


HUGE_X = 1e150  # beyond this a square (a variance, a norm) overflows float64


def check_scores(out, method: str, circuit, X, n: int, what: str = "method") -> np.ndarray:
    """A method's result as ``(n,)`` finite non-negative floats, or a ``ValueError`` naming it."""
    if np.iscomplexobj(out):
        raise ValueError(f"{what} {method!r} returned complex numbers; importances must be real")
    try:
        scores = np.asarray(out, dtype=float)
    except (TypeError, ValueError, RuntimeError, OverflowError):  # e.g. a string, a dict, a torch tensor needing grad
        raise ValueError(f"{what} {method!r} returned {type(out).__name__}, not {n} numbers") from None
    if scores.shape != (n,):
        raise ValueError(f"{what} {method!r} returned shape {scores.shape}; expected ({n},)")
    bad = np.flatnonzero(~np.isfinite(scores)).tolist()
    if bad:
        with np.errstate(over="ignore", invalid="ignore"):
            largest = float(np.abs(X).max())
            overflow = largest > HUGE_X or not np.isfinite(circuit.preactivation(X)).all()
        if overflow:  # the data, not the method: say so
            raise ValueError(f"X is too large to compute with (largest |x| = {largest:.3g}: its squares or the "
                             f"circuit's pre-activations overflow float64), so {what} {method!r} returned NaN or inf")
        raise ValueError(f"{what} {method!r} returned NaN or inf at {'units' if what != 'method' else 'features'} "
                         f"{bad[:20]}")
    bad = np.flatnonzero(scores < 0).tolist()
    if bad:
        raise ValueError(f"{what} {method!r} returned negative scores at "
                         f"{'units' if what != 'method' else 'features'} {bad[:20]}")
    return scores


def check_options(entry, options, what: str = "method") -> None:
    """Unknown keyword options are a ``ValueError`` naming the valid ones (not a ``TypeError``)."""
    unknown = sorted(set(options) - set(entry.options))
    if unknown:
        valid = ", ".join(entry.options) or "none"
        raise ValueError(f"unknown option {unknown[0]!r} for {what} {entry.name!r} (valid options: {valid})")


def attribute(method: str, circuit, X, *, rng=None, **options) -> np.ndarray:
    """Importances ``(n_features,)`` of ``method`` on ``circuit`` at samples ``X (n, n_features)``.

    ``rng`` defaults to a fixed stream, so calls without one are reproducible too; it may be
    anything ``numpy.random.default_rng`` accepts. ``X`` must be finite with at least 2 rows;
    the method sees a read-only view of it, so it cannot change the caller's data. The result
    is checked: shape ``(n_features,)``, real, finite and non-negative, or ``ValueError``. A
    plug-in method that raises is reported as a :class:`PluginError` naming it.
    """
    check_choice(method, METHODS, "method")
    entry = METHODS[method]
    check_circuit(circuit)
    X = check_data(circuit, X, min_rows=2)
    check_options(entry, options)
    rng = as_generator(rng, "attribute", method, 0)
    out = call_method(entry, "method", circuit, _read_only(X), rng, **options)
    return check_scores(out, method, circuit, X, circuit.n_features)


LEVELS["input"] = attribute
