"""The neuron level: how the hidden units act (one at a time and in groups), the two hidden truths
(``evaluate(level="hidden", truth="task")`` and ``truth="effect"``) and where they part.

book/results.ipynb publishes :func:`neuron_page` and shows :func:`neuron_table`; ``neurotrace table
--level hidden`` prints :func:`cancellation`.
"""

from __future__ import annotations

import numpy as np

from ..analysis import default_data, unit_effects
from ..circuits import CIRCUITS, make_circuit
from ..hidden import task_units
from ..methods import abs_correlation
from ._shared import cell_mean, opposite_gate_pairs
from .expectations import HOLDS_AT, STRENGTH, verdict
from .facts import Facts

SINGLE_UNIT_METHODS = ("gradient", "activation_x_gradient", "patching")  # each asks about one unit alone


def _dead_units(circuit) -> np.ndarray:
    """The units that read a causal feature but have output weight 0: ``(n_hidden,)`` bool."""
    return (circuit.W[:, circuit.causal] != 0).any(axis=1) & (circuit.v == 0)


def unit_summary(regime: str, strength: float = STRENGTH, seed: int = 0) -> dict:
    """How the hidden units of ``regime`` act, one at a time and in groups (seed ``seed``).

    Counts: ``task`` (units in the task circuit), ``effect`` (units with an individual
    effect), ``alone`` (units whose single patch moves the output), ``only_jointly`` (units
    that move it only patched with their group), ``cancelling`` (groups of several units whose
    joint patch moves the output less than any member's single patch), ``dead`` (units that
    read a causal feature but have output weight 0).
    """
    circuit = make_circuit(regime, strength=strength, seed=seed)
    u = unit_effects(circuit)
    groups = u["group"]
    cancelling = 0
    for g in np.unique(groups):
        members = groups == g
        if members.sum() > 1 and u["joint"][members].max() < u["single"][members].min():
            cancelling += 1
    return {
        "task": int(u["task"].sum()), "effect": int(u["effect"].sum()), "alone": int((u["single"] > 0).sum()),
        "only_jointly": int(((u["single"] == 0) & (u["joint"] > 0)).sum()), "cancelling": cancelling,
        "dead": int(_dead_units(circuit).sum()),
    }


def cancellation(regime: str = "suppressor", strength: float = STRENGTH, seed: int = 0) -> dict:
    """The units of ``regime`` that cancel: each has an individual effect but is not in the task
    circuit (the suppressor's gates), with their single-unit and joint patches (seed ``seed``).

    Returns ``units`` (:func:`analysis.unit_effects`), ``cancelling_units`` (bool mask),
    ``n_gates``, ``n_pairs`` (their groups), and the ranges ``gate_single_low/high`` (each
    gate patched alone), ``causal_single_low/high`` (each task unit alone) and
    ``pair_joint_low/high`` (each group patched together). ``n_gates`` is 0 where nothing cancels.
    """
    u = unit_effects(make_circuit(regime, strength=strength, seed=seed))
    gates = u["effect"] & ~u["task"]
    groups = np.unique(u["group"][gates])
    joint = np.array([u["joint"][u["group"] == g][0] for g in groups])
    nan = float("nan")
    return {
        "units": u, "cancelling_units": gates, "n_gates": int(gates.sum()), "n_pairs": len(groups),
        "gate_single_low": float(u["single"][gates].min()) if gates.any() else nan,
        "gate_single_high": float(u["single"][gates].max()) if gates.any() else nan,
        "causal_single_low": float(u["single"][u["task"]].min()),
        "causal_single_high": float(u["single"][u["task"]].max()),
        "pair_joint_low": float(joint.min()) if len(joint) else nan,
        "pair_joint_high": float(joint.max()) if len(joint) else nan,
    }


def neuron_table(regimes=None) -> str:
    """A markdown table of :func:`unit_summary` for every regime (seed 0, strength 1)."""
    regimes = tuple(CIRCUITS) if regimes is None else tuple(regimes)
    heads = ("task circuit", "individual effect", "move y alone", "move y only jointly", "cancelling groups",
             "dead (read a cause, weight 0)")
    lines = ["| regime | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for regime in regimes:
        s = unit_summary(regime)
        lines.append(f"| {regime} | {s['task']} | {s['effect']} | {s['alone']} | {s['only_jointly']} | "
                     f"{s['cancelling']} | {s['dead']} |")
    return "\n".join(lines)


def neuron_facts(task, effect) -> Facts:
    """The neuron level: the two hidden truths and where they part (``evaluate(level="hidden",
    truth="task")`` and ``truth="effect"``).

    Values: every cell as ``hidden_<method>_<regime>`` (task) and ``effect_<method>_<regime>``;
    on the suppressor, seed 0, each gate's and each causal unit's single-unit patch, and each
    gate pair's joint patch (``gate_single_low/high``, ``causal_single_low/high``,
    ``pair_joint_low/high``). Claims: the truths part only where units cancel (the
    suppressor); there each gate alone moves the output more than any causal unit while each
    pair moves it less; the single-unit methods hold against the individual-effect truth and
    score chance against the task circuit; joint patching holds against the task circuit on
    every regime; on redundant and interaction every unit that moves the output does so alone.
    """
    values, claims = {}, {}
    for results, prefix in ((task, "hidden"), (effect, "effect")):
        for method in results.methods:
            for regime in results.circuits:
                values[f"{prefix}_{method}_{regime}"] = cell_mean(results, method, regime)
    supp = make_circuit("suppressor")
    cancel = cancellation("suppressor")
    values.update({k: v for k, v in cancel.items() if not isinstance(v, np.ndarray)})
    gates, u = cancel["cancelling_units"], cancel["units"]
    values.update({"gate_v": float(np.abs(supp.v[gates]).min()),
                   "causal_v_max": float(np.abs(supp.v[u["task"]]).max())})
    units = {r: unit_effects(make_circuit(r)) for r in CIRCUITS}
    parted = [r for r in CIRCUITS if not np.array_equal(units[r]["task"], units[r]["effect"])]
    values["truths_part_on"] = ", ".join(parted)
    claims["the two hidden truths part only on the suppressor (seed 0)"] = parted == ["suppressor"]
    claims["on the suppressor each gate alone moves the output more than any causal unit (seed 0)"] = \
        cancel["gate_single_low"] > cancel["causal_single_high"]
    claims["patched with its partner, each gate pair moves it less than any causal unit (seed 0)"] = \
        cancel["pair_joint_high"] < float(u["joint"][u["task"]].min())
    for method in SINGLE_UNIT_METHODS:
        if method in task.methods and method in effect.methods:
            claims[f"unit {method} holds against the individual-effect truth on every regime"] = \
                min(cell_mean(effect, method, r) for r in effect.circuits) >= HOLDS_AT
            claims[f"unit {method} scores chance against the task circuit on the suppressor"] = \
                cell_mean(task, method, "suppressor") == 0.5
    if "joint_patching" in task.methods:
        claims["joint patching holds against the task circuit on every regime"] = \
            min(cell_mean(task, "joint_patching", r) for r in task.circuits) >= HOLDS_AT
    for regime in ("redundant", "interaction"):
        s = unit_summary(regime)
        values[f"dead_{regime}"] = s["dead"]
        claims[f"on {regime} every unit that moves the output does so alone, none only jointly"] = \
            s["only_jointly"] == 0 and s["alone"] == s["effect"] == s["task"]
    return Facts(values, claims)


def _unit_corr(circuit) -> np.ndarray:
    """Each hidden unit's ``|corr(h_u, y)|`` on evaluate's data (seed 0): unit correlation's scores."""
    X = default_data(circuit)
    return abs_correlation(circuit.hidden(X), circuit.forward(X))


def neuron_page(task, effect) -> Facts:
    """The results page's neuron level: :func:`neuron_facts` and what unit correlation does there.

    Values (seed 0): on the suppressor the gates' largest ``|corr(h_u, y)|`` and the causal
    units' smallest (``gate_corr_high``, ``causal_corr_low``); on redundant and interaction the
    dead units' largest and the task units' smallest (``dead_corr_high_<regime>``,
    ``task_corr_low_<regime>``). Claims: the two truths split unit correlation on the
    suppressor (it holds against the task circuit, not against the individual effects) because
    every gate correlates with the output less than any causal unit; on redundant and
    interaction a dead unit correlates at least as much as a task unit, which pulls unit
    correlation below HOLDS_AT (fooled on redundant), while the unit gradient (|v| = 0 for a
    dead unit) holds.
    """
    facts = neuron_facts(task, effect)
    values, claims = {}, {}
    supp = make_circuit("suppressor")
    cancel = cancellation("suppressor")
    u, gates, corr = cancel["units"], cancel["cancelling_units"], _unit_corr(supp)
    values["gate_corr_high"], values["causal_corr_low"] = float(corr[gates].max()), float(corr[u["task"]].min())
    claims["on the suppressor each decoy feeds a pair of gates with equal and opposite output weights (seed 0)"] = \
        opposite_gate_pairs(supp)
    claims["on the suppressor every gate has a larger output weight |v| than every causal unit (seed 0)"] = \
        facts["gate_v"] > facts["causal_v_max"]
    claims["on the suppressor every gate correlates with the output less than every causal unit (seed 0)"] = \
        values["gate_corr_high"] < values["causal_corr_low"]
    if "correlation" in task.methods and "correlation" in effect.methods:
        claims["unit correlation holds against the task circuit on the suppressor"] = \
            cell_mean(task, "correlation", "suppressor") >= HOLDS_AT
        claims["unit correlation falls below the holding bar against the individual effects on the suppressor"] = \
            cell_mean(effect, "correlation", "suppressor") < HOLDS_AT
    for regime in ("redundant", "interaction"):
        c = make_circuit(regime)
        corr, live, dead = _unit_corr(c), task_units(c), _dead_units(c)
        values[f"dead_corr_high_{regime}"] = float(corr[dead].max()) if dead.any() else float("nan")
        values[f"task_corr_low_{regime}"] = float(corr[live].min())
        claims[f"on {regime} a dead unit correlates with the output at least as much as a task unit (seed 0)"] = \
            bool(dead.any()) and corr[dead].max() >= corr[live].min()
        if "correlation" in task.methods:
            claims[f"unit correlation falls below the holding bar on {regime}"] = \
                cell_mean(task, "correlation", regime) < HOLDS_AT
        if "gradient" in task.methods:
            claims[f"the unit gradient holds on {regime}"] = cell_mean(task, "gradient", regime) >= HOLDS_AT
    if "correlation" in task.methods:
        claims["unit correlation is fooled on redundant"] = \
            verdict(cell_mean(task, "correlation", "redundant")) == "fooled"
    return facts | Facts(values, claims)
