"""The book part "From features to circuits" (book/edges/): every fact its pages publish holds at the
reference settings, every name their prose quotes is published, the checks behind the sentences can
fail, the pages stay thin, and the figures and sliders draw what the library computes."""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import re
from pathlib import Path

import matplotlib.colors
import numpy as np
import pytest

from neurotrace import claims, deep, discovery, labels
from neurotrace.claims import edges as E
from neurotrace.claims.facts import quoted_names
from neurotrace.labels import FAILURE_KINDS

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book" / "edges"
REGIMES = tuple(deep.EDGE_CIRCUITS)
PAGES = ("index", *REGIMES)
CHANGING = tuple(r for r in REGIMES if deep.EDGE_CIRCUITS[r].complete != 0.0)  # the strength does something

ef = pytest.importorskip("neurotrace.edge_figures")  # needs the [book] extra (matplotlib, ipywidgets)


# --- what the pages compute ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs():
    """Per regime: ``(results, faith, first_seed)`` as its page computes them."""
    out = {}
    for name in REGIMES:
        results = discovery.evaluate_edges(circuits=name)
        out[name] = (results, discovery.faithfulness_of(results), E.edge_snapshot(name))
    return out


@pytest.fixture(scope="module")
def sweeps():
    return {name: discovery.sweep_edges(name, E.EDGE_STRENGTHS, seeds=claims.SWEEP_SEEDS) for name in CHANGING}


@pytest.fixture(scope="module")
def table():
    results = discovery.evaluate_edges()
    return results, discovery.faithfulness_of(results), discovery.evaluate_edges(strength=claims.CONTROL)


@pytest.fixture(scope="module")
def published(runs, sweeps, table):
    """Each page's facts, as its publish cells compute them."""
    results, faith, control = table
    out = {"index": E.edge_part_page(results, faith) | E.edge_controls(control)}
    for name in REGIMES:
        facts = E.edge_regime_page(name, *runs[name])
        out[name] = facts | (claims.phase(sweeps[name]) if name in sweeps else E.edge_controls(control))
    return out


def _cells(page):
    return json.loads((BOOK / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"]


def _text(cell):
    return "".join(cell["source"])


def _prose(page):
    return "\n".join(_text(c) for c in _cells(page) if c["cell_type"] == "markdown")


def _code(page):
    return [c for c in _cells(page) if c["cell_type"] == "code"]


def doctor(results, method, regime, auroc=None, importances=None):
    """``results`` with one cell's per-seed AUROCs (and/or edge scores ``(seeds, edges)``) replaced."""
    i, j = results.methods.index(method), results.circuits.index(regime)
    a, imp = results.auroc.copy(), results.importances.copy()
    if auroc is not None:
        a[i, j] = auroc
    if importances is not None:
        imp[i, j, :, : importances.shape[-1]] = importances
    return dataclasses.replace(results, auroc=a, importances=imp)


def scores(results, method, regime):
    n = deep.make_deep_circuit(regime).n_edges
    return results.importances[results.methods.index(method), results.circuits.index(regime), :, :n].copy()


def failed_with(facts, text):
    return [s for s in facts.failed() if text in s]


# --- at the reference settings every claim holds, and the prose quotes only what is published -------------


@pytest.mark.parametrize("page", PAGES)
def test_every_claim_a_page_publishes_holds(published, page):
    assert published[page].claims and published[page].failed() == []


@pytest.mark.parametrize("page", PAGES)
def test_every_number_the_prose_quotes_is_a_published_value(published, page):
    names = set(quoted_names(_prose(page)))
    assert names and sorted(names - set(published[page].values)) == []


@pytest.mark.parametrize("page", PAGES)
def test_a_page_types_no_threshold_hides_only_its_publish_lines_and_runs_inline(page):
    prose = _prose(page)
    assert not re.search(r"(?<![\d.])0\.99?(?![\d])", prose)  # holds_at / fooled_below are published
    hidden = [line for c in _code(page) if {"remove-input", "remove-output"} <= set(c["metadata"].get("tags", []))
              for line in _text(c).splitlines() if line.strip() and not line.startswith("#")]
    assert hidden and all(line.startswith(("edges.", "(edges.")) and line.endswith(".publish()") for line in hidden)
    nb = json.loads((BOOK / f"{page}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["mystnb"]["execution_mode"] == "inline"


def test_the_part_sits_in_the_table_of_contents_after_methods_and_results():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    part = toc.index("caption: From features to circuits")
    assert toc.index("caption: Methods and results") < part < toc.index("caption: For the classroom")
    assert all(toc.index(f"file: book/edges/{page}\n") > part for page in PAGES)


def test_the_opening_page_cites_acdc_eap_and_eap_ig():
    for key in ("conmy2023", "syed2023", "hanna2024"):
        assert re.search(r"\{cite:[tp]\}`" + key + "`", _prose("index")), key


# --- figures: numbered, captioned, referred to; each regime page opens with its network ---------------------

FIGURES = re.compile(r"\bedge_figures\.(network|recovered_grid|edge_bars|edge_sweep|static_slider|tau_slider)\(")


def _figures(page):
    return [c for c in _code(page) if FIGURES.search(_text(c))]


@pytest.mark.parametrize("page", REGIMES)
def test_every_figure_is_numbered_captioned_and_referred_to(page):
    prose, figures = _prose(page), _figures(page)
    for cell in figures:
        figure = cell["metadata"]["mystnb"]["figure"]
        assert figure["name"].startswith(f"{page}-") and len(figure["caption"]) > 60
        assert f"{{numref}}`{figure['name']}`" in prose
    assert _text(figures[0]).strip() == "edge_figures.network(circuit)"
    kinds = [FIGURES.search(_text(c)).group(1) for c in figures]
    assert kinds[:3] == ["network", "recovered_grid", "edge_bars"]
    assert ("static_slider" in kinds and "edge_sweep" in kinds) == (page in CHANGING)
    assert ("tau_slider" in kinds) == (page == "backup_path")
    explorer = [c for c in _code(page) if "edge_figures.explorer(REGIME)" in _text(c)]
    assert len(explorer) == 1 and "remove-output" in explorer[0]["metadata"]["tags"]


def test_figure_names_are_unique_in_the_part():
    names = [c["metadata"]["mystnb"]["figure"]["name"] for p in PAGES for c in _figures(p)]
    assert len(names) == len(set(names)) == 3 * len(REGIMES) + 2 * len(CHANGING) + 1  # + ACDC's tau slider


# --- each claim can be made false ----------------------------------------------------------------------------


def test_a_regime_page_catches_an_unlisted_failure_and_an_unfaithful_holder(runs):
    results, faith, first = runs["distractor_path"]
    facts = E.edge_regime_page("distractor_path", doctor(results, "eap", "distractor_path", auroc=0.6), faith, first)
    assert failed_with(facts, "eap holds on distractor_path")
    bad = faith.copy()
    bad[results.methods.index("edge_patching")] = 0.5
    assert failed_with(E.edge_regime_page("distractor_path", results, bad, first), "recovers a faithful circuit")
    with pytest.raises(ValueError, match="snapshot"):
        E.edge_regime_page("backup_path", *runs["backup_path"][:2], first)


def page_with(runs, regime, method, role, value, seed=slice(None), faith=None):
    """``regime``'s page facts with ``method`` scoring every edge of ``role`` ``value`` (on ``seed``)."""
    results, real_faith, first = runs[regime]
    doctored = scores(results, method, regime)
    doctored[seed, E.edge_roles(first.circuit) == role] = value
    return E.edge_regime_page(regime, doctor(results, method, regime, importances=doctored),
                              real_faith if faith is None else faith, first)


@pytest.mark.parametrize("regime, method, role, value, seed, claim", [
    ("backup_path", "edge_patching", "backup", 0.01, slice(None), "edge patching scores every backup-route edge "
                                                                  "exactly 0"),
    ("backup_path", "acdc", "backup", 0.01, 7, "acdc's top 23 edges (whole ties) are exactly the primary route"),
    ("backup_path", "eap", "backup", 0.2, 3, "EAP scores every edge into a chain unit exactly 0"),
    ("cancelling_paths", "joint_edge_patching", "decoy", 0.3, slice(None), "joint edge patching scores every decoy "
                                                                           "edge 0 to rounding"),
    ("cancelling_paths", "edge_correlation", "decoy", 2.0, 0, "edge correlation ranks every decoy edge below"),
    ("distractor_path", "eap", "decoy", 1e-3, 5, "scores every distractor edge exactly 0 on every seed"),
    ("distractor_path", "edge_correlation", "decoy", 0.0, 2, "ranks every distractor edge above the weakest"),
])
def test_a_regime_story_catches_a_doctored_score(runs, regime, method, role, value, seed, claim):
    assert failed_with(page_with(runs, regime, method, role, value, seed), claim)


def test_the_backup_story_catches_an_unfaithful_circuit(runs):
    results, faith, first = runs["backup_path"]
    bad = faith.copy()
    bad[results.methods.index("acdc"), 0, 3] = 0.5
    assert failed_with(E.edge_regime_page("backup_path", results, bad, first), "acdc's recovered circuit is faithful")


def test_the_clean_story_catches_a_method_that_misses_the_circuit_on_one_seed(runs):
    results, faith, first = runs["clean_paths"]
    circuit = first.circuit
    flipped = scores(results, "acdc", "clean_paths")
    flipped[4] = np.where(circuit.causal_edges, 0.0, 1.0)  # seed 4: the circuit last
    facts = E.edge_regime_page("clean_paths", doctor(results, "acdc", "clean_paths", importances=flipped), faith,
                               first)
    assert failed_with(facts, "recovers exactly the true circuit")


def test_the_phase_facts_catch_a_target_that_never_breaks_and_an_unlisted_failure(sweeps):
    sweep = sweeps["backup_path"]
    auroc = sweep.auroc.copy()
    auroc[sweep.methods.index("edge_patching")] = 1.0
    facts = claims.phase(dataclasses.replace(sweep, auroc=auroc))
    assert failed_with(facts, "edge_patching holds at the control and stays fooled")
    assert failed_with(facts, "edge_patching is fooled at every band strength")
    auroc = sweep.auroc.copy()
    auroc[sweep.methods.index("edge_denoising"), list(sweep.strengths).index(1.5)] = 0.7
    assert failed_with(claims.phase(dataclasses.replace(sweep, auroc=auroc)),
                       "edge_denoising holds at every band strength")
    assert claims.phase(sweep)["breaks_at"] == claims.expectations.fooled_from(sweep.curve("edge_patching"),
                                                                               sweep.strengths)


def test_the_controls_and_the_part_page_catch_a_failure(table):
    results, faith, control = table
    assert failed_with(E.edge_controls(doctor(control, "eap", "backup_path", auroc=0.7)), "at strength 0")
    with pytest.raises(ValueError, match="strength 0"):
        E.edge_controls(results)
    facts = E.edge_part_page(doctor(results, "edge_denoising", "cancelling_paths", auroc=1.0), faith)
    assert failed_with(facts, "joint edge patching is the only edge method that holds on every edge-level regime")
    bad = faith.copy()
    bad[results.methods.index("eap"), results.circuits.index("backup_path"), 0] = 0.2
    assert failed_with(E.edge_part_page(results, bad), "EAP's recovered circuit is no better than nothing")


def test_acdc_thresholds_follow_acdc_and_fail_on_a_grid_that_never_breaks_the_primary_route():
    facts = E.acdc_thresholds()
    assert facts.failed() == []
    default = E.acdc_recovers("backup_path", facts["tau_default"])
    assert (facts["acdc_true_default"], facts["acdc_other_default"]) == (default["true_kept"], default["false_kept"])
    assert facts["acdc_faith_default"] == default["faithfulness"]
    assert facts["acdc_kept_zero"] == deep.make_deep_circuit("backup_path").n_edges
    short = E.acdc_thresholds(taus=(0.0, 0.02))
    assert failed_with(short, "once ACDC drops a primary edge") and failed_with(short, "keeps no edge")
    with pytest.raises(ValueError, match="taus must include"):
        E.acdc_thresholds(taus=(0.01, 0.02))


# --- what the figures draw -------------------------------------------------------------------------------------


@pytest.mark.parametrize("regime", REGIMES)
def test_edge_roles_follow_what_each_regime_plants(regime):
    c = deep.make_deep_circuit(regime)
    roles = E.edge_roles(c)
    assert np.array_equal(np.isin(roles, ("causal", "backup")), c.causal_edges)
    expected = {"clean_paths": (0, 0), "backup_path": (8, 0), "cancelling_paths": (0, 5), "distractor_path": (0, 3)}
    assert ((roles == "backup").sum(), (roles == "decoy").sum()) == expected[regime]
    assert (roles == "dead").sum() == 5 and not E.reaches_output(c)[c.edges.target[roles == "dead"]].any()
    names = np.array(c.edges.names)
    assert set(names[roles == "backup"]) == {f"x{i}->u{i}b" for i in range(4)} | {f"u{i}b->m{i}" for i in range(4)} \
        or regime != "backup_path"


@pytest.mark.parametrize("regime, changed", [
    ("clean_paths", set()), ("cancelling_paths", {"cA->y", "cB->y"}), ("distractor_path", set()),
    ("backup_path", {f"x{i}->u{i}" for i in range(4)} | {f"u{i}->m{i}" for i in range(4)}
     | {f"x{i}->u{i}b" for i in range(4)} | {f"u{i}b->m{i}" for i in range(4)})])
def test_strength_changes_name_the_changed_edges_and_data(regime, changed):
    c = deep.make_deep_circuit(regime)
    out = E.strength_changes(c)
    assert {n for n, m in zip(c.edges.names, out["edges"], strict=True) if m} == changed
    assert np.flatnonzero(out["features"]).tolist() == ([7] if regime == "distractor_path" else [])
    summary = E.strength_summary(c, out)
    assert summary == "the strength changes nothing" if regime == "clean_paths" else summary != ""
    fig = ef.network(c)
    assert summary[1:] in fig.alt_text() and fig.get_size_inches()[0] <= ef.COLUMN_INCHES
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert ("changes with the strength" in legend) == (regime != "clean_paths")
    assert ("generated from, in the data (not a weight)" in legend) == (regime == "distractor_path")


def test_outcomes_sort_each_edge_into_hit_missed_false_and_other():
    out = ef.outcomes([True, False, True, False], [True, True, False, False])
    assert out.tolist() == ["hit", "missed", "false", "other"]


def test_the_recovered_grid_draws_each_methods_circuit_with_its_scores(runs):
    first = runs["backup_path"][2]
    grid = ef.RecoveredGrid("backup_path")
    size = tuple(grid.figure.get_size_inches())
    grid.update(first)
    truth = first.circuit.causal_edges
    for p, method in enumerate(first.methods):
        kept = first.kept(method)
        assert grid.titles[p].get_text() == (f"{method}\nAUROC {first.aurocs[method]:.2f}"
                                             + (" ▼" if first.aurocs[method] < claims.FOOLED_BELOW else "")
                                             + f" · faithful {first.faithfulness[method]:.2f}")
        blue = matplotlib.colors.to_rgba(ef.OUTCOMES["hit"][0])
        hits = sum(1 for c in grid.lines[p].get_colors() if tuple(c) == pytest.approx(blue))
        assert hits == int((kept & truth).sum())
    assert f"edge_patching: {int((first.kept('edge_patching') & truth).sum())} of 23 true edges" in grid.figure.alt
    grid.update(E.edge_snapshot("backup_path", 0.0))
    assert tuple(grid.figure.get_size_inches()) == size  # a slider's frames do not shift
    with pytest.raises(ValueError, match="snapshot must be of backup_path"):
        grid.update(runs["clean_paths"][2])


def test_the_bars_and_the_sweep_say_every_value_in_their_alt_text(runs, sweeps):
    results, faith, _ = runs["cancelling_paths"]
    alt = ef.edge_bars(results, faith).alt_text()
    for i, m in enumerate(results.methods):
        assert f"AUROC {results.mean()[i, 0]:.2f}, faithfulness {faith.mean(axis=-1)[i, 0]:.2f}" in alt.split(m)[1]
    assert "edge_patching (the target)" in alt
    sweep = sweeps["distractor_path"]
    alt = ef.edge_sweep(sweep).alt_text()
    first = np.asarray(sweep.strengths)[np.argmax(sweep.mean()[1] < claims.FOOLED_BELOW)]
    assert f"edge_correlation (the target) 1.00 at 0, below {claims.FOOLED_BELOW:g} from {first:g}" in alt


def test_the_layout_keeps_layers_in_columns_and_curves_the_skip_edges():
    c = deep.make_deep_circuit("cancelling_paths")
    x, y = ef.layout(c)
    assert np.array_equal(x[:-1], np.repeat(np.arange(4), c.layer_sizes)) and x[-1] == 4
    for k in range(4):  # at least one unit apart within a layer
        column = np.sort(y[c.columns(k)])
        assert np.all(np.diff(column) >= 1 - 1e-12)
    paths = ef._paths(c, x, y)
    assert [len(p) > 2 for p in paths] == E.skip_edges(c).tolist()


# --- the sliders and the explorer ----------------------------------------------------------------------------


def test_the_strength_slider_has_a_frame_and_a_reasoned_caption_per_strength():
    slider = ef.static_slider("cancelling_paths", strengths=(0.0, 1.0), samples=128)
    assert len(slider.frames) == len(slider.captions) == 2 and slider.strengths[slider.start] == 1.0
    assert all(base64.b64decode(f).startswith(b"\x89PNG") for f in slider.frames)
    caption = slider.captions[1]
    snapshot = E.edge_snapshot("cancelling_paths", 1.0, samples=128)
    for failure in E.edge_failures(snapshot):  # its kind in words, as the explorer says it
        kind = FAILURE_KINDS[failure["kind"]]
        assert f"{failure['method']} {failure['auroc']:.2f} ({kind}): {failure['reason']}" in caption
    assert deep.EDGE_CIRCUITS["cancelling_paths"].fools["edge_patching"] in caption
    control = E.edge_failures(E.edge_snapshot("cancelling_paths", 0.0, samples=128))
    assert {f["method"] for f in control} <= {"random"} and "▼ (target)" not in slider.captions[0]
    markup = slider.html
    assert 'class="nt-static-slider"' in markup and html.escape(caption) in markup
    assert [label for _, label in slider.ticks] == ["0", "1"]


def test_the_tau_slider_shows_what_acdc_keeps_at_each_threshold():
    slider = ef.tau_slider()
    assert slider.strengths == E.ACDC_TAUS and slider.strengths[slider.start] == E.acdc_default_tau()
    for tau, caption in zip(slider.strengths, slider.captions, strict=True):
        run = E.acdc_recovers("backup_path", tau)
        assert f"keeps {run['true_kept']} of the {run['n_true']} true edges" in caption
        assert f"faithfulness: {run['faithfulness']:.2f}" in caption
    assert 'data-word="threshold τ"' in slider.html


def test_edge_failures_give_the_registrys_reason_or_say_it_is_not_listed(runs):
    first = runs["backup_path"][2]
    kinds = {f["method"]: f["kind"] for f in E.edge_failures(first)}
    assert kinds["edge_patching"] == "target" and kinds["eap"] == "listed"
    assert "edge_denoising" not in kinds
    assert labels.failure_kind("distractor_path", "eap", 0.5) == "not listed"
    assert labels.failure_kind("distractor_path", "random", 0.5) == "baseline"
    assert labels.failure_kind("distractor_path", "eap", claims.HOLDS_AT) is None
    assert "does not list eap" in E.edge_explain("distractor_path", "eap")
    with pytest.raises(ValueError, match="edge-level circuit"):
        E.edge_explain("suppressor", "eap")


def test_the_why_table_of_an_edge_regime_lists_exactly_its_fooled_methods_with_their_faithfulness(runs):
    results, faith, _ = runs["backup_path"]
    rows = claims.why_table("backup_path", results, faith, registry=deep.EDGE_CIRCUITS).splitlines()
    assert rows[0] == "| method | mean AUROC | faithfulness | why it fails here |"
    fools = deep.EDGE_CIRCUITS["backup_path"].fools
    assert [row.split(" | ")[0].strip("| `") for row in rows[2:]] == [m for m in results.methods if m in fools]
    i = results.methods.index("edge_patching")
    row = next(r for r in rows if r.startswith("| `edge_patching`"))
    assert row.split(" | ")[2] == f"{faith[i, 0].mean():.2f}"


def test_the_method_table_of_the_edge_level_reads_the_edge_registry():
    rows = claims.method_table("edge").splitlines()
    assert "score of an edge $e = s \\to t$" in rows[0]
    assert [row.split(" | ")[0].strip("| `") for row in rows[2:]] == list(discovery.EDGE_METHODS)
    with pytest.raises(ValueError, match="edge"):
        claims.method_table("edges")


def test_the_labels_read_an_edge_level_regime_from_the_edge_registries():
    assert labels.level_of("backup_path") == (deep.EDGE_CIRCUITS, discovery.EDGE_METHODS)
    assert labels.listing_of("backup_path", "edge_patching") == "target"
    assert labels.listing_of("backup_path", "eap") == "listed"
    assert labels.listing_of("backup_path", "edge_denoising") is None
    # a deep circuit has no decoy features: its strength is a plain "strength", the control has none
    assert labels.setting_label("cancelling_paths", 0.5) == "cancelling_paths, strength 0.50"
    assert labels.setting_label("clean_paths", 0.5) == "clean_paths (control)"
    # the feature level is untouched: a decoy regime's strength is still a decoy strength
    assert labels.setting_label("confounded", 1.0) == "confounded, decoy strength 1.00"
    with pytest.raises(KeyError):
        labels.listing_of("no_such_regime", "eap")


def test_the_explorer_recomputes_on_a_move_and_a_regime_switch():
    pytest.importorskip("ipywidgets")
    explorer = ef.explorer("distractor_path", 1.0, samples=128)
    assert explorer.aurocs == E.edge_snapshot("distractor_path", 1.0, samples=128).aurocs
    assert "edge_correlation" in explorer.why.value and "▼" in explorer.table.value
    explorer.nudge(-20)  # the − button, 20 steps: down to 0
    assert explorer.slider.value == 0.0 and explorer.snapshot.strength == 0.0
    assert "edge_correlation" not in explorer.why.value
    explorer.regime.value = "backup_path"
    assert explorer.snapshot.regime == "backup_path" and bytes(explorer.image.value).startswith(b"\x89PNG")
    explorer.nudge(+20)  # back to strength 1: backup_path's target, edge patching, is fooled
    faith = explorer.snapshot.faithfulness["edge_patching"]
    assert explorer.aurocs["edge_patching"] < claims.FOOLED_BELOW
    assert f"edge_patching<br><b>{explorer.aurocs['edge_patching']:.2f}</b> · {faith:.2f} ▼&nbsp;target" \
        in explorer.table.value
    assert explorer.slider.description == "strength" and set(explorer.seconds) == {"compute", "draw", "total"}


def test_the_explorer_checks_its_regime_and_methods():
    pytest.importorskip("ipywidgets")
    with pytest.raises(ValueError, match="unknown edge-level circuit"):
        ef.explorer("suppressor")
    with pytest.raises(ValueError, match="unknown method"):
        ef.explorer("backup_path", methods=("eap", "eapp"))


def test_edge_tables_show_the_error_only_where_the_seeds_disagree(table):
    results, faith, _ = table
    lines = results.to_markdown(errors="sem_nonzero").splitlines()
    assert lines[0].startswith("| method | family | clean_paths (control) | backup_path |")
    row = next(line for line in lines if line.startswith("| edge_patching |")).split(" | ")
    j = results.circuits.index("backup_path")
    assert row[2 + j] == f"{results.mean()[results.methods.index('edge_patching'), j]:.3f}"  # every seed 0.826
    assert "±" in row[2 + results.circuits.index("cancelling_paths")]
    assert lines[-1].startswith("± is the standard error over 16 seeds; a mean shown without one")
    faithful = results.to_markdown(errors="sem_nonzero", values=faith)
    eap = next(line for line in faithful.splitlines() if line.startswith("| eap |")).split(" | ")
    assert eap[2 + j] == "0.000"
