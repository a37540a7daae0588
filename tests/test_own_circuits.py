"""Bring your own circuit, method options and results out (issue 15, items 1, 3, 4): circuits from
weights, registered by name or passed as objects and builders; re-registration; per-method options in
evaluate, sweep and the command line; Results to CSV, pandas and combined tables; no error prints an array."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import neurotrace as nt
from neurotrace.cli import main


def _weights(seed=0, h=6, d=5):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(h, d))
    W[:, 3:] = 0.0  # features 3, 4 are read by no unit
    return W, rng.normal(size=h), rng.normal(size=h)


@pytest.fixture
def mine():
    W, b, v = _weights()
    return nt.circuit_from_weights(W, b, v, "tanh", [0, 1, 2], name="mine")


# --- item 1: circuits from weights -------------------------------------------------------------


def test_circuit_from_weights_computes_its_weights(mine):
    W, b, v = _weights()
    X = mine.sample(64, nt.make_rng("data", 0))
    np.testing.assert_array_equal(mine.forward(X), np.tanh(X @ W.T + b) @ v)
    assert mine.causal.tolist() == [True, True, True, False, False]
    assert not mine.decoy.any()
    # default task circuit: units that read a causal feature and reach the output
    np.testing.assert_array_equal(mine.hidden_causal, (W[:, :3] != 0).any(axis=1) & (v != 0))


def test_default_data_is_independent_standard_normal(mine):
    X = mine.sample(20_000, nt.make_rng("data", 3))
    np.testing.assert_array_equal(X, nt.make_rng("data", 3).standard_normal((20_000, 5)))
    np.testing.assert_allclose(np.cov(X.T), np.eye(5), atol=0.05)
    assert "N(0, I)" in nt.DEFAULT_DATA


def test_a_sampler_gives_the_data_and_every_draw_is_checked():
    W, b, v = _weights()
    c = nt.circuit_from_weights(W, b, v, "tanh", [True, True, True, False, False],
                                sampler=lambda n, rng: 3.0 + rng.standard_normal((n, 5)))
    assert abs(c.sample(4000, nt.make_rng("data", 0)).mean() - 3.0) < 0.05
    with pytest.raises(ValueError, match=r"sampler of circuit 'custom' returned shape \(4, 2\)"):
        nt.circuit_from_weights(W, b, v, "tanh", [0], sampler=lambda n, rng: np.zeros((n, 2)))
    with pytest.raises(ValueError, match="returned NaN or inf"):
        nt.circuit_from_weights(W, b, v, "tanh", [0], sampler=lambda n, rng: np.full((n, 5), np.nan))


def test_a_circuit_object_scores_like_the_same_circuit_registered(mine):
    direct = nt.evaluate(["gradient", "patching", "random"], [mine, "clean"], seeds=3, samples=64)
    with nt.registered_circuit("mine", mine):
        by_name = nt.evaluate(["gradient", "patching", "random"], ["mine", "clean"], seeds=3, samples=64)
    assert direct.circuits == by_name.circuits == ("mine", "clean")
    np.testing.assert_array_equal(direct.auroc, by_name.auroc)
    np.testing.assert_array_equal(direct.importances, by_name.importances)
    assert "mine" not in nt.CIRCUITS


def test_a_built_in_passed_as_an_object_or_a_builder_scores_as_by_name():
    by_name = nt.evaluate(["gradient", "patching"], "suppressor", seeds=1, samples=128)
    obj = nt.evaluate(["gradient", "patching"], [nt.make_circuit("suppressor", seed=0)], seeds=1, samples=128)
    built = nt.evaluate(["gradient", "patching"], [nt.CIRCUITS["suppressor"].build], seeds=4, samples=128)
    np.testing.assert_array_equal(obj.auroc, by_name.auroc)
    np.testing.assert_array_equal(built.auroc, nt.evaluate(["gradient", "patching"], "suppressor", seeds=4,
                                                           samples=128).auroc)
    assert built.circuits == ("suppressor",)


def test_register_circuit_as_a_decorator_is_swept_like_a_builder():
    W, b, v = _weights(1)

    def build(strength=1.0, seed=0):
        return nt.circuit_from_weights(W * (1 + strength), b, v, "tanh", [0, 1, 2], seed=seed)

    try:
        returned = nt.register_circuit("scaled", fools={"gradient": "a reason"})(build)
        assert returned is build
        regime = nt.CIRCUITS["scaled"]
        assert regime.fools == {"gradient": "a reason"} and regime.target == "gradient"
        assert nt.make_circuit("scaled", strength=2).name == "scaled"  # named as registered
        by_name = nt.sweep("scaled", [0, 1, 2], methods=["gradient", "correlation"], seeds=2, samples=64)
    finally:
        nt.unregister_circuit("scaled")
    by_builder = nt.sweep(build, [0, 1, 2], methods=["gradient", "correlation"], seeds=2, samples=64)
    np.testing.assert_array_equal(by_name.auroc, by_builder.auroc)
    assert by_name.circuit == "scaled" and by_builder.circuit == "custom"


def test_re_registering_needs_replace_and_the_with_block_restores(mine):
    try:
        nt.register_circuit("mine", mine)
        with pytest.raises(ValueError, match=r"'mine' is already registered; pass replace=True"):
            nt.register_circuit("mine", mine)
        other = nt.circuit_from_weights(*_weights(2), "relu", [0])
        nt.register_circuit("mine", other, replace=True)  # a notebook cell run twice
        assert nt.make_circuit("mine").activation == "relu"
        with nt.registered_circuit("mine", mine, replace=True):
            assert nt.make_circuit("mine").activation == "tanh"
        assert nt.make_circuit("mine").activation == "relu"  # the replaced one is back
    finally:
        nt.unregister_circuit("mine")
    for name in ("clean", "suppressor"):
        with pytest.raises(ValueError, match="built in"):
            nt.register_circuit(name, mine, replace=True)
        with pytest.raises(ValueError, match="built in"):
            nt.unregister_circuit(name)


def test_register_method_replace_and_with_block():
    def ones(circuit, X, rng):
        return np.ones(circuit.n_features)

    def weights(circuit, X, rng):
        return np.abs(circuit.v) @ np.abs(circuit.W)

    try:
        nt.register_method("tests_mine", ones, family="proxy")
        with pytest.raises(ValueError, match="pass replace=True"):
            nt.register_method("tests_mine", ones, family="proxy")
        nt.register_method("tests_mine", weights, family="proxy", replace=True)
        assert nt.METHODS["tests_mine"].fn is weights
        with nt.registered_method("tests_mine", ones, family="baseline", replace=True):
            assert nt.METHODS["tests_mine"].fn is ones
        assert nt.METHODS["tests_mine"].fn is weights
        with pytest.raises(ValueError, match="built in and cannot be replaced"):
            nt.register_method("gradient", ones, family="proxy", replace=True)
    finally:
        nt.unregister_method("tests_mine")
    with nt.registered_method("tests_once", ones, family="proxy"):
        assert "tests_once" in nt.METHODS
    assert "tests_once" not in nt.METHODS


# --- item 1: no error message prints an array ------------------------------------------------


def _bad_calls(mine):
    W, b, v = _weights()
    big = np.arange(5000.0).reshape(100, 50)
    return [
        lambda: nt.evaluate(circuits=mine.W), lambda: nt.evaluate(circuits=[mine.W]),
        lambda: nt.evaluate(circuits=[mine, mine]), lambda: nt.evaluate(circuits=[3]),
        lambda: nt.evaluate(circuits=[lambda strength, seed: big]), lambda: nt.evaluate(circuits=[lambda x: mine]),
        lambda: nt.sweep(mine, [1]), lambda: nt.sweep(big, [1]), lambda: nt.run_seed(big),
        lambda: nt.run_seed([mine, mine]), lambda: nt.make_circuit(mine),
        lambda: nt.circuit_from_weights(big, b, v, "tanh", [0]),
        lambda: nt.circuit_from_weights(W, big, v, "tanh", [0]),
        lambda: nt.circuit_from_weights(W, b, big, "tanh", [0]),
        lambda: nt.circuit_from_weights(W[0], b, v, "tanh", [0]),
        lambda: nt.circuit_from_weights(W, b, v, big, [0]),
        lambda: nt.circuit_from_weights(W, b, v, "tanh", big),
        lambda: nt.circuit_from_weights(W, b, v, "tanh", np.ones(5, bool)),
        lambda: nt.circuit_from_weights(W, b, v, "tanh", [7]),
        lambda: nt.circuit_from_weights(W * np.nan, b, v, "tanh", [0]),
        lambda: nt.circuit_from_weights(W, b, v, "tanh", [0], name=big),
        lambda: nt.circuit_from_weights(W, b, v, "tanh", [0], sampler=big),
        lambda: nt.circuit_from_weights(W, b, v, "tanh", [0], hidden_causal=big),
        lambda: nt.register_circuit(big, mine), lambda: nt.register_circuit("x", big),
        lambda: nt.register_circuit("x", mine, fools=big), lambda: nt.register_circuit("clean", mine),
        lambda: nt.unregister_circuit(big), lambda: nt.register_method("x", big, family="proxy"),
        lambda: nt.evaluate(["patching"], options=big), lambda: nt.evaluate(["patching"], options={"patching": big}),
        lambda: nt.evaluate(["patching"], options={big.tobytes()[:50]: {}}),
        lambda: nt.evaluate(["patching"], options={"patching": {"corruption": big}}, seeds=1, samples=8),
        lambda: nt.evaluate(["patching"], corruption=big),
        lambda: nt.combine(big), lambda: nt.Circuit(name="x", strength=1, W=big, b=b, v=v, activation="tanh",
                                                    causal=mine.causal, decoy=mine.decoy, mixing=np.eye(5),
                                                    hidden_causal=mine.hidden_causal),
    ]


def test_no_error_message_prints_an_array(mine):
    for k, call in enumerate(_bad_calls(mine)):
        with pytest.raises((TypeError, ValueError)) as info:
            call()
        message = str(info.value)
        assert "\n" not in message, f"call {k}: {message!r}"
        assert not re.search(r"\[\s*-?\d", message), f"call {k} prints an array: {message!r}"
        assert len(message) < 400, f"call {k}: {len(message)} characters"


# --- item 3: per-method options ------------------------------------------------------------------


def test_options_reach_the_method_and_only_it():
    res = nt.evaluate(["patching", "attribution_patching"], ["redundant", "suppressor"], seeds=3, samples=64,
                      options={"patching": {"corruption": "zero"}})
    assert res.options == {"patching": {"corruption": "zero"}}
    for j, name in enumerate(res.circuits):
        for s in range(3):
            c = nt.make_circuit(name, seed=s)
            X = c.sample(64, nt.make_rng("data", s))
            zero = nt.attribute("patching", c, X, rng=nt.make_rng("method", "patching", s), corruption="zero")
            default = nt.attribute("attribution_patching", c, X, rng=nt.make_rng("method", "attribution_patching", s))
            np.testing.assert_array_equal(res.importances[0, j, s], zero)
            np.testing.assert_array_equal(res.importances[1, j, s], default)
    plain = nt.evaluate(["patching"], "redundant", seeds=3, samples=64)
    assert not np.array_equal(plain.importances[0], res.importances[0, 0])


def test_sweep_and_hidden_level_take_options():
    curve = nt.sweep("suppressor", [0, 1], methods=["integrated_gradients"], seeds=2, samples=64,
                     options={"integrated_gradients": {"rule": "exact"}})
    for k, strength in enumerate((0, 1)):
        res = nt.evaluate(["integrated_gradients"], "suppressor", seeds=2, samples=64, strength=strength,
                          options={"integrated_gradients": {"rule": "exact"}})
        np.testing.assert_array_equal(curve.auroc[:, k], res.auroc[:, 0])
    hidden = nt.evaluate(["patching"], "suppressor", level="hidden", seeds=2, samples=64,
                         options={"patching": {"corruption": "zero"}})
    c = nt.make_circuit("suppressor", seed=1)
    X = c.sample(64, nt.make_rng("data", 1))
    expected = nt.attribute_hidden("patching", c, X, rng=nt.make_rng("method", "patching", 1), corruption="zero")
    np.testing.assert_array_equal(hidden.importances[0, 0, 1, : c.n_hidden], expected)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"corruption": "zero"}, TypeError, r"options=\{'patching': \{'corruption': \.\.\.\}\} \('corruption' is an "
                                        r"option of patching, denoising_patching, attribution_patching\)"),
    ({"options": {"patching": {"corruptio": "zero"}}}, ValueError,
     r"unknown option 'corruptio' for method 'patching' \(valid options: corruption\)"),
    ({"options": {"gradient": {}}}, ValueError, r"options are given for method 'gradient', which is not among"),
    ({"options": {"patchin": {}}}, ValueError, r"unknown method 'patchin'; did you mean 'patching'"),
    ({"options": [("patching", {})]}, TypeError, r"options must be a dict"),
    ({"options": {"patching": {"corruption": "zer"}}}, ValueError, r"unknown corruption 'zer'; did you mean 'zero'"),
])
def test_bad_options_are_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        nt.evaluate(["patching"], "clean", seeds=1, samples=8, **kwargs)


def test_cli_option_flag(capsys):
    assert main(["attribute", "--method", "patching", "--circuit", "redundant", "--option", "patching.corruption=zero",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    c = nt.make_circuit("redundant")
    X = c.sample(512, nt.make_rng("data", 0))
    expected = nt.attribute("patching", c, X, rng=nt.make_rng("method", "patching", 0), corruption="zero")
    assert out["options"] == {"corruption": "zero"}
    np.testing.assert_array_equal(sorted(f["importance"] for f in out["features"]), sorted(expected))
    assert main(["table", "--seeds", "2", "--samples", "64", "--option", "integrated_gradients.steps=8",
                 "--option", "smoothgrad.noise=0.5", "--json"]) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert settings["options"] == {"integrated_gradients": {"steps": 8}, "smoothgrad": {"noise": 0.5}}
    assert main(["compare", "--circuit", "clean", "--samples", "64", "--option", "patching.corruption=mean"]) == 0
    assert "options  : patching.corruption=mean" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--option", "patching.corruption=zer"], "unknown corruption 'zer'; did you mean 'zero'?"),
    (["--option", "patching.corrupt=zero"], "argument --option: unknown option 'corrupt' for method 'patching'"),
    (["--option", "corruption=zero"], "argument --option: expected METHOD.NAME=VALUE"),
    (["--option", "patchng.corruption=zero"], "argument --option: unknown method 'patchng'; did you mean 'patching'"),
    (["--option", "gradient.steps=3"], "argument --option: unknown option 'steps' for method 'gradient'"),
    (["--option", "integrated_gradients.steps=many"], "integrated_gradients.steps must be an integer (got 'many')"),
    (["--option", "patching.corruption=zero", "--option", "patching.corruption=mean"], "is given twice"),
])
def test_cli_bad_option_is_one_line_exit_2(argv, message, capsys):
    code = main(["table", "--seeds", "1", "--samples", "8", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_cli_option_for_another_method_than_attribute_runs(capsys):
    code = main(["attribute", "--method", "gradient", "--circuit", "clean", "--option", "patching.corruption=zero"])
    err = capsys.readouterr().err
    assert code == 2 and "'patching' is not the method run here ('gradient')" in err


# --- item 4: results out -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_runs():
    first = nt.evaluate(["gradient", "patching"], ["clean", "suppressor"], seeds=3, samples=64,
                        options={"patching": {"corruption": "mean"}})
    second = nt.evaluate(["shapley"], ["clean", "suppressor"], seeds=3, samples=64)
    return first, second


def test_csv_holds_the_dict_numbers(two_runs):
    res = two_runs[0]
    rows = list(csv.DictReader(io.StringIO(res.to_csv())))
    cells = res.to_dict()["cells"]
    assert [(r["method"], r["circuit"]) for r in rows] == [(c["method"], c["circuit"]) for c in cells]
    for r, c in zip(rows, cells, strict=True):
        assert float(r["mean"]) == c["mean"] and float(r["sem"]) == c["sem"] and r["family"] == c["family"]
        assert r["seeds"] == "3" and r["samples"] == "64"
    assert {r["options"] for r in rows} == {"", "corruption=mean"}
    seeds = list(csv.DictReader(io.StringIO(res.to_csv(per_seed=True))))
    assert len(seeds) == 2 * 2 * 3
    assert [float(r["auroc"]) for r in seeds[:3]] == res.auroc[0, 0].tolist()


def test_csv_to_a_path_is_written_whole(two_runs, tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")
    assert two_runs[0].to_csv(target) == target
    assert target.read_text() == two_runs[0].to_csv()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]  # no temporary file left


def test_dataframe_where_pandas_is_installed(two_runs):
    pandas = pytest.importorskip("pandas", reason="pandas is optional (python -m pip install -e \".[pandas]\")")
    frame = two_runs[0].to_dataframe()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 4
    np.testing.assert_array_equal(frame["mean"].to_numpy(), two_runs[0].mean().ravel())
    long = two_runs[0].to_dataframe(per_seed=True)
    assert long.groupby(["method", "circuit"], sort=False)["auroc"].mean().to_numpy().tolist() == \
        two_runs[0].mean().ravel().tolist()


def test_dataframe_without_pandas_names_the_extra():
    code = ("import sys; sys.modules['pandas'] = None\nimport neurotrace as nt\n"
            "r = nt.evaluate(['gradient'], 'clean', seeds=1, samples=8)\n"
            "try:\n    r.to_dataframe()\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert 'python -m pip install -e ".[pandas]"' in out and "to_csv" in out


def test_combine_two_runs_is_one_run(two_runs):
    first, second = two_runs
    both = nt.combine(first, second)
    together = nt.evaluate(["gradient", "patching", "shapley"], ["clean", "suppressor"], seeds=3, samples=64,
                           options={"patching": {"corruption": "mean"}})
    assert both.methods == together.methods and both.families == together.families
    assert both.options == together.options
    np.testing.assert_array_equal(both.auroc, together.auroc)
    np.testing.assert_array_equal(both.importances, together.importances)
    assert first.combine(second).to_markdown() == together.to_markdown()
    # and by circuits: the same methods on other circuits
    other = nt.evaluate(["gradient", "patching"], ["redundant"], seeds=3, samples=64,
                        options={"patching": {"corruption": "mean"}})
    wide = nt.combine(first, other)
    assert wide.circuits == ("clean", "suppressor", "redundant")
    np.testing.assert_array_equal(wide.auroc[:, 2], other.auroc[:, 0])
    json.dumps(wide.to_dict())


def test_combine_refuses_what_does_not_fit(two_runs):
    first, second = two_runs
    with pytest.raises(ValueError, match=r"cannot combine results whose seeds differ \(3 and 2\)"):
        nt.combine(first, nt.evaluate(["shapley"], ["clean", "suppressor"], seeds=2, samples=64))
    with pytest.raises(ValueError, match="method 'gradient' is in more than one run"):
        nt.combine(first, first)
    with pytest.raises(ValueError, match="same circuits .* or the same methods"):
        nt.combine(first, nt.evaluate(["shapley"], ["clean"], seeds=3, samples=64))
    with pytest.raises(TypeError, match="combine takes Results"):
        nt.combine(first, first.to_dict())


def test_json_form_is_documented_and_complete(two_runs):
    res = two_runs[0]
    d = json.loads(json.dumps(res.to_dict()))
    assert set(d) == {"settings", "cells"}
    assert set(d["settings"]) == {"seeds", "samples", "labels", "strength", "level", "truth", "options"}
    assert set(d["cells"][0]) == {"method", "family", "circuit", "mean", "std", "sem", "per_seed"}
    doc = nt.Results.to_dict.__doc__
    for key in (*d["settings"], *d["cells"][0]):
        assert f'"{key}"' in doc, key
    # an option JSON cannot hold is shown as short text, and the dict still serialises
    arr = nt.evaluate(["integrated_gradients"], "clean", seeds=1, samples=8,
                      options={"integrated_gradients": {"baseline": np.zeros(12)}})
    shown = json.loads(json.dumps(arr.to_dict()))["settings"]["options"]["integrated_gradients"]["baseline"]
    assert isinstance(shown, str) and len(shown) <= 40


def test_the_readme_own_circuit_block_runs_as_written():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = text.split("### Your own circuit\n\n```python\n")[1].split("```")[0]
    namespace: dict = {}
    try:
        exec(compile(block, "README.md", "exec"), namespace)
        assert nt.make_circuit("mine").causal.tolist() == [True, True, False, False]
        assert namespace["curve"].circuit == "scaled" and namespace["curve"].auroc.shape[1] == 3
    finally:
        for name in ("mine", "scaled"):
            if name in nt.CIRCUITS:
                nt.unregister_circuit(name)
