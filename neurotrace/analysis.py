"""Calculations the book's figures and prose share: one computation behind each picture.

A figure in :mod:`neurotrace.plots` draws what a function here returns, and the page's prose
quotes the same return value (through :mod:`neurotrace.claims`), so a number under a figure
and the number in the sentence beside it cannot disagree. numpy only.
"""

from __future__ import annotations

import numpy as np

from ._rng import make_rng
from .hidden import attribute_hidden, effect_units, task_units, unit_groups
from .methods import abs_correlation, corrupted_values, ig_attributions, patch_effects
from .scoring import TIE_TOLERANCE


def default_data(circuit, samples: int = 512) -> np.ndarray:
    """The samples ``evaluate`` draws for the circuit's seed: ``(samples, n_features)``."""
    return circuit.sample(samples, make_rng("data", circuit.seed))


# --- what each feature and unit is ---------------------------------------------------------------


def feature_roles(circuit) -> np.ndarray:
    """Each feature's role in the truth, ``(n_features,)``: ``"causal"``, ``"decoy"`` or ``"other"``."""
    return np.where(circuit.causal, "causal", np.where(circuit.decoy, "decoy", "other"))


def unit_kinds(circuit) -> np.ndarray:
    """Each hidden unit's kind, ``(n_hidden,)`` (the network diagram colours by it): ``"idle"``
    (output weight 0), ``"decoy"`` (reads a decoy feature), ``"core"`` (reads a causal feature),
    else ``"other"``."""
    reads = circuit.W != 0
    decoy = (reads & circuit.decoy).any(axis=1)
    causal = (reads & circuit.causal).any(axis=1)
    return np.where(circuit.v == 0, "idle", np.where(decoy, "decoy", np.where(causal, "core", "other")))


def weight_reach(circuit) -> np.ndarray:
    """How strongly the network reads each feature, ``sum_h |v_h W_hj|`` (``|v| @ |W|``, the very
    expression of the book's example method, so its scores equal these exactly): ``(n_features,)``;
    0 for a feature that no unit with an output weight reads."""
    return np.abs(circuit.v) @ np.abs(circuit.W)


def data_links(circuit) -> list[tuple[int, int]]:
    """``(i, j)``: feature ``i`` is generated from feature ``j`` in the data (off-diagonal ``mixing``),
    short links first (the network diagrams nest them: short brackets inside longer ones)."""
    return sorted(((int(i), int(j)) for i, j in zip(*np.nonzero(circuit.mixing), strict=True) if i != j),
                  key=lambda link: (abs(link[0] - link[1]), link))


# --- integrated gradients along one path ---------------------------------------------------------


def path_integrals(circuit, x, baseline=None, steps: int = 512):
    """The straight IG path from ``baseline`` to ``x`` and the running attributions along it.

    Returns ``alphas (steps+1,)``, ``outputs (steps+1,)`` = f on the path, and ``running
    (steps+1, n_features)``: feature j's integral of ``dy/dx_j (x_j - x'_j)`` from 0 to alpha
    (trapezoid rule on the fine grid), so ``running[-1]`` is IG(x) and each row sums to
    ``f(path) - f(baseline)`` up to the quadrature error.
    """
    x = np.asarray(x, dtype=float)
    base = np.zeros_like(x) if baseline is None else np.asarray(baseline, dtype=float)
    alphas = np.linspace(0.0, 1.0, steps + 1)
    path = base + alphas[:, None] * (x - base)
    outputs = circuit.forward(path)
    slope = circuit.gradient(path) * (x - base)  # d f(path(alpha)) / d alpha, per feature
    pieces = 0.5 * (slope[1:] + slope[:-1]) * np.diff(alphas)[:, None]
    running = np.vstack([np.zeros((1, len(x))), np.cumsum(pieces, axis=0)])
    return alphas, outputs, running


def steepest_feature(circuit, mask) -> int:
    """The feature of ``mask`` with the largest weight into the network (norm of its column of W)."""
    weight = np.linalg.norm(circuit.W, axis=0)
    candidates = np.flatnonzero(mask)
    return int(candidates[np.argmax(weight[candidates])])


# --- the regimes' pictures ---------------------------------------------------------------------------


def confounded_picture(circuit, X=None) -> dict:
    """What the confounded regime's mechanism figure shows, on the data ``X`` (default: evaluate's).

    The decoy with the highest ``|corr(x_j, y)|`` and the causal feature with the highest --
    the same numbers the ``correlation`` method gives them -- and the largest weight from any
    decoy into the network (0: the network never reads them).
    """
    X = default_data(circuit) if X is None else np.asarray(X, dtype=float)
    corr = abs_correlation(X, circuit.forward(X))
    causal, decoys = np.flatnonzero(circuit.causal), np.flatnonzero(circuit.decoy)
    j_causal = int(causal[np.argmax(corr[causal])])
    j_decoy = int(decoys[np.argmax(corr[decoys])]) if len(decoys) else None
    return {
        "causal": j_causal, "causal_corr": float(corr[j_causal]),
        "decoy": j_decoy, "decoy_corr": float(corr[j_decoy]) if j_decoy is not None else 0.0,
        "decoy_weight": float(np.abs(circuit.W[:, circuit.decoy]).max()) if len(decoys) else 0.0,
    }


def suppressor_picture(circuit, x=None, *, feature: int | None = None) -> dict:
    """What the suppressor's mechanism figure shows: one decoy swept across its range at input ``x``.

    ``x`` defaults to all ones, ``feature`` to the first decoy. Returns the sweep (``grid``,
    ``outputs``), the steepest slope along it, the decoy's net change from 0 to ``x_j``, the IG
    path (``alphas``, ``running``) and its end values for the decoy and for the causal feature
    with the largest weight.
    """
    x = np.ones(circuit.n_features) if x is None else np.asarray(x, dtype=float)
    j = int(np.flatnonzero(circuit.decoy)[0]) if feature is None else int(feature)
    grid = np.linspace(-2.5, 2.5, 4001)
    along = np.tile(x, (len(grid), 1))
    along[:, j] = grid
    outputs = circuit.forward(along)
    slope = np.abs(circuit.gradient(along)[:, j])
    x_base = x.copy()
    x_base[j] = 0.0
    alphas, path_outputs, running = path_integrals(circuit, x)
    j_causal = steepest_feature(circuit, circuit.causal)
    return {
        "x": x, "decoy": j, "causal": j_causal, "grid": grid, "outputs": outputs,
        "steepest_slope": float(slope.max()),
        "net_change": float(circuit.forward(x[None])[0] - circuit.forward(x_base[None])[0]),
        "alphas": alphas, "path_outputs": path_outputs, "running": running,
        "ig_decoy": float(running[-1, j]), "ig_causal": float(running[-1, j_causal]),
    }


def switch_table(circuit, pair) -> np.ndarray:
    """Output of ``circuit`` with only the switches ``pair = (a, b)`` set, everything else at the
    reference 0: a ``(3, 3)`` table over ``x_a, x_b in (-1, 0, +1)`` (0 = absent)."""
    values = np.array([-1.0, 0.0, 1.0])
    X = np.zeros((9, circuit.n_features))
    X[:, pair[0]] = np.repeat(values, 3)
    X[:, pair[1]] = np.tile(values, 3)
    return circuit.forward(X).reshape(3, 3)


def switch_pairs(circuit) -> list[tuple[int, int]]:
    """The causal features in consecutive pairs ``[(f0, f1), (f2, f3)]``: the switch regimes' gates."""
    causal = np.flatnonzero(circuit.causal)
    return [(int(causal[i]), int(causal[i + 1])) for i in range(0, len(causal) - 1, 2)]


def switch_moves(circuit) -> list[dict]:
    """The move that fools each switch pair's single-feature method, read off its truth table.

    One dict per pair of :func:`switch_pairs`: the ``pair``, its
    ``table`` (:func:`switch_table`), the move as table cells ``start`` ->
    ``end`` (row = first switch, column = second, index 0/1/2 = -1/absent/+1), what it does
    (``move``), the output ``change`` it causes and whether that is ``none`` (within the tie
    tolerance of the table's largest |output|). ``redundant``: knock the backup out while its
    primary is +1; ``interaction``: restore the first switch alone into the all-absent reference.
    """
    out = []
    for a, b in switch_pairs(circuit):
        table = switch_table(circuit, (a, b))
        if circuit.name == "redundant":
            start, end, move = (2, 2), (2, 1), f"knock out f{b} (f{a} at +1)"
        else:
            start, end, move = (1, 1), (2, 1), f"restore f{a} alone"
        change = float(table[end] - table[start])
        scale = float(np.abs(table).max())
        out.append({"pair": (a, b), "table": table, "start": start, "end": end, "move": move, "change": change,
                    "none": abs(change) <= TIE_TOLERANCE * scale})
    return out



# --- attribution patching: a patch vs its first-order estimate ----------------------------------------


def resample_patches(circuit, X, seed: int | None = None) -> np.ndarray:
    """The values a resample patch moves each feature to, ``(n, n_features)``: the draw
    ``evaluate`` gives ``attribution_patching`` at ``seed`` (default: the circuit's seed)."""
    seed = circuit.seed if seed is None else seed
    return np.asarray(corrupted_values(X, "resample", make_rng("method", "attribution_patching", seed)))


def first_order_patches(circuit, X, X_patch):
    """Each patch's exact effect and its first-order estimate: two ``(n, n_features)`` arrays.

    ``exact[i, j] = f(x_i with x_ij := X_patch[i, j]) - f(x_i)`` (what noising patching
    averages, as ``|.|``); ``estimate[i, j] = dy/dx_j(x_i) (X_patch[i, j] - x_ij)`` (what
    attribution patching averages). They agree when f is close to linear in x_j over the patch.
    """
    X = np.asarray(X, dtype=float)
    X_patch = np.asarray(X_patch, dtype=float)
    return patch_effects(circuit, X, X_patch), circuit.gradient(X) * (X_patch - X)


def first_order_error(exact, estimate) -> np.ndarray:
    """Per feature, ``mean |estimate - exact| / mean |exact|`` over the samples: ``(n_features,)``.

    0 = the first-order estimate is exact; 1 = it is off by as much as the effect itself. NaN
    for a feature whose patches change nothing.
    """
    size = np.abs(exact).mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(size > 0, np.abs(estimate - exact).mean(axis=0) / size, np.nan)


# --- hidden units: one at a time, or with the units that read the same inputs -------------------------


def unit_effects(circuit, X=None) -> dict:
    """Per hidden unit, the two hidden truths and the two patching scores: arrays ``(n_hidden,)``.

    ``task``, ``effect``: the masks of :mod:`neurotrace.hidden`; ``single``: single-unit
    patching; ``joint``: joint patching (the unit's group, patched together); ``group``: the
    group id. The scores use ``evaluate``'s data and method streams for the circuit's seed, so
    they equal the neuron-level table's importances.
    """
    X = default_data(circuit) if X is None else np.asarray(X, dtype=float)
    seed = circuit.seed
    return {
        "task": task_units(circuit), "effect": effect_units(circuit), "group": unit_groups(circuit),
        "single": attribute_hidden("patching", circuit, X, rng=make_rng("method", "patching", seed)),
        "joint": attribute_hidden("joint_patching", circuit, X, rng=make_rng("method", "joint_patching", seed)),
    }


# --- the methods page: completeness and SmoothGrad's reach --------------------------------------


def ig_completeness(circuit, X, baseline=None, attributions=None, **options):
    """IG's completeness, row by row of ``X``: ``(change, total)``, each ``(n,)``.

    ``change = f(x) - f(x')`` from the baseline ``x'`` (default: all zeros) and ``total = sum_j
    IG_j(x)``: the row sums of ``attributions (n, n_features)`` when given (a student's IG, say),
    else of :func:`~neurotrace.methods.ig_attributions` with ``baseline`` and ``options``. Equal
    but for the quadrature error.
    """
    X = np.asarray(X, dtype=float)
    base = np.zeros(circuit.n_features) if baseline is None else np.asarray(baseline, dtype=float)
    if attributions is None:
        attributions = ig_attributions(circuit, X, baseline=baseline, **options)
    total = np.asarray(attributions, dtype=float).sum(axis=1)
    change = circuit.forward(X) - circuit.forward(base[None])[0]
    return change, total


def completeness_gap(circuit, X, baseline=None, attributions=None, **options) -> float:
    """Largest ``|sum_j IG_j(x) - (f(x) - f(x'))|`` over the rows of ``X``: IG's completeness error
    (:func:`ig_completeness`: the all-zeros baseline unless ``baseline`` is given; the library's IG
    with ``options`` unless ``attributions`` are)."""
    change, total = ig_completeness(circuit, X, baseline, attributions, **options)
    return float(np.max(np.abs(total - change)))


def smoothgrad_defaults() -> dict:
    """SmoothGrad's default options, read off the method: ``{"noise": ..., "copies": ...}``."""
    import inspect

    from .methods import smoothgrad

    params = inspect.signature(smoothgrad).parameters
    return {name: params[name].default for name in ("noise", "copies")}


def smoothgrad_copies(circuit, X, seed: int | None = None) -> np.ndarray:
    """The noisy copies ``smoothgrad`` averages the slope over, ``(n, copies, n_features)``: the
    draws ``evaluate`` gives it at ``seed`` (default: the circuit's seed), with the method's defaults."""
    X = np.asarray(X, dtype=float)
    seed = circuit.seed if seed is None else seed
    noise, copies = smoothgrad_defaults()["noise"], smoothgrad_defaults()["copies"]
    rng = make_rng("method", "smoothgrad", seed)
    return X[:, None, :] + noise * X.std(axis=0) * rng.standard_normal((len(X), copies, circuit.n_features))


def slope_reach(circuit, points) -> float:
    """The fraction of ``points (..., n_features)`` at which some feature's slope is not exactly 0:
    where the points reach a unit off its plateau (0 when every unit is saturated at every point)."""
    points = np.asarray(points, dtype=float).reshape(-1, circuit.n_features)
    return float((circuit.gradient(points) != 0).any(axis=1).mean())


def gate_margin(circuit, X) -> float:
    """How far the data sit from the nearest live unit's threshold, in input units: the least
    ``|w_u . x + b_u| / max_j |W_uj|`` over the samples and the units with an output weight."""
    live = np.flatnonzero(circuit.v != 0)
    z = np.abs(circuit.preactivation(np.asarray(X, dtype=float))[:, live])
    return float((z / np.abs(circuit.W[live]).max(axis=1)).min())


# --- the network diagram: what the strength changes ----------------------------------------------------


def strength_changes(circuit, reference=0.0) -> dict:
    """What a regime's strength changes: ``circuit`` against the same regime and seed at ``reference``.

    ``reference`` is a strength (default 0, the control) or a circuit of the same shape. Returns
    boolean masks: ``W (n_hidden, n_features)``, ``b``, ``v`` and ``units`` (``(n_hidden,)``: any of
    the unit's weights, bias or output weight differs), ``mixing (n_features, n_features)`` and
    ``features`` (``(n_features,)``: the feature's row of the data's mixing differs, i.e. how the
    data generate it), plus ``reference``, the circuit compared against. A circuit whose name is not
    a registered regime has nothing to compare: every mask is False and ``reference`` is ``None``.
    """
    from .circuits import CIRCUITS, make_circuit

    if not isinstance(reference, (int, float)):
        other = reference
    elif circuit.name in CIRCUITS:
        other = make_circuit(circuit.name, strength=float(reference), seed=circuit.seed)
    else:
        other = None
    h, d = circuit.W.shape
    if other is None:
        out = {"W": np.zeros((h, d), bool), "b": np.zeros(h, bool), "v": np.zeros(h, bool),
               "mixing": np.zeros((d, d), bool)}
    else:
        if other.W.shape != circuit.W.shape:
            raise ValueError(f"cannot compare a {circuit.W.shape} network with a {other.W.shape} one")
        out = {name: getattr(circuit, name) != getattr(other, name) for name in ("W", "b", "v", "mixing")}
    out["units"] = out["W"].any(axis=1) | out["b"] | out["v"]
    out["features"] = out["mixing"].any(axis=1)
    out["reference"] = other
    return out
