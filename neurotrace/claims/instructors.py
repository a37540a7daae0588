"""The instructor's guide (book/instructors.ipynb): :func:`instructors_page`, the lesson plans'
expected answers, the discussion questions' answers and the exercises' timings, from the same
library calls as the pages they point to.
"""

from __future__ import annotations

import numpy as np

from .._rng import make_rng
from ..analysis import switch_pairs
from ..circuits import CIRCUITS, make_circuit
from ..evaluate import evaluate
from ..methods import METHODS, attribute
from ..scoring import auroc_rows
from ._shared import cell_mean, cell_scores, decoys_on_top, ig_default_steps, to_the_top
from .expectations import (
    BUMP_SEEDS,
    CONTROL,
    FOOLED_BELOW,
    GAP_STEPS,
    GAP_TOL,
    HOLDS_AT,
    IG_STEPS,
    NULL_SEEDS,
    SAMPLES,
    SEEDS,
    STRENGTH,
    fooled_from,
)
from .facts import Facts
from .neurons import neuron_facts
from .results_page import controls, ig_quadrature, null_facts, table_facts


def _slider_curve(regime, method, strengths) -> np.ndarray:
    """``method``'s AUROC on seed 0 at each strength: what a regime page's static slider shows."""
    return np.array([evaluate(method, regime, seeds=1, strength=s).auroc[0, 0, 0] for s in strengths])


def _slider_facts(regimes, strengths) -> Facts:
    """The target's reading on each regime page's slider (seed 0): perfect up to, first slip, fooled
    from, and the value it settles at; and the methods that score 1 at every frame."""
    grid = np.asarray(strengths, dtype=float)
    values, claims = {"strength_max": float(grid.max()), "n_frames": len(grid)}, {}
    for regime in regimes:
        target = CIRCUITS[regime].target
        curve = _slider_curve(regime, target, grid)
        perfect = np.minimum.accumulate(curve == 1.0)
        top = curve[-1]
        settled = to_the_top(curve == top)
        values |= {
            f"slider_target_{regime}": target,
            f"slider_perfect_{regime}": float(grid[perfect][-1]) if perfect.any() else float("nan"),
            f"slider_slips_{regime}": float(grid[np.argmax(curve < 1.0)]),
            f"slider_fooled_{regime}": fooled_from(curve, grid),
            f"slider_top_{regime}": float(top), f"slider_top_from_{regime}": float(grid[np.argmax(settled)]),
        }
        claims[f"on {regime}'s slider {target} scores 1 at the control and stays fooled from some frame on"] = \
            curve[0] == 1.0 and not np.isnan(values[f"slider_fooled_{regime}"])
        steady = [m for m in ("integrated_gradients", "patching", "denoising_patching", "shapley")
                  if m != target and np.all(_slider_curve(regime, m, grid) == 1.0)]
        values[f"slider_steady_{regime}"] = ", ".join(steady)
        if CIRCUITS[regime].complete:
            claims[f"on {regime}'s slider {target} falls at the strength its gate is complete"] = \
                values[f"slider_fooled_{regime}"] == CIRCUITS[regime].complete \
                and bool(np.all(curve[grid < CIRCUITS[regime].complete] == 1.0))
    return Facts(values, claims)


def _exercise_facts() -> Facts:
    """Exercises at a glance, and the answers the lesson plans expect (reference solutions)."""
    # Imported here, not at the top: neurotrace.exercises imports neurotrace.claims (its pages and the
    # decoy checker read the thresholds), so a top-level import would be circular.
    from ..exercises import EXERCISES, completeness_gap, registered_circuit, registered_method, solutions

    values = {f"minutes_{e.number}": e.minutes for e in EXERCISES}
    values |= {f"difficulty_{e.number}": e.difficulty for e in EXERCISES}
    values["minutes_all"] = sum(e.minutes for e in EXERCISES)
    values["n_exercises"] = len(EXERCISES)

    # Exercise 1: the student's gradient (the reference solution) scores what the library's does.
    def student_gradient(circuit, X, rng):
        return solutions.gradient_saliency(circuit, X)

    with registered_method("student_gradient", student_gradient):
        ex1 = evaluate(["student_gradient", "gradient"], "suppressor")
    values["ex1_student"] = float(ex1.mean()[0, 0])

    # Exercise 2: the completeness gap of midpoint IG against the steps, suppressor and clean.
    gaps = {}
    for regime in ("suppressor", "clean"):
        circuit = make_circuit(regime)
        X = circuit.sample(256, make_rng("exercise 2", 0))
        base = np.zeros(circuit.n_features)
        gaps[regime] = {s: completeness_gap(circuit, X, base, solutions.integrated_gradients(circuit, X, base, s))
                        for s in IG_STEPS}
    enough = {r: next((s for s, g in gaps[r].items() if g < GAP_TOL), None) for r in gaps}
    values |= {"gap_steps": GAP_STEPS, "gap": gaps["suppressor"][GAP_STEPS], "gap_tol": GAP_TOL,
               "steps_enough": enough["suppressor"], "steps_enough_clean": enough["clean"]}

    # Exercise 4, going further: a bump centred on IG's zero baseline; patching with the mean.
    def mean_patching(circuit, X, rng):
        return attribute("patching", circuit, X, rng=rng, corruption="mean")

    with registered_circuit("baseline_bump", solutions.baseline_bump_decoy), \
            registered_method("mean_patching", mean_patching, family="causal"):
        bump = evaluate(["integrated_gradients", "patching", "mean_patching"], "baseline_bump", seeds=BUMP_SEEDS)
    for i, method in enumerate(bump.methods):
        values[f"bump_{method}"] = float(bump.mean()[i, 0])
    values["bump_seeds"] = BUMP_SEEDS
    claims = {
        "the reference gradient solution scores the suppressor exactly as the library's gradient":
            bool(np.array_equal(ex1.auroc[0], ex1.auroc[1])),
        f"at {GAP_STEPS} steps the suppressor's completeness gap is still above {GAP_TOL:g}":
            gaps["suppressor"][GAP_STEPS] > GAP_TOL,
        f"some step count of the grid brings the suppressor's gap below {GAP_TOL:g}": enough["suppressor"] is not None,
        "the clean circuit needs fewer steps than the suppressor":
            enough["clean"] is not None and enough["suppressor"] is not None
            and enough["clean"] < enough["suppressor"],
        "the bump on the baseline fools integrated gradients": values["bump_integrated_gradients"] < FOOLED_BELOW,
        "resample patching holds on the bump on the baseline": values["bump_patching"] >= HOLDS_AT,
        "mean patching falls short of holding on the bump, below resample patching":
            values["bump_mean_patching"] < HOLDS_AT and values["bump_mean_patching"] < values["bump_patching"],
    }
    return Facts(values, claims)


# The lesson plans: (slot, minutes) in order; ``None`` takes the minutes from the exercise's own
# timing (``neurotrace.exercises.EXERCISES``), so a plan cannot give an exercise less time than it takes.
REGIME_SLOTS = (("intro", 5), ("clean", 5), ("confounded", 8), ("suppressor", 10), ("redundant", 6),
                ("interaction", 6))
LESSON_PLANS = {
    60: REGIME_SLOTS + (("exercise_1", None), ("results", 5)),
    # The first part is the 60-minute plan's regimes; half the room does Exercise 2, half Exercise 3.
    90: (("regimes", sum(m for _, m in REGIME_SLOTS)), ("methods", 10), ("exercise_2_or_3", None),
         ("neurons", 10), ("homework", 5)),
}


def lesson_plans() -> Facts:
    """The 60- and 90-minute plans' time slots: ``plan<length>_<slot>`` = ``"start–end"`` (minutes).

    Claims: each plan fills its length exactly; both visit every regime page (the 90-minute plan
    in its first part, the 60-minute plan's regime slots); an exercise's slot is that exercise's
    own time, and Exercise 2 and Exercise 3 take the same time, so the room can split between them.
    """
    from ..exercises import EXERCISES  # here, not at the top: neurotrace.exercises imports neurotrace.claims

    minutes = {f"exercise_{e.number}": e.minutes for e in EXERCISES}
    minutes["exercise_2_or_3"] = max(minutes["exercise_2"], minutes["exercise_3"])
    values, claims = {}, {}
    for length, plan in LESSON_PLANS.items():
        start = 0
        for slot, slot_minutes in plan:
            slot_minutes = minutes[slot] if slot_minutes is None else slot_minutes
            values[f"plan{length}_{slot}"] = f"{start}–{start + slot_minutes}"
            start += slot_minutes
        claims[f"the {length}-minute plan fills {length} minutes exactly"] = start == length
    regime_end = sum(m for _, m in REGIME_SLOTS)
    claims["the 60-minute plan gives every regime page a slot of its own"] = \
        all(any(slot == regime for slot, _ in LESSON_PLANS[60]) for regime in CIRCUITS)
    claims["the 90-minute plan's first part is the 60-minute plan's regime slots"] = \
        values["plan90_regimes"] == f"0–{regime_end}" == f"0–{values['plan60_interaction'].split('–')[1]}"
    claims["Exercise 2 and Exercise 3 take the same time"] = minutes["exercise_2"] == minutes["exercise_3"]
    values["regimes_minutes"] = regime_end
    return Facts(values, claims)


def instructors_page(slider_strengths) -> Facts:
    """The instructor's guide: every number its lesson plans and discussion questions quote.

    ``slider_strengths``: the frames of the regime pages' static slider (``widgets.DEFAULT_STRENGTHS``;
    passed in because :mod:`neurotrace.widgets` needs the ``[book]`` extra). Computes the reference
    table, the controls at strength 0, the scrambled-label null, the neuron level and IG beyond the
    grid, and merges their facts with the guide's own: the slider readings (seed 0), the AUROC
    counts behind 0.75, which causal methods some regime fools, the suppressor's decoys' real net
    effect, and the exercises' answers.
    """
    table = evaluate(seeds=SEEDS, samples=SAMPLES, strength=STRENGTH)
    control = evaluate(seeds=SEEDS, samples=SAMPLES, strength=CONTROL)
    null = evaluate(seeds=NULL_SEEDS, samples=SAMPLES, strength=STRENGTH, labels="scrambled")
    task, effect = (evaluate(seeds=SEEDS, samples=SAMPLES, strength=STRENGTH, level="hidden", truth=t)
                    for t in ("task", "effect"))
    facts = (table_facts(table) | controls(control) | null_facts(null) | neuron_facts(task, effect)
             | ig_quadrature() | _slider_facts([r for r in CIRCUITS if CIRCUITS[r].target], slider_strengths)
             | _exercise_facts() | lesson_plans())

    def mean(method, regime):
        return cell_mean(table, method, regime)

    supp, red = make_circuit("suppressor"), make_circuit("redundant")
    n_causal = int(supp.causal.sum())
    n_backups = len(switch_pairs(red))
    values = {
        "n_causal": n_causal, "n_decoy": int(supp.decoy.sum()), "n_other": supp.n_features - n_causal,
        "decoys_on_top": decoys_on_top(supp), "n_backups": n_backups,
        "noising_tie": 1 - 0.5 * n_backups / n_causal, "complete": CIRCUITS["redundant"].complete,
        "default_steps": ig_default_steps(),
        "clean_min": min(mean(m, "clean") for m in table.methods if METHODS[m].family != "baseline"),
    }
    values |= {f"fools_{r}": ", ".join(CIRCUITS[r].fools) for r in table.circuits}
    values["same_as_clean_and"] = " and ".join(facts["same_as_clean"].split(", "))
    claims = {
        "correlation on confounded is the AUROC of both decoys on top":
            mean("correlation", "confounded") == values["decoys_on_top"],
        "gradient on the suppressor is the same count": mean("gradient", "suppressor") == values["decoys_on_top"],
        "noising patching on redundant is the tie value of the backups":
            mean("patching", "redundant") == values["noising_tie"],
    }
    # Which causal methods does some regime fool at strength 1?
    causal_fooled = [(m, r) for m in table.methods for r in table.circuits
                     if METHODS[m].family == "causal" and mean(m, r) < FOOLED_BELOW]
    values["causal_fooled"] = "; ".join(f"{m} on {r} ({mean(m, r):.3f})" for m, r in causal_fooled)
    claims["the causal methods fooled at strength 1 are exactly noising patching on redundant and denoising "
           "patching on interaction"] = causal_fooled == [("patching", "redundant"),
                                                          ("denoising_patching", "interaction")]
    # The switch regimes' slope proxies: exactly 0.5 at strength 1, 1 at the control.
    for regime in ("redundant", "interaction"):
        claims[f"gradient scores exactly 0.5 on {regime} and 1 at its control"] = \
            mean("gradient", regime) == 0.5 and cell_mean(control, "gradient", regime) == 1.0
        scores = cell_scores(table, "gradient", regime)
        claims[f"gradient scores every feature exactly 0 on every seed of {regime}"] = \
            bool(np.all(scores[:, : red.n_features] == 0.0))
        values[f"control_gradient_{regime}"] = cell_mean(control, "gradient", regime)
    # The suppressor's decoys: a real net effect, smaller than the weakest cause's (patching).
    patch = cell_scores(table, "patching", "suppressor")[:, : supp.n_features]
    ratio = patch[:, supp.decoy].max(axis=1) / patch[:, supp.causal].min(axis=1)
    values |= {"decoy_ratio_mean": float(ratio.mean()), "decoy_ratio_max": float(ratio.max())}
    claims["under patching every decoy moves the output, less than the weakest causal feature, on every seed"] = \
        bool(np.all(patch[:, supp.decoy] > 0) and ratio.max() < 1)
    # Count the decoys as causal and gradient saliency is right: it ranks causes and decoys on top.
    grad = cell_scores(table, "gradient", "suppressor")[:, : supp.n_features]
    wider = np.broadcast_to(supp.causal | supp.decoy, grad.shape)
    claims["against causes and decoys together gradient saliency scores 1 on every seed of the suppressor"] = \
        bool(np.all(auroc_rows(grad, wider) == 1.0))
    # IG on the slider: it never slips on any frame of the suppressor's (seed 0).
    ig = _slider_curve("suppressor", "integrated_gradients", slider_strengths)
    values["ig_slider_min"] = float(ig.min())
    claims["integrated gradients holds on every frame of the suppressor's slider (seed 0)"] = ig.min() >= HOLDS_AT
    values["joint_min"] = min(facts[f"hidden_joint_patching_{r}"] for r in task.circuits)
    return facts | Facts(values, claims)
