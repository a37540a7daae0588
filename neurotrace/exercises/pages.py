"""The exercise pages' facts: the numbers their prose quotes and the sentences it states.

Each function returns :class:`neurotrace.claims.Facts`; a page publishes it with one hidden
line (``pages.gradient_scores(results).publish()``) and ``tests/test_exercises.py`` tests the
same functions. The facts are computed from what the page scored: the student's function once
its checker passes it, the reference solution until then (``exercises.yours_or_reference``), so
a page runs from top to bottom whatever state the student's code is in.
"""

from __future__ import annotations

import inspect

import numpy as np

from ..circuits import make_circuit
from ..claims import FOOLED_BELOW, HOLDS_AT, IG_FAR, Facts, explain, fooled_where, ig_quadrature, listed_where, verdict
from ..evaluate import evaluate
from ..methods import attribute, ig_attributions
from . import solutions
from .decoy import DECOY_EFFECT_RATIO
from .registry import registered_circuit, registered_method


def _mean(results, method: str, circuit: str) -> float:
    return float(results.cell(method, circuit).mean())


def _features(mask) -> str:
    return " and ".join(f"f{j}" for j in np.flatnonzero(mask))


def fooled_on(results, mine: str) -> str:
    """The regimes where ``mine`` is fooled in ``results``, each with its mean AUROC
    (``"redundant (0.750)"``), or ``"nowhere"``."""
    where = [f"{regime} ({_mean(results, mine, regime):.3f})" for regime in fooled_where(results)[mine]]
    return ", ".join(where[:-1]) + " and " + where[-1] if len(where) > 1 else (where or ["nowhere"])[0]


def fooled_table(results, mine: str, library: str) -> str:
    """A markdown table of the regimes where ``mine`` (a student's version of the library method
    ``library``) is fooled in ``results``: its mean AUROC and why (:func:`neurotrace.claims.explain`
    for ``library``: the regime's own reason when its ``fools`` lists it)."""
    lines = [f"| regime | `{mine}` | why it fails there |", "|---|---:|---|"]
    for regime in fooled_where(results)[mine]:
        reason = explain(regime, library, results.strength).replace("|", "\\|")
        lines.append(f"| {regime} | {_mean(results, mine, regime):.3f} | {reason} |")
    return "\n".join(lines)


def _same_method_claims(results, mine: str, library: str) -> dict:
    i, j = results.methods.index(mine), results.methods.index(library)
    listed = listed_where(library, results.circuits)
    return {
        f"{mine} scores the library {library}'s AUROC on every seed of every regime":
            bool(np.array_equal(results.auroc[i], results.auroc[j])),
        f"{mine} is fooled exactly where a regime lists {library} ({', '.join(listed) or 'nowhere'})":
            fooled_where(results)[mine] == listed,
    }


# --- exercise 1 -------------------------------------------------------------------------------------


def gradient_scores(results, mine: str = "my_gradient", library: str = "gradient") -> Facts:
    """Exercise 1 scored (``evaluate([library, mine])``): ``ex1_<regime>`` (the student's mean
    AUROC on each regime), ``ex1_fooled_on`` (where it is fooled, :func:`fooled_on`),
    ``ex1_decoys`` (the suppressor's decoys). Claims: the same AUROCs as the library's gradient, fooled exactly
    where a regime lists the gradient."""
    values = {f"ex1_{regime}": _mean(results, mine, regime) for regime in results.circuits}
    values["ex1_fooled_on"] = fooled_on(results, mine)
    values["ex1_decoys"] = _features(make_circuit("suppressor").decoy)
    return Facts(values, _same_method_claims(results, mine, library))


# --- exercise 2 -------------------------------------------------------------------------------------


def completeness_steps(gaps: dict, steps, *, at: int = 32, tolerance: float = 0.01) -> Facts:
    """Exercise 2's step table (``gaps[circuit]``: the worst completeness gap at each of ``steps``).

    Values: ``ex2_at_steps``, ``ex2_tolerance``, the clean and the suppressor gap at ``at``
    steps (``ex2_clean_gap``, ``ex2_suppressor_gap``) and the fewest steps of the table that
    bring the suppressor within ``tolerance`` (``ex2_suppressor_steps``). Claims: at ``at``
    steps the clean circuit is within the tolerance and the suppressor is not; some step count
    of the table brings the suppressor within it.
    """
    steps = list(steps)
    k = steps.index(at)
    clean, suppressor = gaps["clean"][k], gaps["suppressor"][k]
    enough = [s for s, gap in zip(steps, gaps["suppressor"], strict=True) if gap < tolerance]
    return Facts({
        "ex2_at_steps": at, "ex2_tolerance": tolerance, "ex2_clean_gap": float(clean),
        "ex2_suppressor_gap": float(suppressor), "ex2_suppressor_steps": enough[0] if enough else None,
    }, {
        f"at {at} steps the clean circuit's completeness gap is below {tolerance} and the suppressor's is not":
            clean < tolerance <= suppressor,
        f"some step count up to {steps[-1]} brings the suppressor's gap below {tolerance}": bool(enough),
    })


def integrated_gradients_scores(results, my_integrated_gradients, *, mine: str = "my_ig",
                                coarse_steps: int = 8) -> Facts:
    """Exercise 2 scored (``evaluate(["gradient", "integrated_gradients", mine])``), plus the
    student's IG at ``coarse_steps`` steps on the suppressor and the library's IG beyond the
    book's grid (:func:`neurotrace.claims.ig_quadrature` at ``IG_FAR[0]``).

    Claims: the student's IG holds on the suppressor where the gradient is fooled; at
    ``coarse_steps`` steps it is fooled there; the library's 64-node IG is fooled at
    ``IG_FAR[0]`` while the exact integral holds.
    """
    def coarse(circuit, X, rng):
        return np.abs(my_integrated_gradients(circuit, X, np.zeros(circuit.n_features), coarse_steps)).mean(axis=0)

    with registered_method("_coarse_ig", coarse, family="causal"):
        few = _mean(evaluate("_coarse_ig", "suppressor", seeds=results.seeds, samples=results.samples),
                    "_coarse_ig", "suppressor")
    suppressor = make_circuit("suppressor")
    far = ig_quadrature((IG_FAR[0],))
    mine_here, gradient = _mean(results, mine, "suppressor"), _mean(results, "gradient", "suppressor")
    return Facts({
        "ex2_my_ig_suppressor": mine_here, "ex2_gradient_suppressor": gradient,
        "ex2_coarse_steps": coarse_steps, "ex2_my_ig_coarse": few,
        "ex2_gain": float(np.abs(suppressor.W[:, suppressor.decoy]).max()),  # the gates' input gain
        "ex2_default_steps": inspect.signature(ig_attributions).parameters["steps"].default,
        "ex2_far_strength": far["ig_far_1"], "ex2_library_ig_far": far["ig64_far_1"],
        "ex2_exact_ig_far": far["igexact_far_1"],
    }, {
        f"{mine} holds on the suppressor where the gradient is fooled":
            verdict(mine_here) == "holds" and verdict(gradient) == "fooled",
        f"with {coarse_steps} steps {mine} is fooled on the suppressor": few < FOOLED_BELOW,
    } | far.claims)


# --- exercise 3 -------------------------------------------------------------------------------------


def patching_scores(results, mine: str = "my_patching", library: str = "patching") -> Facts:
    """Exercise 3 scored (``evaluate([..., library, mine])``): ``ex3_relative_gap`` (the largest
    difference between the student's and the library's importances, as a fraction of the
    library's largest score) and ``ex3_fooled_on`` (where it is fooled, :func:`fooled_on`). Claims: the
    same AUROCs as the library's patching, importances that still differ (another draw of
    partners), fooled exactly where a regime lists patching."""
    i, j = results.methods.index(mine), results.methods.index(library)
    gap = np.abs(results.importances[i] - results.importances[j]).max() / results.importances[j].max()
    return Facts({"ex3_relative_gap": float(gap), "ex3_fooled_on": fooled_on(results, mine)},
                 _same_method_claims(results, mine, library)
                 | {f"{mine}'s importances differ from the library's (its partners are drawn differently)": gap > 0})


# --- exercise 4 -------------------------------------------------------------------------------------


def decoy_rules(seeds: int = 8) -> Facts:
    """The bars of Exercise 4's checker (``fooled_below``, ``holds_at``, ``effect_ratio``) and how
    close the shipped suppressor's decoys come to the effect ratio (``suppressor_ratio``: the
    largest decoy's mean |patching effect| over the weakest causal feature's, on any of ``seeds``)."""
    patch = evaluate("patching", "suppressor", seeds=seeds).importances[0, 0]  # (seeds, features)
    c = make_circuit("suppressor")
    ratio = float((patch[:, c.decoy].max(axis=1) / patch[:, c.causal].min(axis=1)).max())
    return Facts({"fooled_below": FOOLED_BELOW, "holds_at": HOLDS_AT, "effect_ratio": DECOY_EFFECT_RATIO,
                  "suppressor_ratio": ratio},
                 {"the shipped suppressor's decoys stay within the checker's effect ratio":
                  ratio <= DECOY_EFFECT_RATIO})


def decoy_scores(results, fools: str, not_fooled: str, circuit: str = "my_decoy") -> Facts:
    """The student's decoy scored: the named methods' mean AUROCs (``ex4_fooled``, ``ex4_not_fooled``)."""
    return Facts({"ex4_fooled": _mean(results, fools, circuit), "ex4_not_fooled": _mean(results, not_fooled, circuit)})


BUMPS = {"bump": solutions.bump_decoy, "baseline_bump": solutions.baseline_bump_decoy}
"""Exercise 4's "going further" circuits: the reference bump (centred at 1) and the bump on the baseline 0."""


def going_further(further) -> Facts:
    """Exercise 4's "going further" answers, from ``evaluate([...], ["bump", "baseline_bump"])``
    (``further``) and mean patching (``corruption="mean"``) on the same circuits.

    Values: every cell as ``ex4_<method>_<circuit>``, and ``ex4_mean_patching_<circuit>``.
    Claims: moved onto the baseline, the bump fools IG and no longer input x gradient;
    resample patching holds on both; mean patching holds on the bump at 1 and not on the
    bump at the baseline.
    """
    def mean_patching(circuit, X, rng):
        return attribute("patching", circuit, X, rng=rng, corruption="mean")

    with registered_circuit("bump", BUMPS["bump"]), registered_circuit("baseline_bump", BUMPS["baseline_bump"]), \
            registered_method("mean_patching", mean_patching, family="causal"):
        by_mean = evaluate("mean_patching", list(BUMPS), seeds=further.seeds, samples=further.samples)
    values = {f"ex4_{m}_{c}": _mean(results, m, c)
              for results in (further, by_mean) for m in results.methods for c in results.circuits}

    def is_(method, circuit, word):
        return verdict(values[f"ex4_{method}_{circuit}"]) == word

    claims = {
        "integrated_gradients holds on the bump at 1 and is fooled by the bump on the baseline":
            is_("integrated_gradients", "bump", "holds") and is_("integrated_gradients", "baseline_bump", "fooled"),
        "input_x_gradient is fooled by the bump at 1 and holds on the bump on the baseline":
            is_("input_x_gradient", "bump", "fooled") and is_("input_x_gradient", "baseline_bump", "holds"),
        "resample patching holds on both bumps":
            is_("patching", "bump", "holds") and is_("patching", "baseline_bump", "holds"),
        "mean patching holds on the bump at 1 and drops below the holding bar on the bump on the baseline":
            is_("mean_patching", "bump", "holds") and values["ex4_mean_patching_baseline_bump"] < HOLDS_AT,
    }
    return Facts(values, claims)


__all__ = ["BUMPS", "completeness_steps", "decoy_rules", "decoy_scores", "fooled_on", "fooled_table", "going_further",
           "gradient_scores", "integrated_gradients_scores", "patching_scores"]
