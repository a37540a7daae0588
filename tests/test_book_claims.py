"""The claims the intro, results and methods pages publish: every facts function holds at the
reference settings, each can be made false by doctored input, and every number the pages'
prose quotes is a value one of those functions computes."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import analysis, claims, formulas, sanity, widgets
from neurotrace.claims.facts import quoted_names
from neurotrace.methods import shapley_values

ROOT = Path(__file__).resolve().parents[1]


def doctor(results, method, regime, value):
    """``results`` with one cell's per-seed AUROCs set to ``value``."""
    auroc = results.auroc.copy()
    auroc[results.methods.index(method), results.circuits.index(regime)] = value
    return dataclasses.replace(results, auroc=auroc)


def doctor_sweep(sweep, method, strength, value):
    """``sweep`` with one method's AUROC at one grid strength set to ``value`` on every seed."""
    auroc = sweep.auroc.copy()
    auroc[sweep.methods.index(method), list(sweep.strengths).index(strength)] = value
    return dataclasses.replace(sweep, auroc=auroc)


def failed_with(facts, text):
    return [s for s in facts.failed() if text in s]


@pytest.fixture(scope="module")
def control():
    return nt.evaluate(strength=claims.CONTROL)


@pytest.fixture(scope="module")
def sweeps():
    return {name: nt.sweep(name, widgets.DEFAULT_STRENGTHS, seeds=claims.SWEEP_SEEDS) for name in nt.CIRCUITS}


@pytest.fixture(scope="module")
def hidden():
    return nt.evaluate(level="hidden", truth="task"), nt.evaluate(level="hidden", truth="effect")


@pytest.fixture(scope="module")
def check():
    return sanity.randomization_check(seeds=claims.SANITY_SEEDS, samples=claims.SANITY_SAMPLES)


@pytest.fixture(scope="module")
def methods_facts(real_results):
    return claims.methods_page(real_results)


@pytest.fixture(scope="module")
def pages(real_results, null_results, control, sweeps, hidden, check, methods_facts):
    """Each page's facts, published by the calls the page makes."""
    task, effect = hidden
    return {
        "intro": claims.table_facts(real_results) | claims.controls(control),
        "results": claims.table_facts(real_results) | claims.null_facts(null_results) | claims.sweeps_page(sweeps)
        | claims.ig_quadrature() | claims.neuron_page(task, effect) | claims.sanity_page(check, claims.SANITY_SAMPLES),
        "methods": methods_facts,
    }


# --- at the reference settings every claim holds, and the prose quotes only computed values -------------


@pytest.mark.parametrize("page", ["intro", "results", "methods"])
def test_every_claim_a_page_publishes_holds(pages, page):
    assert pages[page].failed() == []
    assert pages[page].claims


@pytest.mark.parametrize("page", ["intro", "results", "methods"])
def test_every_number_the_prose_quotes_is_a_computed_value(pages, page):
    cells = json.loads((ROOT / "book" / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"]
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    keys = set(quoted_names(prose))
    assert keys and sorted(keys - set(pages[page].values)) == []


@pytest.mark.parametrize("page", ["intro", "results", "methods"])
def test_a_page_types_no_threshold_and_hides_only_a_call_or_two(page):
    cells = json.loads((ROOT / "book" / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"]
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert not re.search(r"(?<![\d.])0\.99?(?![\d])", prose)  # holds_at / fooled_below are published
    hidden = [line for c in cells if {"remove-input", "remove-output"} <= set(c["metadata"].get("tags", []))
              for line in "".join(c["source"]).splitlines() if line.strip() and not line.startswith("#")]
    assert len(hidden) <= 4 and all("claims." in line for line in hidden)


# --- each facts function can be made false ------------------------------------------------------------


def test_table_facts_catch_an_unlisted_failure_and_a_method_fooled_nowhere(real_results):
    facts = claims.table_facts(doctor(real_results, "correlation", "suppressor", 0.6))
    assert failed_with(facts, "a method fails exactly where a regime lists it")
    assert failed_with(facts, "double dissociation")
    facts = claims.table_facts(doctor(real_results, "patching", "redundant", 1.0))
    assert failed_with(facts, "every other method is fooled on at least one regime")


def test_controls_catch_a_method_that_fails_at_strength_zero(control):
    assert claims.controls(control).failed() == []
    facts = claims.controls(doctor(control, "smoothgrad", "interaction", 0.5))
    assert failed_with(facts, "every method but the random baseline holds on every regime at strength 0")


def test_null_facts_catch_a_shifted_null(null_results):
    assert claims.null_facts(null_results).failed() == []
    auroc = null_results.auroc + 0.06  # every cell 0.06 above chance
    assert claims.null_facts(dataclasses.replace(null_results, auroc=auroc)).failed()


def test_sweeps_page_reads_the_saturation_and_the_gate(sweeps):
    facts = claims.sweeps_page(sweeps)
    assert facts.failed() == []
    # The slopes vanish on the grid one step before redundant's gate completes, with it on interaction.
    assert facts["saturated_redundant"] < facts["complete_redundant"] == facts["saturated_interaction"]
    grid = np.array(widgets.DEFAULT_STRENGTHS)
    for regime in ("redundant", "interaction"):
        curve = sweeps[regime].curve("gradient")
        assert np.all(curve[grid >= facts[f"saturated_{regime}"]] == 0.5)
        assert curve[grid < facts[f"saturated_{regime}"]].min() >= claims.HOLDS_AT


def test_sweeps_page_catches_a_slope_method_that_falls_early_and_a_broken_control(sweeps):
    doctored = dict(sweeps, redundant=doctor_sweep(sweeps["redundant"], "gradient", 0.3, 0.5))
    assert failed_with(claims.sweeps_page(doctored), "gradient holds on redundant before the slopes vanish")
    doctored = dict(sweeps, suppressor=doctor_sweep(sweeps["suppressor"], "shapley", 2.0, 0.8))
    assert failed_with(claims.sweeps_page(doctored), "shapley holds on suppressor at every strength of the grid")
    doctored = dict(sweeps, confounded=doctor_sweep(sweeps["confounded"], "correlation", 1.0, 0.95))
    assert failed_with(claims.sweeps_page(doctored), "correlation is fooled on confounded from strength")


def test_switch_sweeps_catch_a_step_before_the_gate_is_complete(sweeps):
    switches = {r: sweeps[r] for r in ("redundant", "interaction")}
    assert claims.switch_sweeps(switches).failed() == []
    switches["redundant"] = doctor_sweep(switches["redundant"], "patching", 0.4, 0.75)
    assert claims.switch_sweeps(switches).failed() == [
        "patching holds before redundant's gate is complete and is fooled from then on"]


def test_ig_quadrature_is_false_where_64_nodes_suffice():
    assert claims.ig_quadrature().failed() == []
    assert claims.ig_quadrature((1.0,), seeds=2).failed() == [
        "64-node IG is fooled on the suppressor at strength 1"]


def test_neuron_page_holds_and_catches_a_wrong_verdict(hidden):
    task, effect = hidden
    facts = claims.neuron_page(task, effect)
    assert facts.failed() == []
    assert facts["gate_single_low"] > facts["causal_single_high"] > facts["causal_single_low"]
    assert facts["causal_single_low"] > facts["pair_joint_high"]  # a pair, patched as one, moves y least
    facts = claims.neuron_page(doctor(task, "correlation", "redundant", 1.0),
                               doctor(effect, "patching", "suppressor", 0.5))
    assert failed_with(facts, "unit correlation is fooled on redundant")
    assert failed_with(facts, "unit patching holds against the individual-effect truth")
    assert failed_with(claims.neuron_facts(doctor(task, "joint_patching", "suppressor", 0.5), effect),
                       "joint patching holds against the task circuit")


def test_neuron_table_counts_the_units_the_truths_name():
    row = claims.neuron_table(["suppressor"]).splitlines()[-1]
    c = nt.make_circuit("suppressor")
    task, effect = nt.hidden_truth(c, "task"), nt.hidden_truth(c, "effect")
    assert row.startswith(f"| suppressor | {task.sum()} | {effect.sum()} |")
    gates = effect & ~task
    assert gates.sum() == 4 and row.split("|")[6].strip() == str(gates.sum() // 2)  # two cancelling pairs


def test_sanity_page_holds_and_catches_an_unchanged_map(check):
    facts = claims.sanity_page(check, claims.SANITY_SAMPLES)
    assert facts.failed() == []
    rank_corr = check.rank_corr.copy()
    rank_corr[check.methods.index("gradient")] = 1.0  # gradient's map survives the re-draw
    facts = claims.sanity_facts(dataclasses.replace(check, rank_corr=rank_corr))
    assert failed_with(facts, "no model-reading map keeps a rank correlation")
    auroc = check.auroc.copy()
    auroc[:, :, check.layers.index("v")] = 0.5  # re-drawing v alone destroys as much as W
    facts = claims.sanity_page(dataclasses.replace(check, auroc=auroc), claims.SANITY_SAMPLES)
    assert failed_with(facts, "re-drawing v alone leaves every causal method a higher AUROC")


def test_methods_page_quotes_its_own_computations(methods_facts):
    f = methods_facts
    assert f["gap_1"] > f["gap_2"] > f["gap_3"] > f["gap_4"] and f["gap_default_steep"] > f["gap_1"]
    assert f["sg_reach_interaction"] > 0 == f["sg_reach_redundant"]
    assert 0 < f["flat_from_redundant"] < f["flat_from_interaction"] <= nt.CIRCUITS["interaction"].complete
    assert f["n_coalitions_max"] < f["n_coalitions_all"] == 2 ** f["n_features"]


def test_methods_page_catches_doctored_aurocs(real_results):
    table = doctor(doctor(real_results, "smoothgrad", "interaction", 0.5), "attribution_patching", "suppressor", 0.8)
    facts = claims.methods_page(table)
    assert failed_with(facts, "SmoothGrad holds on interaction and is fooled on redundant")
    assert failed_with(facts, "attribution patching scores the suppressor exactly as gradient saliency does")


# --- the calculations the methods page compares against ------------------------------------------------


def test_shapley_by_enumeration_is_exact_on_a_linear_network(linear3, X3):
    # f linear: phi_j(x) = (v @ W)_j x_j against the all-zeros reference, exactly.
    phi = formulas.shapley_values(linear3, X3[:5])
    assert np.allclose(phi, X3[:5] * np.array([3.0, -2.0, 0.0]), atol=1e-12)
    c = nt.make_circuit("redundant")
    X = analysis.default_data(c)[:4]
    assert np.allclose(formulas.shapley_values(c, X), shapley_values(c, X), atol=1e-12)


def test_smoothgrad_copies_are_the_draws_smoothgrad_averages():
    c = nt.make_circuit("suppressor")
    X = analysis.default_data(c)
    copies = analysis.smoothgrad_copies(c, X)
    mean_slope = np.abs(c.gradient(copies.reshape(-1, c.n_features))).mean(axis=0)
    assert np.allclose(mean_slope, nt.attribute("smoothgrad", c, X, rng=nt.make_rng("method", "smoothgrad", 0)))


def test_slope_reach_and_gate_margin(tiny):
    step = tiny([[40.0]], b=[-20.0], activation="tanh")  # saturated unless x is near 0.5
    assert analysis.slope_reach(step, [[5.0], [-5.0]]) == 0.0
    assert analysis.slope_reach(step, [[0.5], [5.0]]) == 0.5
    assert analysis.gate_margin(step, [[1.0], [2.0]]) == pytest.approx(0.5)
