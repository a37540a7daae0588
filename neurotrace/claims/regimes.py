"""The five regime pages: :func:`regime_page`, each regime's own story (``STORIES``), and
:func:`phase`, the reading of a page's AUROC-vs-strength figure.

The clean, confounded and suppressor stories are here; the two switch regimes' stories share
their helpers with the results and methods pages and live in :mod:`.switches`.
"""

from __future__ import annotations

import numpy as np

from ..analysis import confounded_picture, default_data, suppressor_picture
from ..circuits import CIRCUITS, SWITCH_CONTROL_GAIN, make_circuit
from ..discovery import EDGE_METHODS
from ..evaluate import evaluate
from ..methods import METHODS
from ._shared import (
    cell_scores,
    decoys_on_top,
    families,
    feature_names,
    first_seed_scores,
    index,
    opposite_gate_pairs,
    same_network,
    seed_circuits,
    seed_scores,
    weight_reach,
)
from .expectations import (
    BAND,
    CONTROL,
    FOOLED_BELOW,
    HOLDS_AT,
    IG_FAR,
    RANDOM_SE,
    expectation,
    fooled_from,
    regime_entry,
    verdict,
)
from .facts import Facts
from .switches import are_switches, interaction_story, own_pathways, redundant_story


def control_is_clean(regime) -> bool:
    """At strength 0 ``regime`` draws the clean data and computes exactly the clean output on it."""
    c, clean = make_circuit(regime, strength=CONTROL), make_circuit("clean")
    X = default_data(clean)
    return bool(np.array_equal(c.mixing, clean.mixing) and np.array_equal(c.forward(X), clean.forward(X)))


def cell_claims(results, regime) -> dict:
    """One claim per method of ``results`` on ``regime``: the verdict its expectation states."""
    j = index(results, regime)
    mean = results.mean()[:, j]
    family = families(results)
    claims = {}
    for i, method in enumerate(results.methods):
        expected = expectation(regime, method, family[i], results.strength)
        if expected in ("holds", "fooled"):
            claims[f"{method} {expected} on {regime} at strength {results.strength:g} "
                   f"(mean AUROC {mean[i]:.3f})"] = verdict(mean[i]) == expected
    return claims


def _outrank_every_seed(results, regime, method, high, low) -> bool:
    """Under ``method``, on every seed, every feature of ``high`` scores above every one of ``low``."""
    scores = cell_scores(results, method, regime)
    return bool(np.all(scores[:, high].min(axis=1) > scores[:, low].max(axis=1)))


def _readers(results, regime) -> list[int]:
    """Rows of ``results`` of the methods that read the network and that ``regime`` does not list."""
    family = families(results)
    return [i for i, m in enumerate(results.methods) if family[i] != "baseline" and m not in CIRCUITS[regime].fools]


def regime_page(regime: str, results, first_seed) -> Facts:
    """The facts a regime page states, from ``evaluate(circuits=regime)`` (``results``) and the
    one-seed snapshot it draws (``first_seed``: ``evaluate(..., seeds=1)`` at the same strength).

    Values: every method's mean and standard error (``auroc_<method>``, ``sem_<method>``), the
    settings, feature counts and names, the fooled methods, the strengths of ``BAND``, and the
    regime's own story (``STORIES``). Claims: every method's verdict, and the story's.
    """
    j = index(results, regime)
    circuit = make_circuit(regime, strength=results.strength, seed=0)
    mean, sem = results.mean()[:, j], results.sem()[:, j]
    n_causal, n_decoy = int(circuit.causal.sum()), int(circuit.decoy.sum())
    fooled = [m for m in results.methods if m in circuit.fools]
    values = {
        "seeds": results.seeds, "samples": results.samples, "n_features": circuit.n_features,
        "n_causal": n_causal, "n_decoy": n_decoy, "n_other": circuit.n_features - n_causal,
        "causal_features": feature_names(np.flatnonzero(circuit.causal)),
        "decoys": feature_names(np.flatnonzero(circuit.decoy)) or "none",
        "fooled": ", ".join(fooled) or "none", "n_fooled": len(fooled),
        "target": CIRCUITS[regime].target or "none",
        "band": ", ".join(f"{s:g}" for s in BAND),
        "explorer_top": max(IG_FAR),  # the live explorer's slider ends where IG_FAR does (tested)
        "holds_at": HOLDS_AT, "fooled_below": FOOLED_BELOW,
    }
    for i, method in enumerate(results.methods):
        values[f"auroc_{method}"] = float(mean[i])
        values[f"sem_{method}"] = float(sem[i])
    if n_decoy:
        values["decoys_on_top_auroc"] = decoys_on_top(circuit)
    facts = Facts(values, cell_claims(results, regime))
    story = STORIES.get(regime)
    return facts | story(circuit, results, first_seed) if story else facts


# --- the stories ---------------------------------------------------------------------------------------


def _clean_story(circuit, results, first_seed) -> Facts:
    j = index(results, "clean")
    per_seed = results.auroc[:, j]
    family = families(results)
    honest = [i for i, f in enumerate(family) if f != "baseline"]
    baseline = [i for i, f in enumerate(family) if f == "baseline"]
    mean, sem = results.mean()[:, j], results.sem()[:, j]
    seeds = seed_circuits("clean", results)
    switch_regimes = [r for r in CIRCUITS if make_circuit(r, strength=CONTROL).switches.any()]
    claims = {
        "every method but the random baseline recovers the circuit on every seed":
            bool(np.all(per_seed[honest] >= HOLDS_AT)),
        f"the random baseline is within {RANDOM_SE:g} standard errors of chance":
            all(abs(mean[i] - 0.5) <= RANDOM_SE * sem[i] for i in baseline),
        "the network reads the causal features and no other, on every seed":
            all(np.array_equal(weight_reach(c) > 0, c.causal) for c in seeds),
        "the clean circuit has no decoy and independent features": not circuit.decoy.any()
            and np.array_equal(circuit.mixing, np.eye(circuit.n_features)),
        "the clean network is the same at every strength (0, 1, 2, 3)":
            all(same_network(make_circuit("clean", strength=s), circuit) for s in (0.0, 1.0, 2.0, 3.0)),
    }
    for regime in switch_regimes:
        c = make_circuit(regime, strength=CONTROL)
        claims[f"at strength 0 {regime}'s f0-f3 are +/-1 switches, each with its own unsaturated pathway "
               f"tanh(x) of gain {SWITCH_CONTROL_GAIN:g}; no unit reads two features"] = \
            are_switches(c, default_data(c)) and own_pathways(c, SWITCH_CONTROL_GAIN)
    return Facts({"switch_regimes": ", ".join(switch_regimes), "control_gain": SWITCH_CONTROL_GAIN,
                  "random_se": RANDOM_SE}, claims)


def _confounded_story(circuit, results, first_seed) -> Facts:
    picture = confounded_picture(circuit)
    corr = first_seed_scores(first_seed, "correlation")
    j = index(results, "confounded")
    seeds = seed_circuits("confounded", results)
    cores = seed_circuits("clean", results)
    others = ~circuit.decoy
    scores = results.importances[:, j]  # (methods, seeds, features)
    readers = _readers(results, "confounded")
    return Facts({
        "decoy_feature": f"f{picture['decoy']}", "causal_feature": f"f{picture['causal']}",
        "decoy_corr": picture["decoy_corr"], "causal_corr": picture["causal_corr"],
        "decoy_weight": picture["decoy_weight"],
        "readers": ", ".join(results.methods[i] for i in readers),
    }, {
        "the decoy correlates with the output more than the best causal feature (seed 0)":
            picture["decoy_corr"] > picture["causal_corr"],
        "the figure's correlations are the correlation method's scores":
            np.isclose(picture["decoy_corr"], corr[picture["decoy"]])
            and np.isclose(picture["causal_corr"], corr[picture["causal"]]),
        "no decoy has any weight into the network": picture["decoy_weight"] == 0.0,
        "on every seed the network is the clean core unchanged (same W, b, v)":
            all(all(np.array_equal(getattr(c, k), getattr(core, k)) for k in ("W", "b", "v"))
                for c, core in zip(seeds, cores, strict=True)),
        "on every seed every decoy's column of W is exactly 0":
            all(np.all(c.W[:, c.decoy] == 0.0) for c in seeds),
        "the causal features are independent in the data: their rows of the mixing matrix are the identity's":
            np.array_equal(circuit.mixing[circuit.causal], np.eye(circuit.n_features)[circuit.causal]),
        "under correlation every decoy outranks every causal feature on every seed":
            _outrank_every_seed(results, "confounded", "correlation", circuit.decoy, circuit.causal),
        "under correlation the decoys rank above every other feature on every seed":
            _outrank_every_seed(results, "confounded", "correlation", circuit.decoy, others),
        "correlation scores exactly the both-decoys-on-top AUROC on every seed":
            bool(np.allclose(results.cell("correlation", "confounded"), decoys_on_top(circuit))),
        "every method that reads the network scores every decoy and every noise feature exactly 0, on every seed":
            bool(readers) and bool(np.all(scores[readers][:, :, ~circuit.causal] == 0.0)),
        "at strength 0 the confounded regime is exactly the clean control (data and output)":
            control_is_clean("confounded"),
        "the decoys' columns of W are exactly 0 at every strength (0, 0.5, 1, 2, 3)":
            all(np.all(make_circuit("confounded", strength=s).W[:, circuit.decoy] == 0.0)
                for s in (0.0, 0.5, 1.0, 2.0, 3.0)),
    })


def _suppressor_story(circuit, results, first_seed) -> Facts:
    grad = first_seed_scores(first_seed, "gradient")
    patch = first_seed_scores(first_seed, "patching")
    picture = suppressor_picture(circuit)
    fooled = [m for m in results.methods if m in circuit.fools]
    X = default_data(circuit)
    slope = np.abs(circuit.gradient(X))
    # The share of (sample, decoy) pairs whose slope beats the steepest causal feature's mean slope.
    edge_share = float((slope[:, circuit.decoy] > grad[circuit.causal].max()).mean())
    confounded = evaluate(("gradient", "correlation"), "confounded", seeds=results.seeds, samples=results.samples,
                          strength=results.strength)
    gradient_on_confounded, correlation_on_confounded = (float(m) for m in confounded.mean()[:, 0])
    steeper = [make_circuit("suppressor", strength=s) for s in (0.5, 1.0, 2.0)]
    slopes = [seed_scores("gradient", c)[circuit.decoy].max() for c in steeper]
    patches = [seed_scores("patching", c) for c in steeper]
    claims = {
        "gradient gives a decoy a larger mean slope than any causal feature (seed 0)":
            grad[circuit.decoy].max() > grad[circuit.causal].max(),
        "patching gives every decoy less than the weakest causal feature (seed 0)":
            patch[circuit.decoy].max() < patch[circuit.causal].min(),
        "along the figure's IG path the decoy's integral ends nearer 0 than the causal feature's":
            abs(picture["ig_decoy"]) < abs(picture["ig_causal"]),
        "the decoy's IG integral ends at about 0 (within 1% of the causal feature's)":
            abs(picture["ig_decoy"]) < 0.01 * abs(picture["ig_causal"]),
        "the decoy's net change along the figure is 0 to two decimals": abs(picture["net_change"]) < 0.005,
        "each decoy feeds exactly two units, with output weights equal and opposite (every seed)":
            all(opposite_gate_pairs(c) for c in seed_circuits("suppressor", results)),
        "only a few samples (under a tenth) sit on a gate's steep edge (seed 0)": 0 < edge_share < 0.1,
        "gradient holds on the confounded regime (the double dissociation)": gradient_on_confounded >= HOLDS_AT,
        "correlation is fooled on the confounded regime": correlation_on_confounded < FOOLED_BELOW,
        "at strength 0 the suppressor computes exactly the clean output on the clean data":
            control_is_clean("suppressor"),
        "raising the strength (0.5, 1, 2) raises the decoys' largest mean slope (seed 0)":
            bool(np.all(np.diff(slopes) > 0)),
        "at each of those strengths patching gives every decoy less than the weakest causal feature (seed 0)":
            all(p[circuit.decoy].max() < p[circuit.causal].min() for p in patches),
    }
    for method in fooled:
        claims[f"under {method} every decoy outranks every causal feature on every seed"] = \
            _outrank_every_seed(results, "suppressor", method, circuit.decoy, circuit.causal)
        claims[f"{method} scores exactly the both-decoys-on-top AUROC on every seed"] = \
            bool(np.allclose(results.cell(method, "suppressor"), decoys_on_top(circuit)))
    return Facts({
        "decoy_grad": float(grad[circuit.decoy].max()), "causal_grad": float(grad[circuit.causal].max()),
        "decoy_patch": float(patch[circuit.decoy].max()), "causal_patch": float(patch[circuit.causal].min()),
        "mechanism_decoy": f"f{picture['decoy']}", "mechanism_causal": f"f{picture['causal']}",
        "steepest_slope": picture["steepest_slope"], "net_change": picture["net_change"],
        "ig_decoy": picture["ig_decoy"], "ig_causal": picture["ig_causal"], "edge_share": edge_share,
        "gradient_on_confounded": gradient_on_confounded, "correlation_on_confounded": correlation_on_confounded,
    }, claims)


STORIES = {
    "clean": _clean_story, "confounded": _confounded_story, "suppressor": _suppressor_story,
    "redundant": redundant_story, "interaction": interaction_story,
}
"""Regime -> its page's own facts ``(circuit, results, first_seed) -> Facts`` (a new regime adds one)."""


def phase(sweep) -> Facts:
    """The facts of a regime's AUROC-vs-strength figure, at either level (``nt.sweep``, with
    ``level="edge"`` for an edge-level regime).

    Values: ``sweep_seeds``, ``sweep_top``, and for a regime with a target: ``target``,
    ``holds_until`` (the last strength up to which it holds from the control on), ``breaks_at``
    (the first from which it stays fooled); ``breaks_<method>`` for every method the regime lists.
    Claims: every method but the baseline holds at the control strength; every method the regime
    does not list holds at every strength of ``BAND`` on the grid, and every method it lists is
    fooled there; the target holds at the control and stays fooled from some strength on.
    """
    regime = regime_entry(sweep.circuit)
    registry = METHODS if sweep.circuit in CIRCUITS else EDGE_METHODS
    mean, grid = sweep.mean(), np.asarray(sweep.strengths)
    family = [registry[m].family if m in registry else "?" for m in sweep.methods]
    claims = {}
    if CONTROL in grid:
        k = int(np.flatnonzero(grid == CONTROL)[0])
        for i, method in enumerate(sweep.methods):
            if family[i] != "baseline":
                claims[f"{method} holds at the control strength 0 of {sweep.circuit}"] = mean[i, k] >= HOLDS_AT
    in_band = np.isin(grid, BAND)
    values = {"sweep_seeds": sweep.seeds, "sweep_top": float(grid.max()), "fooled_below": FOOLED_BELOW,
              "holds_at": HOLDS_AT}
    for i, method in enumerate(sweep.methods):
        if family[i] == "baseline" or not in_band.any():
            continue
        if method in regime.fools:
            claims[f"{method} is fooled at every band strength of {sweep.circuit}"] = \
                bool(mean[i, in_band].max() < FOOLED_BELOW)
            values[f"breaks_{method}"] = fooled_from(mean[i], grid)
        else:
            claims[f"{method} holds at every band strength of {sweep.circuit}"] = \
                bool(mean[i, in_band].min() >= HOLDS_AT)
    if regime.target and regime.target in sweep.methods:
        curve = sweep.curve(regime.target)
        holding = np.flatnonzero(np.minimum.accumulate(curve >= HOLDS_AT))  # holds from the control on
        breaks_at = fooled_from(curve, grid)  # the first strength from which it stays fooled to the top
        claims[f"{regime.target} holds at the control and stays fooled from some strength on"] = \
            len(holding) > 0 and not np.isnan(breaks_at)
        values["target"] = regime.target
        values["holds_until"] = float(grid[holding[-1]]) if len(holding) else float("nan")
        values["breaks_at"] = breaks_at
    return Facts(values, claims)
