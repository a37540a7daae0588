"""neurotrace.claims: the thresholds written once, the expectations every cell must meet, the
controls at strength 0, the completeness of each regime's ``fools``, and why a failure happens."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import claims, widgets

ROOT = Path(__file__).resolve().parents[1]


# --- the thresholds are written once -------------------------------------------------------------


def _sources():
    """Every source a claim could hide in: library, evals, benchmarks, the book's code cells."""
    for path in sorted([*ROOT.glob("neurotrace/**/*.py"), *ROOT.glob("evals/*.py"), *ROOT.glob("benchmarks/*.py")]):
        yield path, path.read_text(encoding="utf-8")
    for path in sorted(ROOT.glob("book/**/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield path, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_the_thresholds_are_compared_against_in_one_module_only():
    # A threshold is a literal 0.9 or 0.99 next to a comparison; only claims/expectations.py may hold one.
    home = ROOT / "neurotrace" / "claims" / "expectations.py"
    threshold = re.compile(r"[<>]=?\s*0\.99?(?![\d])|(?<![\d.])0\.99?\s*[<>]")
    found = [f"{path.relative_to(ROOT)}: {line.strip()}"
             for path, text in _sources() if path != home
             for line in text.splitlines() if threshold.search(line)]
    assert found == []
    text = home.read_text(encoding="utf-8")
    assert re.search(r"^HOLDS_AT = 0\.99$", text, re.M) and re.search(r"^FOOLED_BELOW = 0\.9$", text, re.M)


def test_verdict_and_expectation():
    assert claims.verdict(claims.HOLDS_AT) == "holds"
    assert claims.verdict(np.nextafter(claims.FOOLED_BELOW, 0)) == "fooled"
    assert claims.verdict(claims.FOOLED_BELOW) == "between"
    assert claims.expectation("redundant", "gradient", "proxy", claims.CONTROL) == "holds"
    assert claims.expectation("redundant", "gradient", "proxy", 1.0) == "fooled"
    assert claims.expectation("redundant", "denoising_patching", "causal", 1.0) == "holds"
    assert claims.expectation("redundant", "gradient", "proxy", 0.25) is None  # the rise: no claim
    assert claims.expectation("clean", "random", "baseline", 1.0) == "chance"


# --- the registry: readable without building, and complete ------------------------------------------


def test_a_regime_states_its_claims_without_building_a_circuit(monkeypatch):
    def no_building(*args, **kwargs):
        raise AssertionError("built a circuit")

    monkeypatch.setattr(nt.circuits, "make_circuit", no_building)
    for name, regime in nt.CIRCUITS.items():
        assert regime.name == name and regime.description
        assert list(regime.fools) == [m for m in regime.fools if m in nt.METHODS]
        assert all(isinstance(reason, str) and len(reason) > 20 for reason in regime.fools.values())
        assert regime.target == (next(iter(regime.fools)) if regime.fools else None)
    assert claims.regime_table().count("\n") == len(nt.CIRCUITS) + 1
    with pytest.raises(TypeError):
        nt.CIRCUITS["redundant"].fools["shapley"] = "no"  # read-only


def test_a_built_circuit_carries_its_regime_claims():
    for name, regime in nt.CIRCUITS.items():
        c = nt.make_circuit(name, strength=0.5, seed=3)
        assert c.fools == tuple(regime.fools) and c.description == regime.description


@pytest.fixture(scope="module")
def control():
    """Every method on every regime at the control strength 0, 16 seeds x 512 samples."""
    return nt.evaluate(strength=claims.CONTROL)


def test_every_regime_has_a_real_control_at_strength_zero(control):
    assert claims.cell_failures(control) == []
    mean = control.mean()
    for i, method in enumerate(control.methods):
        if method != "random":
            assert mean[i].min() >= claims.HOLDS_AT, method
    facts = claims.controls(control)
    assert facts.failed() == [] and facts["control_min"] >= claims.HOLDS_AT
    assert facts["same_as_clean"] == "confounded, suppressor"  # the decoy regimes are then exactly clean


def test_fools_names_every_failure_at_strength_one(real_results):
    where = claims.fooled_where(real_results)
    for method, regimes in where.items():
        if method != "random":  # the chance baseline sits near 0.5 everywhere, listed nowhere
            assert regimes == claims.listed_where(method, real_results.circuits), method
    assert where["gradient"] == ("suppressor", "redundant", "interaction")
    assert where["correlation"] == ("confounded",)


def test_the_band_meets_the_fools_at_every_strength():
    for strength in claims.BAND:
        if strength != 1.0:
            assert claims.cell_failures(nt.evaluate(strength=strength)) == [], strength


# --- the checks fail when they should ---------------------------------------------------------------


def doctor(results, method, regime, value, **changes):
    auroc = results.auroc.copy()
    auroc[results.methods.index(method), results.circuits.index(regime)] = value
    return dataclasses.replace(results, auroc=auroc, **changes)


def test_a_failed_control_is_named_as_such(control):
    # The switch regimes before the redesign: gradient at exactly 0.5 on redundant at strength 0.
    bad = claims.cell_failures(doctor(control, "gradient", "redundant", 0.5))
    assert bad == [f"gradient on redundant at strength 0: 0.500 should be >= {claims.HOLDS_AT} "
                   "(strength 0 is the control: every method should recover the circuit)"]


def test_an_unlisted_failure_is_named_as_such(real_results):
    bad = claims.cell_failures(doctor(real_results, "smoothgrad", "interaction", 0.5))
    assert bad == [f"smoothgrad on interaction at strength 1: 0.500 should be >= {claims.HOLDS_AT} "
                   "(an unlisted failure: interaction's fools does not name smoothgrad)"]
    facts = claims.table_facts(doctor(real_results, "smoothgrad", "interaction", 0.5))
    assert len(facts.failed()) == 1 and facts.failed()[0].startswith("every cell meets its expectation")


def test_a_listed_method_that_holds_is_flagged(real_results):
    bad = claims.cell_failures(doctor(real_results, "patching", "redundant", 1.0))
    assert bad == [f"patching on redundant at strength 1: 1.000 should fall below {claims.FOOLED_BELOW} "
                   "(the regime lists patching in its fools)"]


def test_the_table_facts_hold_and_each_dissociation_can_fail(real_results):
    assert claims.table_facts(real_results).failed() == []
    broken = claims.table_facts(doctor(real_results, "gradient", "confounded", 0.6))
    assert any(s.startswith("double dissociation") for s in broken.failed())
    broken = claims.table_facts(doctor(real_results, "shapley", "interaction", 0.95))
    assert any(s.startswith("necessity vs sufficiency") for s in broken.failed())
    assert any("hold on every regime" in s for s in broken.failed())


def test_null_facts(null_results):
    assert claims.null_facts(null_results).failed() == []
    drifted = doctor(null_results, "gradient", "suppressor", 0.6)
    assert len(claims.null_facts(drifted).failed()) == 1


# --- Facts -----------------------------------------------------------------------------------------


def test_facts_hold_plain_values_and_refuse_false_claims():
    facts = claims.Facts({"x": np.float64(0.25), "n": np.int64(3)}, {"true": np.bool_(True)})
    assert type(facts["x"]) is float and type(facts["n"]) is int and facts.claims == {"true": True}
    assert facts.check() is facts
    both = facts | claims.Facts({"y": "f6"}, {"the decoy wins": False})
    assert both["y"] == "f6" and both.failed() == ["the decoy wins"]
    with pytest.raises(claims.ClaimError, match="1 claim\\(s\\) do not hold: the decoy wins"):
        both.check()
    with pytest.raises(claims.ClaimError):
        both.publish()  # nothing is published when a claim is false


class _Shell:
    """What Facts.publish needs of IPython's shell: the notebook's namespace."""

    def __init__(self, **names):
        self.user_ns = dict(names)


def test_publish_names_the_values_for_the_prose_and_refuses_false_claims_and_clashes(monkeypatch):
    import IPython

    shell = _Shell(results="the notebook's own variable")
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    facts = claims.Facts({"x": np.float64(0.25), "where": "f6 and f7"}, {"true": True})
    assert facts.publish() is facts
    assert shell.user_ns["x"] == 0.25 and type(shell.user_ns["x"]) is float and shell.user_ns["where"] == "f6 and f7"
    # the same cell run again re-publishes; what a sentence reads follows the newer value
    claims.Facts({"x": 0.5}).publish()
    assert shell.user_ns["x"] == 0.5
    # a false claim publishes nothing
    with pytest.raises(claims.ClaimError):
        claims.Facts({"y": 1.0}, {"false": False}).publish()
    assert "y" not in shell.user_ns
    # a value may not take a notebook variable's name, nor a built-in's
    with pytest.raises(ValueError, match="cannot publish results"):
        claims.Facts({"results": 1.0}).publish()
    with pytest.raises(ValueError, match="cannot publish max"):
        claims.Facts({"max": 1.0}).publish()
    assert shell.user_ns["results"] == "the notebook's own variable"


def test_publish_outside_a_notebook_only_checks(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    facts = claims.Facts({"x": 1.0}, {"true": True})
    assert facts.publish() is facts


def test_a_publish_cell_shows_one_line():
    from IPython.lib.pretty import pretty

    shown = pretty(claims.Facts({"a": 1, "b": 2.0}, {"one": True, "two": True}))
    assert shown == "2 numbers and names for the text on this page; 2 claims checked, all true."


def test_quoted_names_reads_the_eval_roles_and_refuses_other_expressions():
    from neurotrace.claims.facts import EVAL_NAME_REGEX, quoted_names

    text = 'up to {eval}`f"{decoy_grad:.2f}"` over {eval}`seeds` seeds, {eval}`f"{share:.0%}"` of {eval}`fooled`'
    assert quoted_names(text) == ["decoy_grad", "seeds", "share", "fooled"]
    for bad in ("1 + 2", "results.mean()", 'f"{a} and {b}"', "__import__('os')"):
        assert not re.match(EVAL_NAME_REGEX, bad)
        with pytest.raises(ValueError, match="expected a name"):
            quoted_names(f"{{eval}}`{bad}`")


# --- phase diagrams and why a method fails -------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in nt.CIRCUITS if n != "clean"])
def test_phase_facts(name):
    sweep = nt.sweep(name, widgets.DEFAULT_STRENGTHS, seeds=claims.SWEEP_SEEDS)
    facts = claims.phase(sweep)
    assert facts.failed() == []
    assert facts["target"] == nt.CIRCUITS[name].target
    assert claims.CONTROL <= facts["holds_until"] < facts["breaks_at"] <= 1.0
    curve = sweep.curve(facts["target"])
    assert curve[sweep.strengths == facts["breaks_at"]][0] < claims.FOOLED_BELOW


def test_a_phase_with_a_broken_control_is_false():
    sweep = nt.sweep("redundant", [0.0, 1.0], seeds=2)
    auroc = sweep.auroc.copy()
    auroc[sweep.methods.index("gradient"), 0] = 0.5
    failed = claims.phase(dataclasses.replace(sweep, auroc=auroc)).failed()
    assert failed == ["gradient holds at the control strength 0 of redundant"]


def test_explain_gives_the_listed_reason_or_a_diagnosis():
    assert claims.explain("redundant", "gradient", 1.0) == nt.CIRCUITS["redundant"].fools["gradient"]
    reason = claims.explain("suppressor", "integrated_gradients", 3.0)
    assert reason.startswith("quadrature error") and "exact rule scores 1.00" in reason
    assert claims.explain("clean", "patching", 1.0).startswith("not a failure clean is built to cause")


def test_every_failure_the_explorer_can_show_has_a_reason():
    # The live explorer's range: 0 to 3 in steps of 0.05, seed 0, every regime and method.
    for name in nt.CIRCUITS:
        for strength in np.round(np.arange(0.0, 3.0001, 0.05), 2):
            shot = widgets.first_seed(name, float(strength))
            for method, value in widgets.aurocs(shot).items():
                if value < claims.FOOLED_BELOW and method != "random":
                    why = claims.explain(name, method, float(strength))
                    assert not why.startswith("not a failure"), (name, strength, method, value)
