"""Issue 13, the book as published: typeset formulas, citations where each source is used, numbered
figures that the prose refers to, a network diagram opening each regime page, tables without
"± 0.000" in every cell, and numbers in prose written for people.

Static checks on the stored notebooks, plus the library pieces behind them: ``Results.to_markdown``'s
``errors="sem_nonzero"``, ``claims.method_table``'s formulas, the power-of-ten helpers, and
``analysis.strength_changes`` / ``plots.network``. ``.ci/check_book.py`` checks the built pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import analysis, claims
from neurotrace.claims.facts import quoted_names

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
REGIMES = tuple(nt.CIRCUITS)
FIGURE_CALLS = re.compile(r"\b(plots\.\w+|report\.scaling_figure|widgets\.static_slider)\(")


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(cell):
    return "".join(cell["source"])


def _prose(path):
    return "\n".join(_text(c) for c in _cells(path) if c["cell_type"] == "markdown")


def _bib_keys():
    return re.findall(r"^@\w+\{(\w+),", (ROOT / "book" / "references.bib").read_text(encoding="utf-8"), re.M)


def _figure_cells(path):
    return [c for c in _cells(path) if c["cell_type"] == "code" and FIGURE_CALLS.search(_text(c))
            and "remove-output" not in c["metadata"].get("tags", [])]


# --- figures: numbered, captioned, referred to; each regime page opens with its network -----------------


def _rendered_reference(path, name: str) -> bool:
    """Whether the page's code has a claims function write the reference to figure ``name`` into the
    discussion it shows (``figure="<name>"``): for a figure drawn only where an optional extra is installed
    (the Captum section of your_method), whose page built without the extra must refer to no figure."""
    code = "\n".join(_text(c) for c in _cells(path) if c["cell_type"] == "code")
    return bool(re.search(rf'claims\.\w+\([^)]*\bfigure="{re.escape(name)}"', code))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_figure_is_a_named_captioned_figure_the_prose_refers_to(path):
    prose = _prose(path)
    for cell in _figure_cells(path):
        figure = cell["metadata"].get("mystnb", {}).get("figure", {})
        assert figure.get("name") and len(figure.get("caption", "")) > 60, (path.name, _text(cell))
        assert f"{{numref}}`{figure['name']}`" in prose or _rendered_reference(path, figure["name"]), \
            (path.name, figure["name"])
        assert len(re.findall(FIGURE_CALLS, _text(cell))) == 1  # one figure per cell: one number each


def test_figure_names_are_unique_across_the_book():
    names = [c["metadata"]["mystnb"]["figure"]["name"] for p in NOTEBOOKS for c in _figure_cells(p)]
    assert names and len(names) == len(set(names))


@pytest.mark.parametrize("name", REGIMES)
def test_each_regime_page_opens_with_its_network_diagram(name):
    figures = _figure_cells(ROOT / "book" / f"{name}.ipynb")
    assert _text(figures[0]).strip() == "plots.network(circuit)"
    assert figures[0]["metadata"]["mystnb"]["figure"]["name"] == f"{name}-network"


# --- maths and numbers ---------------------------------------------------------------------------------

UNICODE_FORMULA = re.compile(r"[ᵢⱼₕᵤ∂Σ∫√φ]|\b[a-z]_[a-z]\b|\|[a-z]\w*\|")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_formulas_are_typeset_not_written_in_unicode_or_ascii(path):
    for cell in _cells(path):
        if cell["cell_type"] != "markdown":
            continue
        text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|```.*?```|\{eval\}`[^`]*`", "", _text(cell), flags=re.S)
        prose = re.sub(r"`[^`]*`", "", text)  # maths, code blocks and numbers aside; a code span is checked alone
        assert not UNICODE_FORMULA.findall(prose), (path.name, UNICODE_FORMULA.findall(prose))
        assert not re.findall(r"`[^`]*[φ·Σ∂∫][^`]*`", text), path.name  # no formula dressed as code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_number_in_prose_is_formatted_in_computer_notation(path):
    specs = re.findall(r'\{eval\}`f"\{\w+:([^}]*)\}"`', _prose(path))
    assert not [s for s in specs if s.rstrip().endswith(("e", "E"))], path.name


def test_prose_numbers_in_powers_of_ten():
    assert claims.scientific(5.534e-8) == "5.5 × 10⁻⁸"
    assert claims.scientific(-3.2e-5, 2) == "−3.20 × 10⁻⁵"
    assert claims.scientific(0.0) == "0"
    assert claims.power_of_ten_above(1.78e-15) == "10⁻¹⁴"
    assert claims.power_of_ten_above(8.2e-14) == "10⁻¹³"
    assert claims.power_of_ten_above(1e-14) == "10⁻¹³"  # strictly above: "below 10⁻¹⁴" would be false
    assert claims.power_of_ten_above(-0.5) == "10⁰"
    assert claims.power_of_ten_above(0.0) == "10⁻¹⁶"


@pytest.mark.parametrize("value", [3.1e-16, 2.2e-15, 9.99e-13, 1e-9, 5.5e-8, 0.004, 0.33, 7.0, 123.0])
def test_the_bound_is_the_smallest_power_of_ten_above(value):
    superscript = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    exponent = int(claims.power_of_ten_above(value)[2:].translate(superscript))
    assert 10.0 ** (exponent - 1) <= value < 10.0 ** exponent


def test_the_methods_page_quotes_its_tiny_gaps_in_powers_of_ten(real_results):
    facts = claims.methods_page(real_results)
    for name in ("exact_gap_1", "exact_gap_2", "brute_gap"):
        assert facts[f"{name}_below"] == claims.power_of_ten_above(facts[name])
    assert facts["shapley_efficiency_below"] == claims.power_of_ten_above(facts["shapley_efficiency_gap"])
    superscript = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    mantissa, power = facts["gap_3_sci"].split(" × ")
    assert float(mantissa) * 10.0 ** int(power[2:].translate(superscript)) == pytest.approx(facts["gap_3"], rel=0.01)
    prose = _prose(ROOT / "book" / "methods.ipynb")
    assert set(quoted_names(prose)) <= set(facts.values)


# --- citations -----------------------------------------------------------------------------------------


def test_every_source_is_cited_where_it_is_used_and_every_citation_is_a_source():
    keys = set(_bib_keys())
    cited = {key.strip() for p in NOTEBOOKS
             for group in re.findall(r"\{cite:[tp]\}`([^`]+)`", _prose(p)) for key in group.split(",")}
    assert len(keys) >= 12
    assert cited == keys


@pytest.mark.parametrize("page, key", [
    ("methods", "sundararajan2017"), ("methods", "smilkov2017"), ("methods", "shrikumar2016"),
    ("methods", "shapley1953"), ("methods", "lundberg2017"), ("methods", "meng2022"), ("methods", "heimersheim2024"),
    ("methods", "nanda2023"), ("methods", "hanley1982"), ("results", "adebayo2018"), ("intro", "lindner2023"),
    ("intro", "lee2025"), ("your_method", "kokhlikyan2020")])
def test_a_source_is_cited_on_the_page_that_draws_on_it(page, key):
    assert re.search(r"\{cite:[tp]\}`[^`]*\b" + key + r"\b", _prose(ROOT / "book" / f"{page}.ipynb"))


# --- tables: the standard error shown where it is not 0 -------------------------------------------------


@pytest.fixture
def known():
    """Two cells: seeds that disagree (mean 0.75) and seeds that all score 1."""
    auroc = np.array([[[0.5, 1.0, 0.75, 0.75], [1.0, 1.0, 1.0, 1.0]]])
    return nt.Results(("gradient",), ("clean", "suppressor"), auroc, np.zeros((1, 2, 4, 12)),
                      seeds=4, samples=512, labels="real", strength=1.0)


def test_sem_nonzero_shows_the_error_only_where_the_seeds_disagree(known):
    lines = known.to_markdown(errors="sem_nonzero").splitlines()
    sem = np.sqrt(0.125 / 3) / 2
    assert lines[2] == f"| gradient | proxy | 0.750 ± {sem:.3f} | 1.000 |"
    assert lines[3] == ""
    assert lines[4] == ("± is the standard error over 4 seeds; a mean shown without one has standard error 0: "
                        "all 4 seeds scored it the same.")
    assert known.to_markdown(errors="sem").splitlines()[2].endswith("| 1.000 ± 0.000 |")  # unchanged


def test_sem_nonzero_keeps_a_tiny_but_real_error(known):
    auroc = known.auroc.copy()
    auroc[0, 1, 0] = 1.0 - 1e-12  # one seed differs by rounding: the sem is not exactly 0
    tiny = nt.Results(known.methods, known.circuits, auroc, known.importances, seeds=4, samples=512,
                      labels="real", strength=1.0)
    lines = tiny.to_markdown(errors="sem_nonzero").splitlines()
    assert lines[2].endswith("| 1.000 ± 0.000 |")
    assert lines[-1] == "± is the standard error over 4 seeds."


def test_sem_nonzero_with_one_seed_says_there_is_no_error():
    one = nt.evaluate(["gradient"], ["clean"], seeds=1, samples=64)
    lines = one.to_markdown(errors="sem_nonzero").splitlines()
    assert "±" not in "\n".join(lines[:-1]) and lines[-1] == "One seed: no standard error."


def test_the_book_prints_no_table_with_sem_in_every_cell():
    for path in NOTEBOOKS:
        code = "\n".join(_text(c) for c in _cells(path) if c["cell_type"] == "code")
        calls = re.findall(r"(\w+)\.to_markdown\(((?:errors=['\"]sem['\"])?)\)", code)
        assert [name for name, _ in calls if name != "check"] == [], path.name  # check: the sanity table, no ±


# --- the methods table: each score as maths ------------------------------------------------------------


@pytest.mark.parametrize("level", ["input", "hidden"])
def test_the_method_table_gives_every_built_in_score_as_maths(level):
    table = claims.method_table(level)
    rows = [line for line in table.splitlines()[2:]]
    registry = nt.METHODS if level == "input" else nt.hidden.HIDDEN_METHODS
    assert len(rows) == len(registry)
    for row in rows:
        cells = row.strip("|").split(" | ")
        assert len(cells) == 4, row  # no stray pipe from a formula
        assert cells[2].startswith("$") and cells[2].endswith("$") and cells[2].count("$") == 2, row
        assert "|" not in cells[2]


def test_a_plugin_method_gets_its_summary_and_no_formula(plugin):
    plugin("abs_weight_test", lambda circuit, X, rng: np.abs(circuit.v) @ np.abs(circuit.W))
    row = next(line for line in claims.method_table().splitlines() if "abs_weight_test" in line)
    assert "| — |" in row


# --- the network diagram: what the strength changes -----------------------------------------------------


def test_strength_changes_finds_what_each_regime_plants():
    clean = analysis.strength_changes(nt.make_circuit("clean"))
    assert not clean["units"].any() and not clean["features"].any()
    confounded = analysis.strength_changes(nt.make_circuit("confounded"))
    c = nt.make_circuit("confounded")
    assert not confounded["units"].any() and np.array_equal(confounded["features"], c.decoy)
    s = nt.make_circuit("suppressor")
    suppressor = analysis.strength_changes(s)
    gates = (s.W[:, s.decoy] != 0).any(axis=1)
    assert np.array_equal(suppressor["units"], gates) and suppressor["b"][gates].all() and suppressor["v"][gates].all()
    for name in ("redundant", "interaction"):
        changed = analysis.strength_changes(nt.make_circuit(name))
        reads_causal = (nt.make_circuit(name).W[:, nt.make_circuit(name).causal] != 0).any(axis=1)
        assert np.array_equal(changed["units"], reads_causal) and not changed["features"].any()


def test_strength_changes_against_a_given_circuit_and_for_an_unregistered_one():
    s = nt.make_circuit("suppressor")
    assert not analysis.strength_changes(s, s)["units"].any()  # the same circuit: nothing changes
    with pytest.raises(ValueError, match="cannot compare"):
        analysis.strength_changes(s, nt.make_circuit("clean"))
    mine = nt.Circuit(name="mine", strength=1.0, W=s.W, b=s.b, v=s.v, activation="tanh", causal=s.causal,
                      decoy=s.decoy, mixing=s.mixing, hidden_causal=s.hidden_causal)
    out = analysis.strength_changes(mine)
    assert out["reference"] is None and not out["units"].any()


@pytest.mark.parametrize("name", REGIMES)
def test_the_network_diagram_says_in_words_what_it_draws(name):
    from neurotrace import plots

    circuit = nt.make_circuit(name)
    fig = plots.network(circuit)
    alt = fig.alt_text()
    kinds = analysis.unit_kinds(circuit)
    assert alt.startswith(f"Diagram of the {name} network")
    assert ("Units of the causal core" in alt) == (kinds == "core").any()
    assert ("Units reading a decoy" in alt) == (kinds == "decoy").any()
    assert plots.strength_summary(circuit)[1:] in alt
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert ("changes with the strength" in legend) == (name != "clean")
    assert ("generated from, in the data (not a weight)" in legend) == bool(
        (circuit.mixing - np.diag(np.diag(circuit.mixing)) != 0).any())
    assert fig.get_size_inches()[0] <= plots.COLUMN_INCHES


def test_unit_kinds_follow_the_weights():
    from neurotrace import plots

    s = nt.make_circuit("suppressor")
    kinds = analysis.unit_kinds(s)
    assert set(kinds[(s.W[:, s.decoy] != 0).any(axis=1)]) == {"decoy"}
    assert set(kinds[s.v == 0]) == {"idle"}
    assert set(kinds[s.hidden_causal]) == {"core"}
    assert plots.strength_summary(s) == "the strength changes the input weights, biases and output weights " \
                                        "of units h8–h11"


# --- alt text: what a figure shows, in words -----------------------------------------------------------


def test_the_bar_charts_and_the_grid_say_every_mean_in_their_alt_text():
    from neurotrace import plots

    results = nt.evaluate(circuits=["clean", "suppressor"], seeds=3, samples=128)
    mean = results.mean()
    for fig in (plots.auroc_bars(results), plots.auroc_table(results)):
        alt = fig.alt_text()
        for j, regime in enumerate(results.circuits):
            part = alt.split(f"{regime}: ")[1].split(";")[0]
            assert [f"{m} {mean[i, j]:.2f}" in part for i, m in enumerate(results.methods)] == [True] * len(mean)
        g = results.methods.index("gradient")
        assert f"gradient {mean[g, 1]:.2f} (its target)" in alt  # the suppressor's target, marked


def test_the_sweep_says_where_each_method_falls_in_its_alt_text():
    from neurotrace import plots, widgets

    sweep = nt.sweep("confounded", widgets.DEFAULT_STRENGTHS, seeds=2, methods=["correlation", "patching"])
    alt = plots.sweep_curves(sweep).alt_text()
    curve = sweep.mean()[0]
    first = np.asarray(sweep.strengths)[np.argmax(curve < claims.FOOLED_BELOW)]
    assert f"correlation (the target) 1.00 at 0, below {claims.FOOLED_BELOW:g} from {first:g}" in alt
    assert "patching 1.00 at 0, 1.00 at 2" in alt


def test_the_weights_chart_names_the_features_the_network_reads():
    from neurotrace import plots

    c = nt.make_circuit("clean")
    reads = np.abs(c.v[:, None] * c.W).sum(axis=0)
    alt = plots.weights(c).alt_text()
    assert all(f"f{j} {reads[j]:.2f} (causal)" in alt for j in np.flatnonzero(c.causal))
    assert "every other feature 0" in alt
