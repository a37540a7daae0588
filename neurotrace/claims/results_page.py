"""The whole table and the results page: what the intro and book/results.ipynb publish.

book/intro.ipynb publishes :func:`table_facts` and :func:`controls` (book/clean.ipynb the controls
too); book/results.ipynb publishes ``table_facts``, :func:`null_facts`, :func:`sweeps_page`,
:func:`ig_quadrature`, :func:`sanity_page` and, from :mod:`.neurons`, ``neuron_page``.
"""

from __future__ import annotations

import numpy as np

from .._rng import make_rng
from ..analysis import default_data
from ..circuits import CIRCUITS, SWITCH_CONTROL_GAIN, SWITCH_GAIN, make_circuit
from ..methods import METHODS, ig_attributions
from ..sanity import randomize
from ..scoring import auroc
from ._shared import cell_mean, families, ig_default_steps, seed_scores, to_the_top
from .expectations import (
    CONTROL,
    FOOLED_BELOW,
    HOLDS_AT,
    IG_FAR,
    NULL_TOLERANCE,
    SAMPLES,
    STRENGTH,
    SWEEP_SEEDS,
    cell_failures,
    fooled_from,
    fooled_where,
    null_failures,
    verdict,
)
from .facts import Facts
from .regimes import control_is_clean, phase
from .switches import SLOPES_AT_DATA, flat_on_grid

# --- the whole table: the intro and the results page ----------------------------------------------------


def table_facts(results) -> Facts:
    """The full table's facts (``evaluate()`` at the reference settings): every cell as
    ``auroc_<method>_<regime>``, where each method is fooled, and the claims the intro and the
    results page make about it.

    Claims: every cell meets its expectation (no unlisted failure); each dissociation the book
    states; the double dissociation of the two proxies (correlation holds on the suppressor,
    gradient on the confounded regime); IG and Shapley hold everywhere.
    """
    values = {"seeds": results.seeds, "samples": results.samples, "n_methods": len(results.methods),
              "n_regimes": len(results.circuits), "holds_at": HOLDS_AT, "fooled_below": FOOLED_BELOW}
    for method in results.methods:
        for regime in results.circuits:
            values[f"auroc_{method}_{regime}"] = cell_mean(results, method, regime)
    where = fooled_where(results)
    for method, regimes in where.items():
        values[f"fooled_{method}"] = ", ".join(regimes) or "nowhere"
        values[f"n_fooled_{method}"] = len(regimes)

    def holds(method, regime):
        return verdict(cell_mean(results, method, regime)) == "holds"

    def fooled(method, regime):
        return verdict(cell_mean(results, method, regime)) == "fooled"

    bad = cell_failures(results)
    claims = {"every cell meets its expectation: a method fails exactly where a regime lists it"
              + (f" ({'; '.join(bad)})" if bad else ""): not bad}
    # Each sentence the book states, where the table holds its methods and regimes.
    sentences = [
        ("confounding: correlation holds on clean, is fooled on confounded; patching holds there",
         [("correlation", "clean", holds), ("correlation", "confounded", fooled), ("patching", "confounded", holds)]),
        ("saturation: gradient holds on clean, is fooled on the suppressor; IG and patching hold there",
         [("gradient", "clean", holds), ("gradient", "suppressor", fooled),
          ("integrated_gradients", "suppressor", holds), ("patching", "suppressor", holds)]),
        ("necessity vs sufficiency: noising is fooled on redundant where denoising holds, and the reverse on "
         "interaction; Shapley holds on both",
         [("patching", "redundant", fooled), ("denoising_patching", "redundant", holds),
          ("denoising_patching", "interaction", fooled), ("patching", "interaction", holds),
          ("shapley", "redundant", holds), ("shapley", "interaction", holds)]),
        ("double dissociation: correlation holds on the suppressor and gradient on the confounded regime",
         [("correlation", "suppressor", holds), ("gradient", "confounded", holds)]),
    ]
    for sentence, cells in sentences:
        if all(m in results.methods and r in results.circuits for m, r, _ in cells):
            claims[sentence] = all(test(m, r) for m, r, test in cells)
    robust = [m for m in ("integrated_gradients", "shapley") if m in results.methods]
    if robust:
        values["ig_shapley_min"] = min(cell_mean(results, m, r) for m in robust for r in results.circuits)
        claims[f"{' and '.join(robust)} hold on every regime"] = values["ig_shapley_min"] >= HOLDS_AT
        others = [m for m in results.methods if m not in robust]
        if set(CIRCUITS) <= set(results.circuits):  # a statement about the whole table
            claims[f"every other method is fooled on at least one regime ({', '.join(others)})"] = \
                all(where[m] for m in others)
    return Facts(values, claims)


def controls(results) -> Facts:
    """Strength 0 on every regime (``evaluate(strength=0)``): the controls.

    Values: the lowest control mean of any non-baseline method (``control_min``) and the
    regimes whose strength-0 network is exactly the clean one (``same_as_clean``). Claims:
    every method but the baseline holds on every regime at strength 0.
    """
    if results.strength != CONTROL:
        raise ValueError(f"controls needs results at strength {CONTROL:g} (got {results.strength:g})")
    honest = [i for i, family in enumerate(families(results)) if family != "baseline"]
    clean = make_circuit("clean")
    same = [regime for regime in results.circuits
            if regime != "clean" and control_is_clean(regime)
            and np.array_equal(make_circuit(regime, strength=CONTROL).switches, clean.switches)]
    bad = cell_failures(results)
    return Facts({
        "control_min": float(results.mean()[honest].min()), "same_as_clean": ", ".join(same),
        "n_same_as_clean": len(same),
    }, {"every method but the random baseline holds on every regime at strength 0"
        + (f" ({'; '.join(bad)})" if bad else ""): not bad})


def null_facts(null) -> Facts:
    """The scrambled-label null: its range and the claim that every cell sits at chance."""
    mean = null.mean()
    return Facts({"null_seeds": null.seeds, "null_low": float(mean.min()), "null_high": float(mean.max()),
                  "null_tolerance": NULL_TOLERANCE},
                 {f"every scrambled-label cell lies within 0.5 ± {NULL_TOLERANCE}": not null_failures(null)})


# --- AUROC against strength ----------------------------------------------------------------------------


def switch_sweeps(sweeps: dict) -> Facts:
    """The switch regimes' AUROC-vs-strength reading (``{regime: sweep}`` for redundant and interaction).

    Values: the strength at which the gates are complete, the last grid strength before it,
    and each target's AUROC at the top of the grid. Claims: each target holds up to the last
    grid strength before the gate completes and is fooled from there on; IG and Shapley hold
    at every strength.
    """
    values, claims = {}, {}
    for regime, sweep in sweeps.items():
        complete = CIRCUITS[regime].complete
        grid, target = sweep.strengths, CIRCUITS[regime].target
        before = grid < complete
        curve = sweep.curve(target)
        values[f"complete_{regime}"] = complete
        values[f"before_{regime}"] = float(grid[before].max())
        values[f"top_{target}_{regime}"] = float(curve[-1])
        claims[f"{target} holds before {regime}'s gate is complete and is fooled from then on"] = \
            bool(curve[before].min() >= HOLDS_AT and curve[~before].max() < FOOLED_BELOW)
        for method in ("integrated_gradients", "shapley"):
            claims[f"{method} holds at every strength of {regime}"] = bool(sweep.curve(method).min() >= HOLDS_AT)
    return Facts(values, claims)


def sweeps_page(sweeps: dict) -> Facts:
    """The results page's reading of every regime's AUROC-vs-strength figure (``{regime: nt.sweep(...)}``).

    Values: ``sweep_seeds``, ``sweep_top``; per regime and listed method the strength from which
    it stays fooled (``breaks_<method>_<regime>``), per regime the latest of those
    (``breaks_<regime>``) and over all regimes (``breaks_latest``); for the switch regimes
    :func:`switch_sweeps`' values, ``gain``, ``control_gain`` and ``saturated_<regime>`` (the first
    grid strength from which every slope is exactly 0 at every sample of every seed).
    Claims: :func:`phase` of every regime; every listed method stays fooled from a strength of
    at most 1; every unlisted method but the baseline holds at every strength of the grid; on
    the switch regimes :func:`switch_sweeps`, and the methods scoring the slope at the data hold
    before saturation and score exactly 0.5 (every feature tied) from it on.
    """
    first = next(iter(sweeps.values()))
    values = {"sweep_seeds": first.seeds, "sweep_top": float(first.strengths.max()),
              "gain": SWITCH_GAIN, "control_gain": SWITCH_CONTROL_GAIN}
    facts = Facts()
    latest = []
    for regime, sweep in sweeps.items():
        facts = facts | Facts({}, phase(sweep).claims)
        grid, fools = sweep.strengths, CIRCUITS[regime].fools
        breaks = []
        for method in sweep.methods:
            curve = sweep.curve(method)
            if method in fools:
                at = fooled_from(curve, grid)
                values[f"breaks_{method}_{regime}"] = at
                breaks.append(at)
                facts.claims[f"{method} is fooled on {regime} from strength {at:g} to the top of the grid, "
                             f"{STRENGTH:g} at the latest"] = at <= STRENGTH
            elif METHODS[method].family != "baseline":
                facts.claims[f"{method} holds on {regime} at every strength of the grid"] = curve.min() >= HOLDS_AT
        if breaks:
            values[f"breaks_{regime}"] = max(breaks)
            latest.append(max(breaks))
    values["breaks_latest"] = max(latest) if latest else float("nan")
    switches = {r: s for r, s in sweeps.items() if make_circuit(r).switches.any()}
    if switches:
        facts = facts | switch_sweeps(switches)
    for regime, sweep in switches.items():
        grid = sweep.strengths
        flat = flat_on_grid(regime, grid, sweep.seeds)
        stays = to_the_top(flat)
        at = float(grid[np.argmax(stays)]) if stays.any() else float("nan")
        values[f"saturated_{regime}"] = at
        facts.claims[f"{regime}'s slopes are exactly 0 at every sample of every seed from strength {at:g} on, "
                     "and not at the strength before"] = bool(stays.any() and not flat[np.argmax(stays) - 1])
        for method in SLOPES_AT_DATA:
            if method in sweep.methods:
                curve, before = sweep.curve(method), grid < at
                facts.claims[f"{method} holds on {regime} before the slopes vanish and scores exactly 0.5 from "
                             "then on"] = bool(curve[before].min() >= HOLDS_AT and np.all(curve[~before] == 0.5))
    return Facts(values | facts.values, facts.claims)


def ig_quadrature(strengths=IG_FAR, *, seeds: int = SWEEP_SEEDS, samples: int = SAMPLES) -> Facts:
    """IG on the suppressor beyond the book's grid: 64 Gauss-Legendre nodes against the exact rule.

    Same circuits, data and streams as ``sweep``. Values ``ig_far_<k>``, ``ig64_far_<k>``,
    ``igexact_far_<k>`` (k = 1, 2, ...) and ``ig_default_nodes`` (64). Claims: 64 nodes are
    fooled there, the exact rule holds.
    """
    values = {"ig_default_nodes": ig_default_steps()}
    claims = {}
    for k, strength in enumerate(strengths, start=1):
        quadrature, exact = [], []
        for seed in range(seeds):
            c = make_circuit("suppressor", strength=strength, seed=seed)
            X = default_data(c, samples)
            quadrature.append(auroc(np.abs(ig_attributions(c, X)).mean(axis=0), c.causal))
            exact.append(auroc(np.abs(ig_attributions(c, X, rule="exact")).mean(axis=0), c.causal))
        values[f"ig_far_{k}"], values[f"ig64_far_{k}"] = float(strength), float(np.mean(quadrature))
        values[f"igexact_far_{k}"] = float(np.mean(exact))
        claims[f"{values['ig_default_nodes']}-node IG is fooled on the suppressor at strength {strength:g}"] = \
            np.mean(quadrature) < FOOLED_BELOW
        claims[f"exact-rule IG holds on the suppressor at strength {strength:g}"] = np.mean(exact) >= HOLDS_AT
    return Facts(values, claims)


# --- the parameter-randomisation sanity check -------------------------------------------------------


def sanity_facts(check) -> Facts:
    """The randomisation check's reading (``sanity.randomization_check``): values for the prose
    and the claims it makes (every model-reading map changes; the random map does not)."""
    k_v, k_W = check.layers.index("v"), check.layers.index("W")
    rank_corr = np.nanmean(check.rank_corr, axis=(1, 3))  # (methods, layers)
    after = check.auroc.mean(axis=(1, 3))
    before = check.original.mean(axis=(1, 2))
    family = np.array([METHODS[m].family for m in check.methods])
    reads_model, causal = family != "baseline", family == "causal"
    rnd = check.methods.index("random")
    values = {
        "sanity_seeds": check.seeds, "rc_W_max": float(rank_corr[reads_model, k_W].max()),
        "auroc_W_min": float(after[reads_model, k_W].min()), "auroc_W_max": float(after[reads_model, k_W].max()),
        "causal_before_min": float(before[causal].min()), "random_rc": float(rank_corr[rnd].min()),
        "causal_v_low": float(after[causal, k_v].min()), "causal_v_high": float(after[causal, k_v].max()),
        "causal_W_high": float(after[causal, k_W].max()),
        "causal_rc_v_low": float(rank_corr[causal, k_v].min()), "causal_rc_v_high": float(rank_corr[causal, k_v].max()),
    }
    claims = {
        "the random map is the same before and after": bool(np.all(check.rank_corr[rnd] == 1.0)),
        "after W is re-drawn no model-reading map keeps a rank correlation of 0.3":
            rank_corr[reads_model, k_W].max() < 0.3,
        "after W is re-drawn every model-reading method's AUROC falls near chance (below 0.7)":
            after[reads_model, k_W].max() < 0.7,
        "re-drawing v alone leaves the causal methods more of the circuit than re-drawing W":
            bool(np.all(after[causal, k_v] > after[causal, k_W])),
        "re-drawing v alone changes every causal map (rank correlation below 1)":
            bool(np.all(rank_corr[causal, k_v] < 1.0)),
    }
    return Facts(values, claims)


def sanity_page(check, samples: int) -> Facts:
    """The results page's randomisation check: :func:`sanity_facts` of ``check`` (run with
    ``samples`` samples per network) and why re-drawing v alone leaves the causal methods short
    of 1: on the clean circuit (seed 0) the noise features the idle units read score exactly 0
    under patching before, and above 0 once the re-drawn v gives the idle units a weight.
    """
    facts = sanity_facts(check)
    clean = make_circuit("clean")
    X = default_data(clean, samples)
    woken = randomize(clean, "v", make_rng("randomize", "v", 0))
    idle_read = ~clean.causal & (clean.W[clean.v == 0] != 0).any(axis=0)
    before, after = seed_scores("patching", clean, X), seed_scores("patching", woken, X)
    return facts | Facts({"sanity_samples": samples, "n_idle_read": int(idle_read.sum())}, {
        "re-drawing v alone leaves every causal method a higher AUROC than any keeps once W is re-drawn":
            facts["causal_v_low"] > facts["causal_W_high"],
        "the noise features the idle units read score exactly 0 under patching, and above 0 once v is re-drawn "
        "(clean, seed 0)": bool(idle_read.any() and np.all(before[idle_read] == 0) and np.all(after[idle_read] > 0)),
    })
