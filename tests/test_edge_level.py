"""The edge level through the front doors: ``nt.evaluate(level="edge")``, ``nt.sweep(level="edge")``,
``Results.to_markdown(values=...)`` and ``neurotrace table --level edge``.

The numbers behind them are tested in test_discovery.py; here: the front doors run the same
computation (bit for bit), pass options and progress through, and refuse bad input in one line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_cli import _assert_one_line_error, run, run_json

import neurotrace as nt
from neurotrace import discovery
from neurotrace.deep import EDGE_CIRCUITS

SMALL = {"seeds": 3, "samples": 128}


@pytest.fixture(scope="module")
def edge_table():
    return nt.evaluate(level="edge", **SMALL)


def test_evaluate_at_the_edge_level_is_evaluate_edges(edge_table):
    direct = discovery.evaluate_edges(**SMALL)
    assert edge_table.level == "edge" and edge_table.truth == "edges"
    assert edge_table.methods == tuple(discovery.EDGE_METHODS) and edge_table.circuits == tuple(EDGE_CIRCUITS)
    np.testing.assert_array_equal(edge_table.auroc, direct.auroc)
    np.testing.assert_array_equal(edge_table.importances, direct.importances)
    assert edge_table.families == tuple(m.family for m in discovery.EDGE_METHODS.values())


def test_the_edge_table_holds_the_dissociations_it_is_built_for(edge_table):
    """Not a restatement of a stored table: each planted regime fools the method its registry names
    first, which holds on the control; joint edge patching holds everywhere."""
    mean = edge_table.mean()
    row = {m: i for i, m in enumerate(edge_table.methods)}
    col = {c: j for j, c in enumerate(edge_table.circuits)}
    for regime, entry in EDGE_CIRCUITS.items():
        if entry.fools:
            assert mean[row[entry.target], col[regime]] < nt.claims.FOOLED_BELOW, regime
            assert mean[row[entry.target], col["clean_paths"]] >= nt.claims.HOLDS_AT, regime
        assert mean[row["joint_edge_patching"], col[regime]] >= nt.claims.HOLDS_AT, regime


def test_edge_options_and_progress_go_through(edge_table):
    calls = []
    res = nt.evaluate(["acdc", "eap"], "backup_path", level="edge", options={"acdc": {"tau": 0.5}},
                      progress=lambda done, total: calls.append((done, total)), **SMALL)
    assert calls[0] == (0, 2 * SMALL["seeds"]) and calls[-1] == (2 * SMALL["seeds"],) * 2
    assert res.options == {"acdc": {"tau": 0.5}}
    by_hand = discovery.evaluate_edges(["acdc"], "backup_path", options={"acdc": {"tau": 0.5}}, **SMALL)
    np.testing.assert_array_equal(res.auroc[:1], by_hand.auroc)
    default = edge_table.importances[edge_table.methods.index("acdc"), edge_table.circuits.index("backup_path")]
    assert not np.array_equal(res.importances[0, 0, :, : default.shape[-1]], default)  # the option was used


@pytest.mark.parametrize("kwargs, needles", [
    ({"level": "edges"}, ["'edges'", "did you mean 'edge'", "input, hidden, edge"]),
    ({"level": "edge", "truth": "task"}, ["'task'", "edges"]),
    ({"level": "edge", "circuits": "clean"}, ["'clean'", "did you mean 'clean_paths'", "backup_path"]),
    ({"level": "edge", "methods": "gradient"}, ["'gradient'", "edge_patching"]),
    ({"level": "edge", "options": {"acdc": {"tauu": 1}}}, ["'tauu'", "tau"]),
    ({"level": "edge", "methods": ["eap"], "options": {"acdc": {"tau": 1}}}, ["'acdc'", "eap"]),
])
def test_bad_edge_level_input_is_one_clear_line(kwargs, needles):
    with pytest.raises(ValueError) as err:
        nt.evaluate(seeds=1, samples=16, **kwargs)
    message = str(err.value)
    assert "\n" not in message and all(n in message for n in needles), message


def test_a_method_option_given_loose_says_where_it_goes():
    with pytest.raises(TypeError, match=r"options=\{'node_patching': \{'corruption'"):
        nt.evaluate(level="edge", corruption="zero", seeds=1, samples=16)


def test_sweep_at_the_edge_level_is_sweep_edges():
    grid = [0.0, 1.0]
    calls = []
    front = nt.sweep("backup_path", grid, level="edge", methods=["eap", "edge_patching"],
                     progress=lambda done, total: calls.append((done, total)), **SMALL)
    back = discovery.sweep_edges("backup_path", grid, methods=["eap", "edge_patching"], **SMALL)
    np.testing.assert_array_equal(front.auroc, back.auroc)
    assert front.methods == ("eap", "edge_patching") and list(front.strengths) == grid
    total = 2 * 2 * SMALL["seeds"]
    assert calls[0] == (0, total) and calls[-1] == (total, total) and [d for d, _ in calls] == sorted(d for d, _ in
                                                                                                      calls)
    with pytest.raises(ValueError, match="edge-level circuit 'suppressor'"):
        nt.sweep("suppressor", grid, level="edge", **SMALL)
    with pytest.raises(ValueError, match="scrambled"):
        nt.sweep("backup_path", grid, level="edge", labels="scrambled", **SMALL)
    with pytest.raises(ValueError, match="unknown sweep level 'hidden'"):
        nt.sweep("suppressor", grid, level="hidden", **SMALL)


def test_to_markdown_tabulates_another_per_seed_measure(edge_table):
    faith = discovery.faithfulness_of(edge_table)
    text = edge_table.to_markdown(errors="none", values=faith)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines()[2:]}
    i, j = edge_table.methods.index("eap"), edge_table.circuits.index("backup_path")
    cells = rows["eap"].strip(" |").split(" | ")
    assert cells[2 + j] == f"{faith[i, j].mean():.3f}"
    assert text.splitlines()[0].startswith("| method | family | clean_paths (control) |")
    with pytest.raises(ValueError, match=r"values must have the table's shape"):
        edge_table.to_markdown(values=faith[:, :, :1])


def test_the_command_line_prints_the_edge_table_and_faithfulness():
    args = ("table", "--level", "edge", "--seeds", "2", "--samples", "128")
    res = nt.evaluate(level="edge", seeds=2, samples=128)
    faith = discovery.faithfulness_of(res)
    data = run_json(*args)
    assert data["settings"]["level"] == "edge" and data["settings"]["truth"] == "edges"
    for cell in data["cells"]:
        i, j = res.methods.index(cell["method"]), res.circuits.index(cell["circuit"])
        assert cell["per_seed"] == res.auroc[i, j].tolist()
        assert cell["faithfulness"]["per_seed"] == faith[i, j].tolist()
    text = run(*args).stdout
    assert res.to_markdown(errors="sem") in text and res.to_markdown(errors="sem", values=faith) in text
    json.dumps(data)  # plain JSON


@pytest.mark.parametrize("argv, needles", [
    (["table", "--level", "edge", "--truth", "task"], ["--truth", "--level hidden", "causal edges"]),
    (["table", "--level", "edge", "--option", "gradient.x=1"], ["'gradient'", "edge_patching"]),
    (["table", "--level", "edg"], ["'edg'", "did you mean 'edge'"]),
])
def test_bad_edge_flags_are_one_line_and_exit_2(argv, needles):
    _assert_one_line_error(run(*argv), needles)


def test_scored_table_pads_each_circuit_and_scores_every_row():
    """Both levels build their table through results.scored_table: circuits of different widths
    padded with NaN, each (method, seed) row scored against its own truth."""
    from neurotrace.results import scored_table

    narrow = (np.array([[[3.0, 1.0, 2.0]], [[1.0, 2.0, 3.0]]]), np.array([[True, False, False]]))
    wide = (np.array([[[1.0, 0.0, 0.0, 5.0]], [[0.0, 1.0, 1.0, 0.0]]]), np.array([[True, False, False, True]]))
    importances, auroc = scored_table([narrow, wide])
    assert importances.shape == (2, 2, 1, 4) and np.isnan(importances[:, 0, :, 3]).all()
    np.testing.assert_array_equal(importances[:, 1], wide[0])
    np.testing.assert_array_equal(auroc[:, 0, 0], [1.0, 0.0])  # 3 tops both others; 1 is below both
    np.testing.assert_array_equal(auroc[:, 1, 0], [1.0, 0.0])  # the causal pair on top, then at the bottom
    for j, (imp, truth) in enumerate([narrow, wide]):
        for i in range(2):
            assert auroc[i, j, 0] == nt.auroc(imp[i, 0], truth[0])


def test_a_table_heads_each_control_column_by_the_registry():
    """"(control)" comes from Regime.is_control at either level, not from a list of names."""
    from neurotrace.results import is_control

    assert [r for r in nt.CIRCUITS if is_control(r)] == ["clean"]
    assert [r for r in EDGE_CIRCUITS if is_control(r)] == ["clean_paths"]
    assert not is_control("no_such_regime")
    circuit = nt.make_circuit("clean")
    with nt.registered_circuit("flat_mine", lambda strength=1.0, seed=0: circuit, complete=0.0):
        assert is_control("flat_mine")
        table = nt.evaluate(["gradient"], ["flat_mine", "suppressor"], seeds=1, samples=32)
        assert table.to_markdown().splitlines()[0] == "| method | family | flat_mine (control) | suppressor |"
