"""The methods page (book/methods.ipynb): :func:`methods_page`, what each method's section computes,
and :func:`method_table`, the registry it lists.

(Not named ``methods_page.py``: a submodule named like the function the package exports would be
shadowed by it, and ``import neurotrace.claims.methods_page as m`` would bind the function.)
"""

from __future__ import annotations

import numpy as np

from .. import analysis, formulas
from .._checks import check_choice
from ..analysis import default_data
from ..circuits import SWITCH_CONTROL_GAIN, make_circuit
from ..discovery import EDGE_METHODS
from ..hidden import HIDDEN_METHODS
from ..methods import METHODS, attribute, ig_attributions, shapley_values
from ..scoring import auroc
from ._shared import cell_mean, ig_default_steps, md
from .expectations import BRUTE_SAMPLES, CONTROL, HOLDS_AT, IG_INPUTS, IG_NODES, IG_STEEP, RESAMPLE_SAMPLES, verdict
from .facts import Facts, power_of_ten_above, scientific
from .results_page import table_facts
from .switches import SLOPES_AT_DATA, flat, flat_from


def methods_page(table) -> Facts:
    """The methods page's facts, from the reference table (``evaluate()``): :func:`table_facts` and
    what each method's section computes.

    Values: SmoothGrad's defaults and where its noise reaches a gate (``sg_reach_<regime>``: the
    share of its noisy copies, seed 0, at which some slope is not 0; ``gate_margin_<regime>``);
    where the switch regimes' slopes vanish (``flat_from_<regime>``); IG's completeness gaps by
    node count (``gap_<nodes>``), the exact rule's (``exact_gap_1``, ``exact_gap_2``) and 64
    nodes' at strength 2 (``gap_64_s2``); resample-denoising against noising (``resample_gap``
    in %); attribution patching's first-order errors (``ap_*``); Shapley's efficiency gap,
    the brute-force comparison and the coalitions needed.
    """
    values, claims = {}, {}
    cell = {(m, r): cell_mean(table, m, r) for m in table.methods for r in table.circuits}

    # SmoothGrad, and the slopes of the switch regimes.
    sg = analysis.smoothgrad_defaults()
    values |= {"sg_noise": float(sg["noise"]), "sg_copies": int(sg["copies"]), "control_gain": SWITCH_CONTROL_GAIN}
    claims["SmoothGrad's default noise is within Smilkov et al.'s 10-20% of the spread"] = 0.1 <= sg["noise"] <= 0.2
    switch_regimes = [r for r in table.circuits if make_circuit(r).switches.any()]
    for regime in switch_regimes:
        c = make_circuit(regime)
        X = default_data(c)
        control = make_circuit(regime, strength=CONTROL)
        flat_at = flat_from(regime, np.flatnonzero(c.causal))
        values[f"flat_from_{regime}"] = flat_at
        values[f"sg_reach_{regime}"] = analysis.slope_reach(c, analysis.smoothgrad_copies(c, X))
        values[f"gate_margin_{regime}"] = analysis.gate_margin(c, X)
        claims[f"at strength 0 every sample of {regime} has a slope (seed 0)"] = \
            analysis.slope_reach(control, default_data(control)) == 1.0
        claims[f"{regime}'s slopes are exactly 0 at every sample from strength {flat_at:.2f} on, "
               "not just below (seed 0)"] = \
            bool(np.isfinite(flat_at)) and flat(regime, flat_at, c.causal) \
            and not flat(regime, flat_at - 1e-3, c.causal)
        claims[f"at strength 1 every slope of {regime} is exactly 0 at every sample (seed 0)"] = \
            analysis.slope_reach(c, X) == 0
        for method in SLOPES_AT_DATA:
            if method in table.methods:
                claims[f"{method} scores exactly 0.5 on {regime} (every feature tied)"] = \
                    bool(np.all(table.cell(method, regime) == 0.5))
    if {"redundant", "interaction"} <= set(switch_regimes):
        claims["SmoothGrad's noisy copies reach off a gate's plateau on interaction, never on redundant (seed 0)"] = \
            values["sg_reach_interaction"] > 0 and values["sg_reach_redundant"] == 0
        claims["interaction's gates sit nearer the data than redundant's"] = \
            values["gate_margin_interaction"] < values["gate_margin_redundant"]
        if "smoothgrad" in table.methods:
            claims["SmoothGrad holds on interaction and is fooled on redundant"] = \
                verdict(cell["smoothgrad", "interaction"]) == "holds" and \
                verdict(cell["smoothgrad", "redundant"]) == "fooled"

    # Integrated gradients: completeness by node count (from the default up), and the exact rule.
    default = ig_default_steps()
    nodes = list(IG_NODES)
    supp, steep = make_circuit("suppressor"), make_circuit("suppressor", strength=IG_STEEP)
    X = default_data(supp, IG_INPUTS)
    gaps = [analysis.completeness_gap(supp, X, steps=n) for n in nodes]
    for k, (n, gap) in enumerate(zip(nodes, gaps, strict=True), start=1):
        values[f"ig_nodes_{k}"], values[f"gap_{k}"] = n, gap
        values[f"gap_{k}_sci"], values[f"gap_{k}_below"] = scientific(gap), power_of_ten_above(gap)
    gates = np.flatnonzero((supp.W[:, supp.decoy] != 0).any(axis=1))
    core = np.flatnonzero((supp.W[:, supp.causal] != 0).any(axis=1))
    values |= {
        "ig_inputs": IG_INPUTS, "steep_strength": IG_STEEP,
        "gate_gain": float(np.abs(supp.W[gates]).max()), "steep_gain": float(np.abs(steep.W[gates]).max()),
        "causal_gain_max": float(np.abs(supp.W[core]).max()),
        "exact_gap_1": analysis.completeness_gap(supp, X, rule="exact"),
        "exact_gap_2": analysis.completeness_gap(steep, X, rule="exact"),
        "gap_default_steep": analysis.completeness_gap(steep, X),
    }
    values |= {f"{name}_below": power_of_ten_above(values[name]) for name in ("exact_gap_1", "exact_gap_2")}
    claims |= {
        f"the first node count compared is IG's default ({default})": nodes[0] == default,
        "more nodes, a smaller completeness gap": bool(np.all(np.diff(gaps) < 0)),
        f"the default {default} nodes leave a visible gap on the suppressor (above 1e-3)": gaps[0] > 1e-3,
        f"{nodes[-1]} nodes close it to rounding error (below 1e-9)": gaps[-1] < 1e-9,
        f"the exact rule's gap is rounding error at strengths 1 and {IG_STEEP:g} (below 1e-12)":
            max(values["exact_gap_1"], values["exact_gap_2"]) < 1e-12,
        f"at strength {IG_STEEP:g} the default nodes leave a larger gap than at strength 1":
            values["gap_default_steep"] > gaps[0],
        f"the exact rule is what quadrature converges to (2048 nodes, strength {IG_STEEP:g}, within 1e-6)":
            bool(np.allclose(ig_attributions(steep, X, rule="exact"), ig_attributions(steep, X, steps=2048),
                             atol=1e-6)),
        "the suppressor's gates are steeper than every causal unit": values["gate_gain"] > values["causal_gain_max"],
    }

    # Noising against resample-denoising.
    rel, resample_auroc = [], float("nan")
    for regime in ("clean", "interaction"):
        c = make_circuit(regime)
        X_big = default_data(c, RESAMPLE_SAMPLES)
        noising = attribute("patching", c, X_big)
        denoising = attribute("denoising_patching", c, X_big, corruption="resample")
        live = noising > 0
        rel.append(float(np.max(np.abs(denoising[live] - noising[live]) / noising[live])))
        if regime == "interaction":
            resample_auroc = float(auroc(denoising, c.causal))
    values |= {"n_big": RESAMPLE_SAMPLES, "resample_gap": 100 * max(rel),
               "resample_denoising_interaction": resample_auroc}
    claims["resample-denoising and noising agree to 2% per feature on clean and interaction"] = max(rel) < 0.02
    claims["resample-denoising holds on interaction, as noising does"] = resample_auroc >= HOLDS_AT

    # Attribution patching: the first-order estimate against the patch, on the suppressor.
    X = default_data(supp)
    patches = analysis.resample_patches(supp, X)
    exact, estimate = analysis.first_order_patches(supp, X, patches)
    error = analysis.first_order_error(exact, estimate)
    decoy, causal = int(np.flatnonzero(supp.decoy)[0]), analysis.steepest_feature(supp, supp.causal)
    score, patch = np.abs(estimate).mean(axis=0), np.abs(exact).mean(axis=0)
    decoy_errors, causal_errors = [], []
    for seed in range(table.seeds):
        c = make_circuit("suppressor", seed=seed)
        Xs = default_data(c, table.samples)
        e = analysis.first_order_error(*analysis.first_order_patches(c, Xs, analysis.resample_patches(c, Xs)))
        decoy_errors.append(e[c.decoy].min())
        causal_errors.append(e[c.causal].max())
    values |= {
        "mean_move": float(np.abs(patches - X)[:, supp.causal].mean()), "two_over_root_pi": 2 / np.sqrt(np.pi),
        "ap_samples": len(X),
        "ap_decoy_name": f"f{decoy}", "ap_causal_name": f"f{causal}",
        "ap_decoy_error": float(error[decoy]), "ap_causal_error": float(error[causal]),
        "ap_decoy_score": float(score[decoy]), "ap_decoy_patch": float(patch[decoy]),
        "ap_causal_score": float(score[causal]), "ap_causal_patch": float(patch[causal]),
        "ap_decoy_inflation": float(score[decoy] / patch[decoy]),
        "ap_seeds": table.seeds, "ap_decoy_error_min": float(min(decoy_errors)),
        "ap_causal_error_max": float(max(causal_errors)),
    }
    claims |= {
        "a patch moves a causal feature 2/sqrt(pi) on average, to 0.1": abs(values["mean_move"] - 2 / np.sqrt(np.pi))
        < 0.1,
        "on every seed the estimates miss a decoy's effects by more than the effects themselves":
            values["ap_decoy_error_min"] > 1,
        "on every seed they miss a causal feature's by less than its effects": values["ap_causal_error_max"] < 1,
        "the estimate inflates the decoy's score (seed 0)": score[decoy] > patch[decoy],
        "the estimate keeps the causal feature's score on the scale of the patch, within a factor 2 (seed 0)":
            0.5 < score[causal] / patch[causal] < 2,
    }
    if {"attribution_patching", "gradient"} <= set(table.methods):
        claims["attribution patching scores the suppressor exactly as gradient saliency does"] = \
            cell["attribution_patching", "suppressor"] == cell["gradient", "suppressor"]

    # Shapley values: efficiency, the brute-force check, and the coalitions needed.
    efficiency = []
    for regime in table.circuits:
        c = make_circuit(regime)
        Xs = default_data(c)
        total = shapley_values(c, Xs).sum(axis=1)
        efficiency.append(float(np.max(np.abs(total - (c.forward(Xs) - c.forward(np.zeros((1, c.n_features))))))))
    inter = make_circuit("interaction")
    Xb = default_data(inter)[:BRUTE_SAMPLES]
    brute_gap = float(np.max(np.abs(formulas.shapley_values(inter, Xb) - shapley_values(inter, Xb))))

    def coalitions(c):
        """Coalitions per sample: 2^k for each distinct input set of a live unit."""
        return sum(2 ** len(s) for s in {tuple(np.flatnonzero(c.W[u])) for u in np.flatnonzero(c.v)})

    needed = max(coalitions(make_circuit(r)) for r in table.circuits)
    d = inter.n_features
    values |= {"shapley_efficiency_gap": max(efficiency), "n_brute": BRUTE_SAMPLES, "brute_gap": brute_gap,
               "n_features": d, "n_coalitions_all": 2**d, "n_coalitions_max": needed,
               "shapley_efficiency_below": power_of_ten_above(max(efficiency)),
               "brute_gap_below": power_of_ten_above(brute_gap)}
    claims |= {
        "Shapley values add up to f(x) - f(0) on every regime (within 1e-12)": max(efficiency) < 1e-12,
        "shapley_values equals enumerating every coalition (within 1e-12)": brute_gap < 1e-12,
        "every regime needs fewer coalitions per sample than all of them": needed < 2**d,
    }
    return table_facts(table) | Facts(values, claims)


SCORES = {
    "input": {
        "random": (r"s_j \sim \mathcal{U}(0, 1)", "uniform random scores: the chance floor"),
        "correlation": (r"s_j = \lvert \operatorname{corr}(x_j, y) \rvert", "the data, not the network"),
        "gradient": (r"s_j = \bigl\langle \lvert \partial y / \partial x_j \rvert \bigr\rangle", "the local slope"),
        "input_x_gradient": (r"s_j = \bigl\langle \lvert x_j \, \partial y / \partial x_j \rvert \bigr\rangle",
                             "the slope scaled by the input"),
        "smoothgrad": (r"s_j = \bigl\langle \lvert \partial y / \partial x_j (x + \varepsilon) \rvert \bigr\rangle",
                       "the slope at noisy copies of each sample"),
        "integrated_gradients": (r"s_j = \bigl\langle \lvert \mathrm{IG}_j(x) \rvert \bigr\rangle",
                                 "the slope integrated from the baseline to the input"),
        "patching": (r"s_j = \bigl\langle \lvert f(x) - f(x_{j \leftarrow \tilde x_j}) \rvert \bigr\rangle",
                     "knock one feature out (noising): necessity"),
        "denoising_patching": (r"s_j = \bigl\langle \lvert f(x'_{j \leftarrow x_j}) - f(x') \rvert \bigr\rangle",
                               "restore one feature into the reference (denoising): sufficiency"),
        "attribution_patching": (r"s_j = \bigl\langle \lvert \partial y / \partial x_j \, (\tilde x_j - x_j) \rvert "
                                 r"\bigr\rangle", "the first-order estimate of a patch"),
        "shapley": (r"s_j = \bigl\langle \lvert \phi_j(x) \rvert \bigr\rangle",
                    "the effect averaged over every coalition of the others"),
    },
    "hidden": {
        "random": (r"s_u \sim \mathcal{U}(0, 1)", "uniform random scores per unit"),
        "correlation": (r"s_u = \lvert \operatorname{corr}(h_u, y) \rvert", "the unit's activation in the data"),
        "gradient": (r"s_u = \lvert \partial y / \partial h_u \rvert = \lvert v_u \rvert", "the output weight"),
        "activation_x_gradient": (r"s_u = \bigl\langle \lvert v_u h_u \rvert \bigr\rangle",
                                  "the unit's contribution to y"),
        "patching": (r"s_u = \bigl\langle \lvert v_u (\tilde h_u - h_u) \rvert \bigr\rangle", "patch one unit"),
        "joint_patching": (r"s_u = \bigl\langle \lvert \textstyle\sum_{w \in g(u)} v_w (\tilde h_w - h_w) "
                           r"\rvert \bigr\rangle", "patch the units that read the same inputs together"),
    },
    "edge": {
        "random": (r"I_e \sim \mathcal{U}(0, 1)", "uniform random scores: the chance floor"),
        "edge_correlation": (r"I_e = \min_{u \in \{s, t\}} \lvert \operatorname{corr}(a_u, y) \rvert",
                             "its nodes' activations in the data"),
        "node_patching": (r"I_e = \min_{u \in \{s, t\}} \bigl\langle \lvert y(x;\, u \leftarrow x') - y(x) "
                          r"\rvert \bigr\rangle",
                          "patch a whole node; the smaller of its two nodes"),
        "edge_patching": (r"I_e = \bigl\langle \lvert y(x;\, e \leftarrow x') - y(x) \rvert \bigr\rangle",
                          "knock one edge out (noising): is it needed?"),
        "edge_denoising": (r"I_e = \bigl\langle \lvert y(x';\, e \leftarrow x) - y(x') \rvert \bigr\rangle",
                           "restore one edge into the reference (denoising): does it suffice?"),
        "joint_edge_patching": (r"I_e = \bigl\langle \lvert y(x;\, g(e) \leftarrow x') - y(x) \rvert \bigr\rangle",
                                "patch the edges of its kind, g(e), together"),
        "eap": (r"I_e = \bigl\langle \lvert \Delta a_s\, w_e\, \partial y / \partial z_t(x) \rvert \bigr\rangle",
                "edge patching to first order"),
        "eap_ig": (r"I_e = \bigl\langle \lvert \Delta a_s\, w_e \textstyle\int_0^1 \partial y / "
                   r"\partial z_t(x_\alpha)\, d\alpha \rvert \bigr\rangle",
                   "the gradient averaged along the path from x' to x"),
        "acdc": (r"I_e = \max\bigl(0,\ \langle \lvert y_{C \setminus e} - y \rvert \rangle - "
                 r"\langle \lvert y_C - y \rvert \rangle\bigr)",
                 "greedy pruning from the output back: what removing it from the circuit C so far moves"),
    },
}
"""Each built-in method's score as typeset maths (LaTeX, for ``$...$``) and in a few words, per
level. :func:`method_table` shows these; a method registered later (a plugin) shows its summary.
The edge level scores an edge ``e = s -> t`` of weight ``w_e``: ``a`` an activation, ``z`` a
pre-activation, ``x'`` the corrupted input, ``Δa_s = a_s(x') - a_s(x)``, ``x_α = x' + α (x - x')``,
``⟨·⟩`` the mean over the samples, ``y(x; e <- x')`` the output with ``e`` carrying its source's
activation on ``x'`` (the book's opening page of the part says so above the table)."""

SCORE_HEADINGS = {"input": "score", "hidden": "score", "edge": "score of an edge $e = s \\to t$"}
"""The heading of :func:`method_table`'s score column, per level."""


def method_table(level: str = "input") -> str:
    """A markdown table of the registered methods of ``level`` (``"input"``, ``"hidden"`` or
    ``"edge"``): name, family, its score as maths (:data:`SCORES`; ``⟨·⟩`` is the mean over the
    samples) and in words, read from the registry. A method without an entry in :data:`SCORES`
    shows its registry summary in words and no formula."""
    registry = {"input": METHODS, "hidden": HIDDEN_METHODS, "edge": EDGE_METHODS}[check_choice(level, SCORES, "level")]
    scores = SCORES[level]
    lines = [f"| method | family | {SCORE_HEADINGS[level]} | in words |", "|---|---|---|---|"]
    for m in registry.values():
        formula, words = scores.get(m.name, (None, m.summary))
        lines.append(f"| `{m.name}` | {m.family} | {f'${formula}$' if formula else '—'} | {md(words)} |")
    return "\n".join(lines)

