"""Evaluate your own method (book/your_method.ipynb): the page registers a method that reads the
weights (``|v| @ |W|``), scores it with evaluate and sweep, and publishes :func:`your_method_page`;
where torch and captum are installed, it scores Captum's methods (``neurotrace.torch.captum_table``)
and shows :func:`captum_section`'s and :func:`captum_findings`' discussions under the table and the
figure they discuss; where they are not, :func:`captum_missing` says so and the page shows nothing more
of Captum.
"""

from __future__ import annotations

import numpy as np

from ..circuits import make_circuit
from ._shared import index, weight_reach
from .expectations import FOOLED_BELOW, HOLDS_AT, SAMPLES, SEEDS, fooled_from
from .facts import Facts, power_of_ten_above
from .regimes import control_is_clean

CAPTUM_SEEDS, CAPTUM_SAMPLES = 4, 128
"""The chapter's Captum table: 4 seeds x 128 samples, not the reference 16 x 512. Captum takes the
gradient of each output row on its own (about 20 microseconds a row), so IntegratedGradients with 64
steps and DeepLiftShap over 32 baselines cost about half a second per seed and regime at 512 samples,
and Lime and KernelShap fit a model per sample: at 16 x 512 the table and GradientShap's draws took
136 s of computing here (one core), at 4 x 128 about 18 s, and the page builds in under a minute. The
two findings read the same at both: GradientShap 0.750 on the suppressor with 1 to 64 draws (0.760 and
0.758 with 256), the exact expected gradients 1.000, the zero-baseline ablations 0.500 and noising
patching 0.750 on redundant (``tests/test_torch_own.py`` checks them at 4 x 128)."""


def captum_lead(results) -> str:
    """The line the page prints above its Captum table (``results``: ``captum_table(builtins=True)``):
    the settings, why they are smaller than the reference table's, and how the rows are ordered."""
    fewer = (results.seeds, results.samples) != (SEEDS, SAMPLES)
    why = (f", fewer than the reference {SEEDS} seeds of {SAMPLES} samples: Captum takes the gradient of each "
           "output row on its own, and Lime and KernelShap fit a model per sample, so the reference settings "
           "would take minutes") if fewer else ""
    seeds = f"{results.seeds} seed{'' if results.seeds == 1 else 's'}"
    return (f"Captum's methods on every regime, over {seeds} of {results.samples} samples{why}. "
            "Each built-in row comes first, with the Captum rows that reproduce or approximate it below it:")


def captum_missing(error) -> str:
    """What the page prints where importing the Captum bridge failed with ``error`` (an ``ImportError``
    from ``neurotrace.torch`` or its ``require_captum``, whose message names what is missing and the
    ``[torch]`` extra that installs it): there is no Captum section here, and why."""
    import textwrap

    lines = (f"No Captum section here: {error}",
             "So this section shows no table, no figure and no discussion of Captum's methods; install the "
             "extra and run this page again to see them.")
    return "\n".join(textwrap.fill(line, 80, break_long_words=False, break_on_hyphens=False) for line in lines)


def your_method_page(results, curve=None, method: str = "abs_weight") -> Facts:
    """The page's reading of a registered method that scores features by ``|v| @ |W|``.

    ``results``: ``evaluate()`` with the method registered; ``curve``: ``sweep("suppressor", ...,
    methods=[method, "gradient", "patching"])``. Values: the method's mean per regime
    (``<method>_<regime>``), the regimes that fool it, the seed-0 weights of the suppressor's
    decoys and causes, and the strength from which the method and gradient saliency stay fooled.
    Claims: the method is fooled on the suppressor and holds everywhere else; its scores are the
    weights quoted; the confounder's weights are exactly 0; along the sweep it breaks before the
    gradient while patching holds, and at strength 0 the suppressor is the clean circuit.

    Without ``curve`` only the table's values and claims: the page publishes them under its table,
    before the prose that reads them, and publishes again with the curve under the sweep.
    """
    j = {r: index(results, r) for r in results.circuits}
    i = results.methods.index(method)
    row = {r: float(results.mean()[i, j[r]]) for r in results.circuits}
    fooled = [r for r, a in row.items() if a < FOOLED_BELOW]
    supp, conf = make_circuit("suppressor"), make_circuit("confounded")
    reach = weight_reach(supp)
    values = {
        "seeds": results.seeds, "fooled_below": FOOLED_BELOW, "holds_at": HOLDS_AT,
        **{f"{method}_{r}": a for r, a in row.items()},
        f"{method}_fooled_by": ", ".join(fooled) or "none",
        "decoy_weight": float(reach[supp.decoy].max()), "causal_weight": float(reach[supp.causal].max()),
    }
    claims = {
        f"{method} is fooled on the suppressor and holds on every other regime":
            fooled == ["suppressor"] and all(a >= HOLDS_AT for r, a in row.items() if r != "suppressor"),
        f"{method}'s scores on the suppressor (seed 0) are the weights the prose quotes":
            bool(np.array_equal(results.importances[i, j["suppressor"], 0, : supp.n_features], reach)),
        "the confounder's decoys have exactly zero weight into the network":
            bool(np.all(weight_reach(conf)[conf.decoy] == 0)),
        "on seed 0 a suppressor decoy's weights outweigh every causal feature's": reach[supp.decoy].max()
            > reach[supp.causal].max(),
    }
    if curve is None:
        return Facts(values, claims)
    grid = curve.strengths
    breaks = {m: fooled_from(curve.curve(m), grid) for m in (method, "gradient")}
    decoy_reach = [float(weight_reach(make_circuit("suppressor", strength=s))[supp.decoy].max()) for s in grid]
    values |= {
        f"{method}_breaks": breaks[method], "gradient_breaks": breaks["gradient"],
        "patching_min": float(curve.curve("patching").min()), "sweep_top": float(grid.max()),
    }
    claims |= {
        "the decoys' weights grow with the strength": bool(np.all(np.diff(decoy_reach) > 0)),
        f"{method} and gradient saliency both score 1 at strength 0":
            curve.curve(method)[0] == 1.0 and curve.curve("gradient")[0] == 1.0,
        f"{method} stays fooled from a lower strength than gradient saliency": breaks[method] < breaks["gradient"],
        "patching holds at every strength of the sweep": values["patching_min"] >= HOLDS_AT,
        "at strength 0 the suppressor computes the clean circuit's output":
            control_is_clean("suppressor"),
    }
    return Facts(values, claims)


def captum_section(results, *, saliency: str = "captum_saliency", deeplift: str = "captum_deeplift",
                   gradient: str = "gradient") -> Facts:
    """What the Captum rows of ``results`` show, as claims and a ``discussion`` paragraph (markdown).

    ``results``: ``evaluate([deeplift, saliency, gradient])`` with the two Captum methods
    registered (``neurotrace.torch.captum_method``). The page displays ``discussion`` only where
    Captum ran, under the table it discusses; every number in it is computed here.
    """
    mean = results.mean()
    k = {m: results.methods.index(m) for m in (saliency, deeplift, gradient)}
    j = {r: index(results, r) for r in results.circuits}
    diff = float(np.nanmax(np.abs(results.importances[k[saliency]] - results.importances[k[gradient]])))
    values = {"imp_diff": diff, "seeds": results.seeds}
    for r in results.circuits:
        values[f"deeplift_{r}"] = float(mean[k[deeplift], j[r]])
        values[f"saliency_{r}"] = float(mean[k[saliency], j[r]])
    switch = [r for r in ("redundant", "interaction") if r in j]
    claims = {
        "Saliency's AUROC equals gradient's on every seed of every regime":
            bool(np.array_equal(results.auroc[k[saliency]], results.auroc[k[gradient]])),
        "Saliency's importances equal gradient's to 1e-12": diff < 1e-12,
        "DeepLift holds on the suppressor, where Saliency is fooled":
            values["deeplift_suppressor"] >= HOLDS_AT > FOOLED_BELOW > values["saliency_suppressor"],
        "DeepLift holds on every regime": bool(mean[k[deeplift]].min() >= HOLDS_AT),
    }
    switch_text = ""
    if switch:
        claims["Saliency is fooled on the switch regimes"] = all(values[f"saliency_{r}"] < FOOLED_BELOW for r in switch)
        switch_text = (
            " The saturated switch regimes do not fool it either: it scores "
            + " and ".join(f"{values[f'deeplift_{r}']:.2f} on {r}" for r in switch)
            + ", where every slope is exactly 0 and Saliency scores "
            + " and ".join(f"{values[f'saliency_{r}']:.2f}" for r in switch) + "."
        )
    values["discussion"] = (
        f"Captum's `Saliency` takes the same gradient as neurotrace's `gradient`: over {results.seeds} seeds "
        f"on every regime the two rows' AUROCs are identical seed for seed, and their importances differ by "
        f"less than {power_of_ten_above(diff)}, rounding. DeepLift's rescale rule divides each hidden unit's change "
        "in output by its change in input, so like patching it measures a net effect rather than a local slope: it "
        f"scores {values['deeplift_suppressor']:.2f} on the suppressor, where Saliency scores "
        f"{values['saliency_suppressor']:.2f}." + switch_text
    )
    return Facts(values, claims)


def captum_findings(results, draws: dict, *, gradient_shap: str = "captum_gradient_shap",
                    ablations=("captum_feature_ablation", "captum_occlusion"), patching: str = "patching",
                    figure: str | None = None) -> Facts:
    """The two findings of scoring Captum's methods (``neurotrace.torch.captum_table``), as claims and a
    ``discussion`` (markdown, one sentence per claim or group of claims) for the page to show under them.

    ``results``: a table holding the ``gradient_shap`` row, the zero-baseline ``ablations`` rows and
    the built-in ``patching`` row (``captum_table(builtins=True)``, or
    ``nt.combine(nt.evaluate([patching]), captum_table())``), with the ``suppressor`` and ``redundant``
    regimes; ``draws``: ``neurotrace.torch.gradient_shap_draws()``; ``figure``: the name of the figure
    that shows ``results``, which the discussion refers to (``{numref}``).

    1. GradientShap is fooled on the suppressor at every number of draws per sample up to 64 (and
       still at the largest tried), although the expected gradients it estimates -- computed exactly --
       hold there: each draw estimates them with noise, and the importance, a mean of |.| over samples,
       keeps the noise instead of averaging it away. More draws shrink the decoys' importance, yet it
       stays above their exact value by far more than the causal features' does.
    2. FeatureAblation and Occlusion with a zero baseline score chance on ``redundant``, below noising
       patching: a backup copies its primary and takes over when the primary is 0, so setting any one
       feature to 0 changes no output, and every importance is exactly 0.
    """
    j = {r: index(results, r) for r in ("suppressor", "redundant")}
    mean = results.mean()
    row = {m: mean[results.methods.index(m)] for m in (gradient_shap, patching, *ablations)}
    counts = list(draws["draws"])
    upto_64 = [a for n, a in zip(counts, draws["auroc"], strict=True) if n <= 64]
    fewest, most = counts.index(min(counts)), counts.index(max(counts))
    zeroed = {m: results.importances[results.methods.index(m), j["redundant"]] for m in ablations}
    values = {
        "captum_seeds": results.seeds, "captum_samples": results.samples,
        "gradient_shap_suppressor": float(row[gradient_shap][j["suppressor"]]),
        "gradient_shap_draws_low": min(counts), "gradient_shap_draws_64": max(n for n in counts if n <= 64),
        "gradient_shap_draws_max": max(counts),
        "gradient_shap_upto_64_low": float(min(upto_64)), "gradient_shap_upto_64_high": float(max(upto_64)),
        "gradient_shap_at_max": float(draws["auroc"][most]),
        "expected_gradients_suppressor": float(draws["expected_gradients"]),
        "draws_seeds": draws["seeds"], "draws_samples": draws["samples"],
        "decoy_importance_fewest": float(draws["decoy_importance"][fewest]),
        "decoy_importance_most": float(draws["decoy_importance"][most]),
        "causal_importance_most": float(draws["causal_importance"][most]),
        "expected_gradients_decoy": float(draws["expected_gradients_decoy"]),
        "decoy_inflation": float(draws["decoy_importance"][most] / draws["expected_gradients_decoy"]),
        "causal_inflation": float(draws["causal_importance"][most] / draws["expected_gradients_causal"]),
        "patching_redundant": float(row[patching][j["redundant"]]),
        **{f"{m}_redundant": float(row[m][j["redundant"]]) for m in ablations},
        "fooled_below": FOOLED_BELOW,
    }
    claims = {
        "GradientShap is fooled on the suppressor in the table": values["gradient_shap_suppressor"] < FOOLED_BELOW,
        "GradientShap is fooled on the suppressor at every number of draws from the fewest to 64":
            values["gradient_shap_upto_64_high"] < FOOLED_BELOW,
        "more draws do not rescue GradientShap: it is still fooled at the most draws tried":
            values["gradient_shap_at_max"] < FOOLED_BELOW,
        "the expected gradients GradientShap estimates, computed exactly, hold on the suppressor":
            values["expected_gradients_suppressor"] >= HOLDS_AT,
        "more draws shrink GradientShap's importance of the decoys":
            values["decoy_importance_most"] < values["decoy_importance_fewest"],
        "at the most draws the decoys' importance is still above their exact expected gradients, by more than "
        "the causal features' is above theirs": values["decoy_inflation"] > max(1.0, values["causal_inflation"]),
        "at the most draws the decoys' importance is still above the causal features'":
            values["decoy_importance_most"] > values["causal_importance_most"],
        **{f"{m} scores chance (0.5) on redundant": values[f"{m}_redundant"] == 0.5 for m in ablations},
        "setting any one feature of redundant to 0 changes no output: every importance of the zero-baseline "
        "ablations is exactly 0 there": all(bool(np.all(zeroed[m][~np.isnan(zeroed[m])] == 0)) for m in ablations),
        "noising patching scores above the zero-baseline ablations on redundant, and is still fooled there":
            all(values[f"{m}_redundant"] < values["patching_redundant"] < FOOLED_BELOW for m in ablations),
    }
    values["discussion"] = _findings_text(values, ablations, figure)
    return Facts(values, claims)


def _findings_text(v: dict, ablations, figure: str | None) -> str:
    """The two findings in words, every number from ``v`` (:func:`captum_findings`' values)."""
    shown = f" ({{numref}}`{figure}`)" if figure else ""
    names = {"captum_feature_ablation": "FeatureAblation", "captum_occlusion": "Occlusion"}
    ablating = " and ".join(names.get(m, f"`{m}`") for m in ablations)
    scores = " and ".join(f"{v[f'{m}_redundant']:.2f}" for m in ablations)
    gradient_shap = (
        "**GradientShap is fooled where what it estimates is not.** GradientShap attributes "
        "$(x - x') \\odot \\nabla f(x' + \\alpha (x - x'))$ at random baselines $x'$ drawn from the data and random "
        "$\\alpha \\in [0, 1]$, averaged over a few draws per sample: an unbiased estimate of the *expected "
        "gradients*, integrated gradients averaged over baselines from the data. "
        f"Computed exactly, the expected gradients score {v['expected_gradients_suppressor']:.3f} on the suppressor; "
        f"GradientShap scores {v['gradient_shap_suppressor']:.2f} in the table{shown}, with Captum's default "
        "number of draws, "
        + (f"{v['gradient_shap_upto_64_low']:.3f}" if v["gradient_shap_upto_64_low"] == v["gradient_shap_upto_64_high"]
           else f"{v['gradient_shap_upto_64_low']:.3f} to {v['gradient_shap_upto_64_high']:.3f}")
        + f" with {v['gradient_shap_draws_low']} to {v['gradient_shap_draws_64']} draws per sample, and still "
        f"{v['gradient_shap_at_max']:.3f} with {v['gradient_shap_draws_max']} (over {v['draws_seeds']} seeds of "
        f"{v['draws_samples']} samples). Each draw estimates the expected gradients with noise, and the importance "
        "is the mean of $\\lvert \\cdot \\rvert$ over samples, so the noise adds to it instead of cancelling. More "
        f"draws shrink it: the decoys' importance falls from {v['decoy_importance_fewest']:.2f} with "
        f"{v['gradient_shap_draws_low']} draw{'' if v['gradient_shap_draws_low'] == 1 else 's'} to "
        f"{v['decoy_importance_most']:.2f} with {v['gradient_shap_draws_max']}. "
        f"But that is still {v['decoy_inflation']:.1f} times their exact expected gradients, where the causal "
        f"features' is {v['causal_inflation']:.2f} times theirs: the decoys' "
        f"{v['decoy_importance_most']:.2f} is still above the causal features' {v['causal_importance_most']:.2f}."
    )
    zero = (
        f"**A zero baseline is the redundant switch's \"absent\".** {ablating} with `baselines=0` set one feature "
        f"at a time to 0; on redundant they score {scores}: chance. Each backup "
        "copies its primary and takes over when the primary is 0, so setting any one feature to 0 changes no "
        "output, every importance is exactly 0, and a ranking that ties every feature scores 0.5. Noising "
        "patching puts another sample's value in instead, which the backup does not cover, and scores "
        f"{v['patching_redundant']:.2f}: above chance, and still fooled (below {v['fooled_below']:g})."
    )
    return gradient_shap + "\n\n" + zero
