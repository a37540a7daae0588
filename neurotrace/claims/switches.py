"""The switch regimes (redundant, interaction): their pages' own facts, and where their slopes vanish.

:func:`flat_from` and :func:`flat_on_grid` (the strength from which every slope is exactly 0) and
``SLOPES_AT_DATA`` are shared with the results and methods pages.
"""

from __future__ import annotations

import numpy as np

from ..analysis import default_data, slope_reach, switch_pairs, switch_table
from ..circuits import AND_THRESHOLD, CIRCUITS, SWITCH_CONTROL_GAIN, SWITCH_GAIN, make_circuit
from ..scoring import auroc
from ._shared import cell_scores, feature_names, first_seed_scores, same_network, seed_circuits, seed_scores
from .expectations import CONTROL, HOLDS_AT
from .facts import Facts

SLOPE_METHODS = ("gradient", "input_x_gradient", "smoothgrad", "attribution_patching")
SLOPES_AT_DATA = ("gradient", "input_x_gradient", "attribution_patching")  # scores made of the slope at x


# --- what a switch circuit is -------------------------------------------------------------------------


def own_pathways(circuit, gain) -> bool:
    """Every live unit reads exactly one feature with weight ``+/-gain`` and no bias, and every
    causal feature is read by exactly one live unit: an additive circuit."""
    live = circuit.v != 0
    W = circuit.W[live]
    reads = W != 0
    return bool(np.all(reads.sum(axis=1) == 1) and np.all(reads[:, circuit.causal].sum(axis=0) == 1)
                and np.all(np.abs(W[reads]) == gain) and np.all(circuit.b[live] == 0.0))


def are_switches(circuit, X) -> bool:
    """The causal features are the circuit's switches, and every value they take in ``X`` is -1 or +1."""
    return bool(np.array_equal(circuit.switches, circuit.causal) and np.all(np.abs(X[:, circuit.causal]) == 1.0))


# --- where the slopes vanish ------------------------------------------------------------------------


def flat(regime, strength, features, seed=0) -> bool:
    """The network's slope along ``features`` is exactly 0 at every sample of evaluate's data."""
    c = make_circuit(regime, strength=strength, seed=seed)
    return bool(np.all(c.gradient(default_data(c))[:, features] == 0.0))


def flat_from(regime, features, *, seed: int = 0, tol: float = 1e-4) -> float:
    """The strength (to ``tol``, by bisection on ``[CONTROL, complete]``) from which the slope
    along ``features`` is exactly 0 at every sample (seed ``seed``); nan if it is flat at the
    control or not flat at completion."""
    low, high = CONTROL, CIRCUITS[regime].complete
    if flat(regime, low, features, seed) or not flat(regime, high, features, seed):
        return float("nan")
    while high - low > tol:
        mid = 0.5 * (low + high)
        low, high = (low, mid) if flat(regime, mid, features, seed) else (mid, high)
    return high


def flat_on_grid(regime, grid, seeds) -> np.ndarray:
    """Per strength of ``grid``: every slope of ``regime`` is exactly 0 at every sample of every seed."""

    def flat_everywhere(strength):
        circuits = (make_circuit(regime, strength=strength, seed=s) for s in range(seeds))
        return all(slope_reach(c, default_data(c)) == 0.0 for c in circuits)

    return np.array([flat_everywhere(s) for s in grid])


# --- what both switch pages say ------------------------------------------------------------------------


def _holds_along(regime, methods, strengths) -> bool:
    """Every method of ``methods`` holds on ``regime`` (seed 0) at every strength of ``strengths``."""
    causal = make_circuit(regime).causal
    return all(auroc(seed_scores(m, make_circuit(regime, strength=s)), causal) >= HOLDS_AT
               for s in strengths for m in methods)


def _saturation_claims(results, regime) -> dict:
    """The slope-based methods a switch regime lists score every feature exactly 0 on every seed,
    so every feature ties and the AUROC is exactly chance."""
    claims = {}
    for method in SLOPE_METHODS:
        if method in CIRCUITS[regime].fools and method in results.methods:
            scores = cell_scores(results, method, regime)
            claims[f"{method} scores every feature exactly 0 on every seed of {regime} (saturation)"] = \
                bool(np.all(scores == 0.0))
            claims[f"{method}'s AUROC on {regime} is exactly 0.5 on every seed"] = \
                bool(np.all(results.cell(method, regime) == 0.5))
    return claims


def _switch_values(regime) -> dict:
    return {"gain": SWITCH_GAIN, "control_gain": SWITCH_CONTROL_GAIN, "complete": CIRCUITS[regime].complete}


def _switch_claims(circuit, results, regime, flat_at) -> dict:
    """What both switch pages say about the strength: the control, completion, and saturation."""
    complete = CIRCUITS[regime].complete
    X = default_data(circuit)
    control = make_circuit(regime, strength=CONTROL)
    done = [make_circuit(regime, strength=s) for s in (complete, 1.0, 2.0, 3.0)]
    causal = np.flatnonzero(circuit.causal)
    return {
        f"f0-f3 of {regime} are +/-1 switches in the data (seed 0)": are_switches(circuit, X),
        f"at strength 0 each switch of {regime} has its own unsaturated pathway tanh(x) of gain "
        f"{SWITCH_CONTROL_GAIN:g}, and no unit reads two features": own_pathways(control, SWITCH_CONTROL_GAIN),
        f"{regime} no longer changes from strength {complete:g} on (checked at {complete:g}, 1, 2, 3) "
        "and still changes just below it":
            all(same_network(c, done[0]) for c in done)
            and not same_network(make_circuit(regime, strength=0.99 * complete), done[0]),
        f"every slope of {regime} is exactly 0 from strength {flat_at:.4f} on, before the gate is complete "
        "(checked up to 3)":
            bool(np.isfinite(flat_at)) and flat_at <= complete
            and all(flat(regime, s, causal) for s in np.linspace(flat_at, 3.0, 12)),
    }


# --- the two pages' own facts ----------------------------------------------------------------------------


def redundant_story(circuit, results, first_seed) -> Facts:
    pairs = switch_pairs(circuit)
    primaries, backups = [a for a, _ in pairs], [b for _, b in pairs]
    noising = first_seed_scores(first_seed, "patching")
    denoising = first_seed_scores(first_seed, "denoising_patching")
    shapley = first_seed_scores(first_seed, "shapley")
    seeds_noising = cell_scores(results, "patching", "redundant")
    n_causal = int(circuit.causal.sum())
    tie_auroc = 1 - 0.5 * len(backups) / n_causal
    table = switch_table(circuit, pairs[0])
    live = circuit.v != 0
    flat_at = flat_from("redundant", np.flatnonzero(circuit.causal))
    primaries_flat_from = flat_from("redundant", primaries)
    smooth_scores = seed_scores("smoothgrad", make_circuit("redundant", strength=flat_at))
    complete = CIRCUITS["redundant"].complete
    fade = np.linspace(CONTROL, complete, 11)
    knockout = [float(seed_scores("patching", make_circuit("redundant", strength=s))[backups].min()) for s in fade]
    claims = {
        "noising patching scores the backups exactly 0, like the noise, on every seed":
            bool(np.all(seeds_noising[:, backups] == 0.0) and np.all(seeds_noising[:, ~circuit.causal] == 0.0)),
        "noising patching scores every primary above 0 on every seed": bool(np.all(seeds_noising[:, primaries] > 0)),
        "noising patching's AUROC is the tie value 1 - 1/2 x backups/causal on every seed":
            bool(np.allclose(results.cell("patching", "redundant"), tie_auroc)),
        "restoring a backup alone moves the output (seed 0)": denoising[backups].min() > 0,
        "with the primary present the backup does not change the gate's output":
            bool(np.all(table[0] == table[0, 0]) and np.all(table[2] == table[2, 0])),
        "with the primary absent the backup alone sets the output": table[1, 1] == 0.0 and table[1, 0] != 0.0,
        "in the data each backup equals its primary, on every seed":
            all(np.array_equal(X[:, backups], X[:, primaries])
                for X in (default_data(c) for c in seed_circuits("redundant", results))),
        "at strength 1 each pair is one live unit, tanh(G (x_primary + x_backup / 2)); the backups' own "
        "pathways have output weight 0":
            int(live.sum()) == len(pairs)
            and all(np.array_equal(circuit.W[live][k, [a, b]], [SWITCH_GAIN, SWITCH_GAIN / 2])
                    for k, (a, b) in enumerate(pairs)),
        "the primaries' slopes vanish first: they are exactly 0 from a lower strength than the backups'":
            primaries_flat_from < flat_at,
        "at that strength smoothgrad still scores a causal feature above 0 (seed 0)":
            bool(smooth_scores[circuit.causal].max() > 0),
        "the gradient family's slopes all vanish before the gate is complete": flat_at < complete,
        "below completion knocking out a backup moves the output; at completion by exactly 0 (seed 0, 11 strengths)":
            min(knockout[:-1]) > 0 and knockout[-1] == 0.0,
        "denoising patching and Shapley hold at every strength (seed 0; 0 to completion, 1, 2, 3)":
            _holds_along("redundant", ("denoising_patching", "shapley"), [*fade, 1.0, 2.0, 3.0]),
    } | _saturation_claims(results, "redundant") | _switch_claims(circuit, results, "redundant", flat_at)
    return Facts({
        "backups": feature_names(backups), "primaries": feature_names(primaries), "n_backups": len(backups),
        "backup_noising": float(noising[backups].max()), "primary_noising": float(noising[primaries].min()),
        "backup_denoising": float(denoising[backups].min()), "backup_shapley": float(shapley[backups].min()),
        "noising_tie_auroc": tie_auroc, "flat_from": flat_at, "primaries_flat_from": primaries_flat_from,
        "knockout_control": knockout[0], "knockout_late": knockout[-2], "late": float(fade[-2]),
    } | _switch_values("redundant"), claims)


def interaction_story(circuit, results, first_seed) -> Facts:
    pairs = switch_pairs(circuit)
    noising = first_seed_scores(first_seed, "patching")
    denoising = first_seed_scores(first_seed, "denoising_patching")
    shapley = first_seed_scores(first_seed, "shapley")
    smooth = first_seed_scores(first_seed, "smoothgrad")
    seeds_denoising = cell_scores(results, "denoising_patching", "interaction")
    table = switch_table(circuit, pairs[0])
    corners = np.zeros((3, 3), dtype=bool)
    corners[0, 0] = corners[2, 2] = True
    complete = CIRCUITS["interaction"].complete
    flat_at = flat_from("interaction", np.flatnonzero(circuit.causal))
    live = circuit.v != 0
    fade = np.linspace(CONTROL, complete, 11)
    restore = [float(seed_scores("denoising_patching", make_circuit("interaction", strength=s))[circuit.causal].min())
               for s in fade]
    X = default_data(circuit)
    claims = {
        "restoring any single feature changes the output by exactly 0, on every seed":
            bool(np.all(seeds_denoising == 0.0)),
        "denoising patching's AUROC is exactly 0.5 on every seed":
            bool(np.all(results.cell("denoising_patching", "interaction") == 0.5)),
        "knocking out any causal feature moves the output (seed 0)": noising[circuit.causal].min() > 0,
        "the pair moves the output only where its two switches agree":
            bool(np.all(table[~corners] == 0.0) and np.all(table[corners] != 0.0)),
        "both at -1 drives the output exactly opposite to both at +1": table[0, 0] == -table[2, 2],
        "the switches are independent in the data (identity mixing)":
            np.array_equal(circuit.mixing, np.eye(circuit.n_features)),
        "at strength 1 each pair is two gates tanh(G (+/-(x_a + x_b) - threshold)) and no own pathway is left":
            int(live.sum()) == 2 * len(pairs)
            and all(np.flatnonzero(circuit.W[k]).tolist() in [list(p) for p in pairs]
                    and np.all(np.abs(circuit.W[k][circuit.W[k] != 0]) == SWITCH_GAIN)
                    and circuit.b[k] == -AND_THRESHOLD * SWITCH_GAIN for k in np.flatnonzero(live)),
        "smoothgrad ranks every causal feature above every other feature on seed 0":
            bool(smooth[circuit.causal].min() > smooth[~circuit.causal].max()),
        "Shapley gives the two members of each pair the same score (seed 0)":
            all(np.isclose(shapley[a], shapley[b]) for a, b in pairs),
        "every slope vanishes only in the last tenth of the way to completion, and before it":
            0.9 * complete < flat_at < complete,
        "the data visit all four corners of each pair (seed 0)":
            all(len(np.unique(X[:, list(p)], axis=0)) == 4 for p in pairs),
        "below completion restoring any switch alone moves the output; at completion by exactly 0 "
        "(seed 0, 11 strengths)": min(restore[:-1]) > 0 and restore[-1] == 0.0,
        "noising patching and Shapley hold at every strength (seed 0; 0 to completion, 1, 2, 3)":
            _holds_along("interaction", ("patching", "shapley"), [*fade, 1.0, 2.0, 3.0]),
    } | _saturation_claims(results, "interaction") | _switch_claims(circuit, results, "interaction", flat_at)
    a, b = pairs[0]
    return Facts({
        "causal_noising": float(noising[circuit.causal].min()),
        "causal_denoising": float(denoising[circuit.causal].max()),
        "causal_shapley": float(shapley[circuit.causal].min()),
        "threshold": AND_THRESHOLD, "margin": 2.0 - AND_THRESHOLD,
        "pair": feature_names(pairs[0]), "pair_a": f"f{a}", "pair_b": f"f{b}",
        "pairs": " and ".join(" & ".join(f"f{k}" for k in p) for p in pairs),
        "both_plus": float(table[2, 2]), "both_minus": float(table[0, 0]), "flat_from": flat_at,
        "restore_control": restore[0], "restore_late": restore[-2], "late": float(fade[-2]),
    } | _switch_values("interaction"), claims)
