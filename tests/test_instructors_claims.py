"""The instructor's guide (``claims.instructors_page``) and "Evaluate your own method"
(``claims.your_method_page``, ``claims.captum_section``), and the pages that publish them.

Each fact a page quotes is recomputed here another way (the widgets' slider frames, seed 0, the
exercise registry, the reference table) and the pages are checked to quote only published facts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import claims, exercises, widgets
from neurotrace.claims import instructors
from neurotrace.claims._shared import decoys_on_top
from neurotrace.claims.facts import quoted_names
from neurotrace.exercises import solutions

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "instructors.ipynb"


@pytest.fixture(scope="module")
def facts():
    return claims.instructors_page(widgets.DEFAULT_STRENGTHS)


@pytest.fixture(scope="module")
def table():
    return nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH)


def test_every_claim_of_the_guide_holds(facts):
    assert facts.failed() == []
    assert len(facts.claims) > 30  # the merged pages' claims and the guide's own


def test_slider_readings_are_what_the_static_slider_shows(facts):
    """Each target's reading equals the widgets' frames (seed 0), frame by frame."""
    grid = widgets.DEFAULT_STRENGTHS
    assert facts["strength_max"] == max(grid) and facts["n_frames"] == len(grid)
    for regime in ("confounded", "suppressor", "redundant", "interaction"):
        target = nt.CIRCUITS[regime].target
        assert facts[f"slider_target_{regime}"] == target
        curve = [widgets.aurocs(widgets.first_seed(regime, s))[target] for s in grid]
        perfect, slips = facts[f"slider_perfect_{regime}"], facts[f"slider_slips_{regime}"]
        fooled, top_from = facts[f"slider_fooled_{regime}"], facts[f"slider_top_from_{regime}"]
        for s, a in zip(grid, curve, strict=True):
            assert (a == 1.0) == (s <= perfect), (regime, s, a)
            assert (a < claims.FOOLED_BELOW) == (s >= fooled), (regime, s, a)
            assert (a == curve[-1]) == (s >= top_from), (regime, s, a)
        assert slips == min(s for s, a in zip(grid, curve, strict=True) if a < 1.0)
        assert facts[f"slider_top_{regime}"] == curve[-1]
        steady = facts[f"slider_steady_{regime}"].split(", ")
        assert target not in steady
        for method in steady:
            assert all(widgets.aurocs(widgets.first_seed(regime, s))[method] == 1.0 for s in grid)
    ig = [widgets.aurocs(widgets.first_seed("suppressor", s))["integrated_gradients"] for s in grid]
    assert facts["ig_slider_min"] == min(ig)


def test_slider_claims_can_fail():
    """On frames that stop before the decoy bites, the target is never fooled: the claim is false."""
    early = instructors._slider_facts(["confounded", "redundant"], (0.0, 0.1))
    assert len(early.failed()) == 3  # confounded, redundant: never fooled; redundant: never falls at 0.5
    assert np.isnan(early["slider_fooled_confounded"])


def test_auroc_counts(facts, table):
    supp = nt.make_circuit("suppressor")
    n_causal = int(supp.causal.sum())
    n_other = supp.n_features - n_causal
    n_decoy = int(supp.decoy.sum())
    assert (facts["n_causal"], facts["n_other"], facts["n_decoy"]) == (n_causal, n_other, n_decoy)
    # Both decoys above every cause, all else in order: each (decoy, cause) pair lost.
    pairs_lost = n_decoy * n_causal
    assert facts["decoys_on_top"] == 1 - pairs_lost / (n_causal * n_other)
    assert float(table.cell("correlation", "confounded").mean()) == facts["decoys_on_top"]
    assert float(table.cell("gradient", "suppressor").mean()) == facts["decoys_on_top"]
    # Redundant: the backups score 0 with the noise; a tied (backup, other) pair counts one half.
    red = nt.make_circuit("redundant")
    backups = len(nt.analysis.switch_pairs(red))
    assert facts["n_backups"] == backups
    assert facts["noising_tie"] == (n_causal * n_other - 0.5 * backups * n_other) / (n_causal * n_other)
    assert float(table.cell("patching", "redundant").mean()) == facts["noising_tie"]


def test_causal_methods_fooled(facts, table):
    mean = table.mean()
    fooled = [(m, r) for i, m in enumerate(table.methods) for j, r in enumerate(table.circuits)
              if nt.METHODS[m].family == "causal" and mean[i, j] < claims.FOOLED_BELOW]
    assert facts["causal_fooled"] == "; ".join(f"{m} on {r} ({table.cell(m, r).mean():.3f})" for m, r in fooled)
    assert {m for m, _ in fooled} == {"patching", "denoising_patching"}


def test_exercise_facts():
    facts = instructors._exercise_facts()
    assert facts.failed() == []
    assert facts["minutes_all"] == sum(e.minutes for e in exercises.EXERCISES)
    for e in exercises.EXERCISES:
        assert facts[f"minutes_{e.number}"] == e.minutes and facts[f"difficulty_{e.number}"] == e.difficulty
    # Exercise 2: the quoted step count is the first whose gap is below the tolerance.
    circuit = nt.make_circuit("suppressor")
    X = circuit.sample(256, nt.make_rng("exercise 2", 0))
    base = np.zeros(circuit.n_features)

    def gap(steps):
        return exercises.completeness_gap(circuit, X, base, solutions.integrated_gradients(circuit, X, base, steps))

    enough = facts["steps_enough"]
    assert gap(enough) < facts["gap_tol"] <= gap(claims.IG_STEPS[claims.IG_STEPS.index(enough) - 1])
    assert facts["gap"] == gap(facts["gap_steps"])
    # Exercise 4, going further: IG on the bump is what evaluate gives with the solution registered.
    with exercises.registered_circuit("baseline_bump", solutions.baseline_bump_decoy):
        bump = nt.evaluate("integrated_gradients", "baseline_bump", seeds=facts["bump_seeds"])
    assert facts["bump_integrated_gradients"] == float(bump.mean()[0, 0])
    assert "baseline_bump" not in nt.CIRCUITS and "mean_patching" not in nt.METHODS  # nothing left behind


def test_suppressor_decoys_have_a_smaller_real_effect(facts, table):
    supp = nt.make_circuit("suppressor")
    patch = table.importances[table.methods.index("patching"), table.circuits.index("suppressor")]
    ratio = patch[:, supp.decoy].max(axis=1) / patch[:, supp.causal].min(axis=1)
    assert facts["decoy_ratio_max"] == ratio.max() and facts["decoy_ratio_mean"] == ratio.mean()
    assert 0 < ratio.min() and ratio.max() < 1


# --- the page quotes only published facts, and keeps its code to a line or two ----------------------


def _page():
    return json.loads(PAGE.read_text(encoding="utf-8"))


def test_page_quotes_only_published_facts(facts):
    text = "".join("".join(c["source"]) for c in _page()["cells"] if c["cell_type"] == "markdown")
    keys = set(quoted_names(text))
    assert keys, "the guide quotes no numbers?"
    assert keys <= set(facts.values), sorted(keys - set(facts.values))
    # no threshold typed into the prose: it is published
    assert not re.search(r"(?<![\d.])0\.99?(?!\d)", re.sub(r"\{eval\}`[^`]*`", "", text))


def test_page_has_one_hidden_line_of_code_and_no_asserts():
    code = ["".join(c["source"]) for c in _page()["cells"] if c["cell_type"] == "code"]
    assert len(code) == 1
    lines = [ln for ln in code[0].splitlines() if ln.strip() and not ln.startswith(("import ", "from ", "#"))]
    assert len(lines) == 1 and "instructors_page" in lines[0] and ".publish()" in lines[0]
    assert "assert" not in code[0]


def test_page_lists_every_regime_page_in_the_glance_and_the_lessons():
    text = "".join("".join(c["source"]) for c in _page()["cells"] if c["cell_type"] == "markdown")
    glance = text.split("## The pages at a glance", 1)[1].split("\n## ", 1)[0]
    sixty = text.split("## A 60-minute lesson", 1)[1].split("\n## ", 1)[0]
    for regime in nt.CIRCUITS:
        assert f"({regime}.ipynb)" in glance and f"({regime}.ipynb)" in sixty, regime
    assert "launch button" not in text.lower()


# --- "Evaluate your own method" -------------------------------------------------------------------


def abs_weight(circuit, X, rng):
    return np.abs(circuit.v) @ np.abs(circuit.W)


STRENGTHS = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)  # the page's sweep


@pytest.fixture(scope="module")
def own():
    with exercises.registered_method("abs_weight", abs_weight):
        results = nt.evaluate()
        curve = nt.sweep("suppressor", STRENGTHS, methods=["abs_weight", "gradient", "patching"])
    return results, curve


def test_your_method_page_reads_the_weights_method(own):
    results, curve = own
    facts = claims.your_method_page(results, curve)
    assert facts.failed() == []
    supp = nt.make_circuit("suppressor")
    assert facts["abs_weight_suppressor"] == decoys_on_top(supp)  # both decoys on top
    assert facts["abs_weight_fooled_by"] == "suppressor"
    weights = abs_weight(supp, None, None)
    assert facts["decoy_weight"] == weights[supp.decoy].max() > facts["causal_weight"] == weights[supp.causal].max()
    for method in ("abs_weight", "gradient"):  # the first strength from which it stays below the bar
        below = curve.curve(method) < claims.FOOLED_BELOW
        first = next(k for k in range(len(below)) if below[k:].all())
        assert facts[f"{method}_breaks"] == STRENGTHS[first]
    assert facts["abs_weight_breaks"] < facts["gradient_breaks"]


def test_your_method_page_claims_fail_for_a_method_that_is_not_fooled():
    def net_effect(circuit, X, rng):
        return nt.attribute("patching", circuit, X, rng=rng)

    with exercises.registered_method("abs_weight", net_effect, family="causal"):
        results = nt.evaluate(seeds=2)
        curve = nt.sweep("suppressor", STRENGTHS, methods=["abs_weight", "gradient", "patching"], seeds=2)
    failed = claims.your_method_page(results, curve).failed()
    assert "abs_weight is fooled on the suppressor and holds on every other regime" in failed
    assert "abs_weight stays fooled from a lower strength than gradient saliency" in failed


def test_captum_section_claims_can_fail_without_torch():
    """Stand-ins from the registry: input x gradient for Saliency, noising patching for DeepLift."""
    results = nt.evaluate(["patching", "input_x_gradient", "gradient"], seeds=2)
    facts = claims.captum_section(results, saliency="input_x_gradient", deeplift="patching")
    failed = facts.failed()
    assert "Saliency's AUROC equals gradient's on every seed of every regime" not in failed  # 0.75/0.5 alike
    assert "Saliency's importances equal gradient's to 1e-12" in failed
    assert "DeepLift holds on every regime" in failed  # noising patching is fooled on redundant
    assert f"{facts['deeplift_suppressor']:.2f} on the suppressor" in facts["discussion"]


def test_captum_section_with_captum():
    pytest.importorskip("torch")
    attr = pytest.importorskip("captum.attr")
    from neurotrace.torch import captum_method

    with exercises.registered_method("captum_saliency", captum_method(attr.Saliency)), \
            exercises.registered_method("captum_deeplift", captum_method(attr.DeepLift), family="causal"):
        import warnings

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Setting forward, backward hooks")
            results = nt.evaluate(["captum_deeplift", "captum_saliency", "gradient"], seeds=4)
    facts = claims.captum_section(results).check()
    text = facts["discussion"]
    assert f"over {results.seeds} seeds" in text
    for regime in ("suppressor", "redundant", "interaction"):
        assert f"{results.cell('captum_deeplift', regime).mean():.2f} on {'the ' if regime == 'suppressor' else ''}" \
            f"{regime}" in text


def test_your_method_page_publishes_and_has_no_asserts(own):
    page = json.loads((ROOT / "book" / "your_method.ipynb").read_text(encoding="utf-8"))
    results, curve = own
    facts = claims.your_method_page(results, curve)
    text = "".join("".join(c["source"]) for c in page["cells"] if c["cell_type"] == "markdown")
    keys = set(quoted_names(text))
    assert keys and keys <= set(facts.values), sorted(keys - set(facts.values))
    code = "\n".join("".join(c["source"]) for c in page["cells"] if c["cell_type"] == "code")
    assert "assert" not in code and "glue(" not in code
    hidden = ["".join(c["source"]) for c in page["cells"]
              if {"remove-input", "remove-output"} <= set(c.get("metadata", {}).get("tags", []))]
    assert any("your_method_page" in h and ".publish()" in h for h in hidden)
    # the Captum discussion is output of the cell that computes it, never static prose
    assert "captum_section" in code and "DeepLift's rescale rule" not in text


# --- the lesson plans: every regime, the exercises' own times --------------------------------------


def test_lesson_plans_fill_their_length_visit_every_regime_and_give_exercises_their_time():
    plans = instructors.lesson_plans()
    assert plans.failed() == []

    def span(slot):
        start, end = (int(t) for t in plans[slot].split("–"))
        return end - start

    assert span("plan60_exercise_1") == exercises.EXERCISES[0].minutes
    assert span("plan90_exercise_2_or_3") == exercises.EXERCISES[1].minutes == exercises.EXERCISES[2].minutes
    for length in (60, 90):
        slots = [k for k in plans.values if k.startswith(f"plan{length}_")]
        assert plans[slots[0]].startswith("0–") and plans[slots[-1]].endswith(f"–{length}")
        assert sum(span(k) for k in slots) == length
    assert all(f"plan60_{regime}" in plans.values for regime in nt.CIRCUITS)


def test_lesson_plans_catch_an_exercise_squeezed_into_less_than_its_time(monkeypatch):
    squeezed = dict(instructors.LESSON_PLANS)
    squeezed[60] = tuple((slot, 10 if slot == "exercise_1" else m) for slot, m in squeezed[60])
    monkeypatch.setattr(instructors, "LESSON_PLANS", squeezed)
    assert instructors.lesson_plans().failed() == ["the 60-minute plan fills 60 minutes exactly"]


def test_the_lesson_tables_take_every_time_from_the_plans():
    text = "\n".join("".join(c["source"]) for c in _page()["cells"] if c["cell_type"] == "markdown")
    for length in (60, 90):
        section = text.split(f"## A {length}-minute lesson", 1)[1].split("\n## ", 1)[0]
        rows = [ln for ln in section.splitlines() if ln.startswith("| ") and not ln.startswith("| time")]
        times = [row.split(" | ")[0].removeprefix("| ") for row in rows]
        slots = [k for k in instructors.lesson_plans().values if k.startswith(f"plan{length}_")]
        assert times == [f"{{eval}}`{slot}`" for slot in slots]
