"""The ``neurotrace`` command line, run as a real subprocess (console script and ``python -m``).

Numbers are checked against the library computed in this process, never against output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import claims
from neurotrace._checks import MAX_SAMPLES, check_choice
from neurotrace.evaluate import run_seed

SCRIPT = shutil.which("neurotrace")
ENV_NAMES = ("METHOD", "CIRCUIT", "LABELS", "SAMPLES", "SEED", "STRENGTH")
ANSI = "\x1b["


def _env(extra=None):
    """The current environment minus anything that would change the CLI's behaviour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROTRACE_") and k != "NO_COLOR"}
    env.update(extra or {})
    return env


def run(*args, env=None, module=False):
    """Run the CLI; ``module=True`` uses ``python -m neurotrace`` instead of the console script."""
    if module:
        cmd = [sys.executable, "-m", "neurotrace", *args]
    else:
        assert SCRIPT, "console script `neurotrace` not found: run `python -m pip install -e .`"
        cmd = [SCRIPT, *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(env), timeout=120)


def run_json(*args, env=None):
    proc = run(*args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def library_error(fn, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as err:
        fn(*args, **kwargs)
    return str(err.value)


LABEL = re.compile(r"(f\d+)(\*?)(!?)")
ENTRY = re.compile(r"(\[[^\]]*\]|f\d+\*?!?)=(\d+\.\d+)")


def printed_groups(stdout: str):
    """``[([(name, is_truth, is_decoy), ...], score_text)]``: the tie groups of an attribute block in
    printed order; a bracketed entry is one group of several tied features."""
    return [([(n, s == "*", d == "!") for n, s, d in LABEL.findall(entry)], score)
            for entry, score in ENTRY.findall(stdout)]


def ranked_features(stdout: str):
    """``[(name, is_truth, is_decoy, score_text)]`` in printed order from an attribute block."""
    return [(n, t, d, score) for members, score in printed_groups(stdout) for n, t, d in members]


def plain_lines(text: str) -> list[str]:
    return re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()


# --- bad input: one line on stderr, exit 2, no traceback -------------------------------------

GS = ("attribute", "--method", "gradient", "--circuit", "suppressor")
HUGE = str(MAX_SAMPLES * 100)

# (argv, env, substrings stderr must contain, library call giving the same message or None)
BAD = {
    "unknown command": (["atribute"], {}, ["'atribute'", "did you mean 'attribute'", "table"], None),
    "no command": ([], {}, ["missing command", "attribute"], None),
    "unknown option": ([*GS, "--bogus"], {}, ["--bogus"], None),
    "option without value": (["attribute", "--method", "--circuit", "suppressor"], {}, ["--method"], None),
    "missing method": (["attribute", "--circuit", "suppressor"], {},
                       ["--method", "NEUROTRACE_METHOD", "gradient"], None),
    "missing circuit": (["compare"], {}, ["--circuit", "NEUROTRACE_CIRCUIT", "suppressor"], None),
    "unknown method": (["attribute", "--method", "gradiant", "--circuit", "suppressor"], {},
                       ["did you mean 'gradient'"], lambda: check_choice("gradiant", nt.METHODS, "method")),
    "unknown circuit": (["compare", "--circuit", "supressor"], {},
                        ["did you mean 'suppressor'"], lambda: nt.make_circuit("supressor")),
    "samples not an integer": ([*GS, "--samples", "abc"], {}, ["'abc'"], lambda: nt.evaluate(samples="abc")),
    "samples a float": ([*GS, "--samples", "2.5"], {}, ["'2.5'"], lambda: nt.evaluate(samples="2.5")),
    "samples zero": ([*GS, "--samples", "0"], {}, ["got 0"], lambda: nt.evaluate(samples="0")),
    "samples negative": ([*GS, "--samples", "-5"], {}, ["got -5"], lambda: nt.evaluate(samples="-5")),
    "samples one": ([*GS, "--samples", "1"], {}, ["at least 2"], lambda: nt.evaluate(samples="1")),
    "samples huge": ([*GS, "--samples", HUGE], {}, ["exhaust memory", f"{MAX_SAMPLES:,}"],
                     lambda: nt.evaluate(samples=HUGE)),
    "seed negative": ([*GS, "--seed", "-1"], {}, ["got -1"], lambda: nt.make_circuit("clean", seed="-1")),
    "seed not an integer": ([*GS, "--seed", "x"], {}, ["'x'"], lambda: nt.make_circuit("clean", seed="x")),
    "seeds zero": (["table", "--seeds", "0"], {}, ["got 0"], lambda: nt.evaluate(seeds="0")),
    "seeds negative": (["table", "--seeds", "-3"], {}, ["got -3"], lambda: nt.evaluate(seeds="-3")),
    "seeds not an integer": (["table", "--seeds", "many"], {}, ["'many'"], lambda: nt.evaluate(seeds="many")),
    "labels invalid": (["table", "--labels", "fake"], {}, ["'fake'", "real, scrambled"],
                       lambda: nt.evaluate(labels="fake")),
    "level invalid": (["table", "--level", "hiden"], {}, ["'hiden'", "did you mean 'hidden'", "input, hidden"],
                      lambda: nt.evaluate(level="hiden")),
    "truth invalid": (["table", "--level", "hidden", "--truth", "efect"], {},
                      ["'efect'", "did you mean 'effect'", "task, effect"],
                      lambda: nt.evaluate(level="hidden", truth="efect")),
    "truth without hidden": (["table", "--truth", "task"], {}, ["--truth", "--level hidden"], None),
    "strength negative": ([*GS, "--strength", "-1"], {}, ["'-1'"], lambda: nt.evaluate(strength="-1")),
    "strength nan": ([*GS, "--strength", "nan"], {}, ["'nan'"], lambda: nt.evaluate(strength="nan")),
    "strength inf": (["compare", "--circuit", "clean", "--strength", "inf"], {}, ["'inf'"],
                     lambda: nt.evaluate(strength="inf")),
    "strength -inf": ([*GS, "--strength", "-inf"], {}, ["'-inf'"], lambda: nt.evaluate(strength="-inf")),
}
# The same bad values arriving through the environment: the message names the variable.
ENV_BAD = {
    "METHOD": ("gradiant", ["attribute", "--circuit", "suppressor"], "did you mean 'gradient'"),
    "CIRCUIT": ("supressor", ["compare"], "did you mean 'suppressor'"),
    "LABELS": ("fake", ["table"], "real, scrambled"),
    "SEED": ("-1", list(GS), "non-negative integer"),
    "STRENGTH": ("nan", ["table"], "finite number"),
}
for _name, (_value, _argv, _needle) in ENV_BAD.items():
    BAD[f"env {_name}={_value}"] = (_argv, {f"NEUROTRACE_{_name}": _value},
                                    [f"NEUROTRACE_{_name}={_value!r}:", _needle], None)
for _value in ("abc", "0", "-5", "1", HUGE):
    BAD[f"env SAMPLES={_value}"] = (list(GS), {"NEUROTRACE_SAMPLES": _value},
                                    [f"NEUROTRACE_SAMPLES={_value!r}: samples must be"], None)
for _value in ("-1", "inf"):
    BAD[f"env STRENGTH={_value}"] = (["compare", "--circuit", "clean"], {"NEUROTRACE_STRENGTH": _value},
                                     [f"NEUROTRACE_STRENGTH={_value!r}: strength must be"], None)
BAD["env SEED=x"] = (["compare", "--circuit", "clean"], {"NEUROTRACE_SEED": "x"},
                     ["NEUROTRACE_SEED='x': seed must be a non-negative integer"], None)


def _assert_one_line_error(proc, needles):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("neurotrace")
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_one_line_exit_2(case):
    argv, env, needles, library = BAD[case]
    line = _assert_one_line_error(run(*argv, env=env), needles)
    if library is not None:
        # Library and command line share the wording: the library's message is in the line.
        assert library_error(library) in line


@pytest.mark.parametrize("case", ["unknown command", "samples huge", "env SAMPLES=abc", "strength -inf"])
def test_bad_input_through_python_m(case):
    argv, env, needles, _ = BAD[case]
    _assert_one_line_error(run(*argv, env=env, module=True), needles)


def test_valid_flag_overrides_bad_env_var():
    proc = run(*GS, "--samples", "64", env={"NEUROTRACE_SAMPLES": "abc"})
    assert proc.returncode == 0, proc.stderr
    assert "samples=64" in proc.stdout


# --- the original brief's two demo commands --------------------------------------------------


def test_gradient_on_suppressor_is_fooled_by_both_decoys():
    proc = run(*GS)
    assert proc.returncode == 0, proc.stderr
    assert "auroc    : 0.7500   (1.0 = circuit fully recovered, 0.5 = chance)" in proc.stdout
    assert "method   : gradient  (proxy)" in proc.stdout
    ranked = ranked_features(proc.stdout)
    names = [n for n, *_ in ranked]
    truth = [n for n, t, _, _ in ranked if t]
    assert sorted(truth) == ["f0", "f1", "f2", "f3"]
    assert {n for n, _, d, _ in ranked if d} == {"f6", "f7"}
    assert max(names.index("f6"), names.index("f7")) < min(names.index(n) for n in truth)
    assert "! = decoy" in proc.stdout and "* = ground-truth circuit feature" in proc.stdout


def test_patching_on_suppressor_recovers_the_circuit():
    proc = run("attribute", "--method", "patching", "--circuit", "suppressor")
    assert proc.returncode == 0, proc.stderr
    assert "auroc    : 1.0000" in proc.stdout
    ranked = ranked_features(proc.stdout)
    assert [t for _, t, _, _ in ranked[:4]] == [True] * 4


def test_python_m_prints_the_same_as_the_console_script():
    assert run(*GS, module=True).stdout == run(*GS).stdout


# --- numbers: the CLI shows the library's numbers --------------------------------------------


def test_attribute_json_matches_text():
    text = run(*GS, "--seed", "5").stdout
    data = run_json(*GS, "--seed", "5")
    assert f"auroc    : {data['auroc']:.4f}" in text
    printed = ranked_features(text)
    shown = data["features"][: len(printed)]
    assert [(n, t, d) for n, t, d, _ in printed] == [(f["feature"], f["ground_truth"], f["decoy"]) for f in shown]
    # a group prints one score, its highest member's (tied scores agree far below 3 decimals)
    groups = printed_groups(text)
    firsts = [f for k, f in enumerate(shown) if k == 0 or f["tie_group"] != shown[k - 1]["tie_group"]]
    assert [score for _, score in groups] == [f"{f['importance']:.3f}" for f in firsts]


# --- ties: printed as ties, never as a ranking -------------------------------------------------


@pytest.mark.parametrize("method, circuit", [("gradient", "suppressor"), ("gradient", "redundant"),
                                             ("patching", "redundant"), ("denoising_patching", "interaction"),
                                             ("correlation", "redundant"), ("random", "clean")])
def test_attribute_prints_the_tie_groups_auroc_counts(method, circuit):
    """The printed groups are ``nt.tie_groups`` of seed 0's scores: tied features share a bracket."""
    _, scores, mask = run_seed(circuit, method, seed=0)
    expected = nt.tie_groups(scores[0])
    proc = run("attribute", "--method", method, "--circuit", circuit)
    assert proc.returncode == 0, proc.stderr
    groups = printed_groups(proc.stdout)
    assert len(groups) <= len(expected)
    for (members, score), group in zip(groups, expected, strict=False):
        assert [n for n, _, _ in members] == [f"f{i}" for i in group]
        assert [t for _, t, _ in members] == [bool(mask[i]) for i in group]
        assert score == f"{scores[0, group[0]]:.3f}"
    tied = any(len(g) > 1 for g in expected[: len(groups)])
    assert ("[ ] = a tie" in proc.stdout) == tied


def test_all_zero_scores_are_one_tie_not_a_ranking():
    """Gradient on redundant scores every feature 0: one group of all twelve, no order to read."""
    for method, circuit in [("gradient", "redundant"), ("denoising_patching", "interaction")]:
        text = run("attribute", "--method", method, "--circuit", circuit).stdout
        groups = printed_groups(text)
        assert len(groups) == 1 and len(groups[0][0]) == nt.make_circuit(circuit).n_features
        assert groups[0][1] == "0.000" and "auroc    : 0.5000" in text
        assert "f0*=0.000" not in text  # no feature printed on its own as if ranked


def test_compare_shows_ties_as_groups_and_cuts_only_between_groups():
    data = run_json("compare", "--circuit", "interaction")
    _, scores, mask = run_seed("interaction", None, seed=0)
    k = int(mask.sum())
    text = run("compare", "--circuit", "interaction").stdout
    for r, row in enumerate(data["methods"]):
        groups = [list(g) for g in nt.tie_groups(scores[r])]
        shown = [[f"f{i}" for i in g] for g in groups]
        n = len(row["top_groups"])
        assert row["top_groups"] == shown[:n]  # whole groups, best first
        assert sum(map(len, shown[: n - 1])) < k <= sum(map(len, shown[:n]))  # the top k, no more groups
        line = next(ln for ln in text.splitlines() if ln.startswith(row["method"] + " "))
        bracketed = re.findall(r"\[([^\]]*)\]", line)
        assert bracketed == [" ".join(f"{m}" + ("*" if mask[int(m[1:])] else "") for m in g)
                             for g in row["top_groups"] if len(g) > 1]
    denoising = next(r for r in data["methods"] if r["method"] == "denoising_patching")
    assert len(denoising["top_groups"]) == 1 and len(denoising["top_groups"][0]) == 12


@pytest.mark.parametrize("labels", ["real", "scrambled"])
def test_attribute_seed_is_one_seed_of_evaluate(labels):
    seed = 3
    res = nt.evaluate(seeds=seed + 1, labels=labels)
    for method, circuit in [("gradient", "suppressor"), ("correlation", "confounded"), ("random", "clean")]:
        data = run_json("attribute", "--method", method, "--circuit", circuit, "--seed", str(seed),
                        "--labels", labels)
        i, j = res.methods.index(method), res.circuits.index(circuit)
        assert data["auroc"] == res.auroc[i, j, seed]
        importances = np.zeros(len(data["features"]))
        for f in data["features"]:
            importances[int(f["feature"][1:])] = f["importance"]
        np.testing.assert_array_equal(importances, res.importances[i, j, seed])


def test_compare_has_a_row_per_registered_method_with_evaluates_numbers():
    res = nt.evaluate(circuits="confounded", seeds=1)
    data = run_json("compare", "--circuit", "confounded")
    assert [r["method"] for r in data["methods"]] == list(nt.METHODS)
    for i, row in enumerate(data["methods"]):
        assert row["auroc"] == res.auroc[i, 0, 0]
        assert row["family"] == nt.METHODS[row["method"]].family
    text = run("compare", "--circuit", "confounded").stdout
    for row in data["methods"]:
        line = next(ln for ln in text.splitlines() if ln.startswith(row["method"] + " "))
        assert f"{row['auroc']:.4f}" in line
        assert re.findall(r"f\d+", line.split(f"{row['auroc']:.4f}")[1]) == row["top"]
    assert "<- fooled" in next(ln for ln in text.splitlines() if ln.startswith("correlation"))


def _why_block(text: str) -> dict:
    """``{method: reason}`` from the block after a compare table (reasons unwrapped)."""
    lines = plain_lines(text)
    start = next(k for k, ln in enumerate(lines) if ln.startswith(f"below auroc {claims.FOOLED_BELOW:g} here"))
    out, method = {}, None
    for ln in lines[start + 1:]:
        if ln.startswith("      "):
            out[method] = (out[method] + " " + ln.strip()).strip()
        else:
            method, out[ln.split()[0]] = ln.split()[0], ""
    return out


@pytest.mark.parametrize("circuit, strength", [("confounded", 1), ("suppressor", 1), ("redundant", 1),
                                               ("interaction", 1), ("suppressor", 3), ("interaction", 0)])
def test_compare_marks_every_method_below_the_bar_with_its_reason(circuit, strength):
    data = run_json("compare", "--circuit", circuit, "--strength", str(strength))
    text = run("compare", "--circuit", circuit, "--strength", str(strength)).stdout
    below = [r["method"] for r in data["methods"] if r["auroc"] < claims.FOOLED_BELOW]
    assert "random" in below  # seed 0's random draw: 0.41, below the bar on every circuit
    why = _why_block(text)
    assert list(why) == below
    for row in data["methods"]:
        line = next(ln for ln in text.splitlines() if ln.startswith(row["method"] + " "))
        marked = "<- fooled" in line or "<- chance" in line
        assert marked == (row["method"] in below) == row["fooled"], line
        if row["method"] in below and row["method"] != "random":
            reason = claims.explain(circuit, row["method"], strength, seed=0)
            assert why[row["method"]] == reason == row["why"]
            assert "<- fooled" in line
    assert "<- chance" in next(ln for ln in text.splitlines() if ln.startswith("random "))
    if strength == 0:  # the control: only the random baseline is below the bar
        assert below == ["random"]
    else:  # every method the regime lists is below the bar, and so is nothing unexplained
        assert set(nt.CIRCUITS[circuit].fools) <= set(below)
        assert not any(r.startswith("not a failure") for r in why.values())


def test_compare_names_igs_quadrature_error_at_suppressor_strength_3():
    text = run("compare", "--circuit", "suppressor", "--strength", "3").stdout
    why = _why_block(text)
    assert why["integrated_gradients"].startswith("quadrature error, not the decoy")
    assert "integrated_gradients (not listed in this regime's fools)" in text
    assert "gradient (the method this regime is built to fool)" in text


@pytest.mark.parametrize("args", [("compare", "--circuit", "redundant"), ("compare", "--circuit", "interaction"),
                                  ("compare", "--circuit", "suppressor", "--strength", "3"), ("circuits",),
                                  ("attribute", "--method", "gradient", "--circuit", "redundant"),
                                  ("attribute", "--method", "random", "--circuit", "clean"), GS,
                                  ("attribute", "--method", "integrated_gradients", "--circuit", "suppressor",
                                   "--strength", "3")])
def test_lines_fit_in_100_columns(args):
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert max(map(len, plain_lines(proc.stdout))) <= 100


def test_table_json_equals_evaluate_means_at_the_harness_settings():
    data = run_json("table")
    res = nt.evaluate()
    assert data["settings"] == {"seeds": claims.SEEDS, "samples": claims.SAMPLES, "labels": "real",
                                "strength": claims.STRENGTH, "level": "input", "truth": "causal", "options": {}}
    mean = res.mean()
    cells = {(c["method"], c["circuit"]): c["mean"] for c in data["cells"]}
    assert set(cells) == {(m, c) for m in res.methods for c in res.circuits}
    for i, m in enumerate(res.methods):
        for j, c in enumerate(res.circuits):
            assert cells[m, c] == mean[i, j]


def test_table_text_is_the_results_markdown():
    proc = run("table")
    assert proc.returncode == 0, proc.stderr
    assert nt.evaluate().to_markdown(errors="sem") in proc.stdout


def test_table_scrambled_labels_and_seeds():
    data = run_json("table", "--labels", "scrambled", "--seeds", "8", "--samples", "64")
    res = nt.evaluate(labels="scrambled", seeds=8, samples=64)
    assert [c["mean"] for c in data["cells"]] == [c["mean"] for c in res.to_dict()["cells"]]


def test_table_at_the_neuron_level():
    data = run_json("table", "--level", "hidden", "--seeds", "4", "--samples", "64")
    res = nt.evaluate(level="hidden", seeds=4, samples=64)
    assert data["settings"]["level"] == "hidden" and data["settings"]["truth"] == "task"  # the default truth
    pairs = [(c["method"], c["mean"]) for c in data["cells"]]
    assert pairs == [(c["method"], c["mean"]) for c in res.to_dict()["cells"]]
    text = run("table", "--level", "hidden", "--seeds", "4", "--samples", "64").stdout
    assert "hidden units, truth=task" in text and res.to_markdown(errors="sem") in text


def test_the_neuron_level_table_tells_where_the_truths_part():
    text = run("table", "--level", "hidden", "--seeds", "2", "--samples", "64").stdout
    c = claims.cancellation("suppressor")
    assert "suppressor: 4 units outside the task circuit cancel in 2 groups." in text
    assert f"patched alone, each moves y by {c['gate_single_low']:.2f}-{c['gate_single_high']:.2f}" in text
    assert f"(task units: {c['causal_single_low']:.2f}-{c['causal_single_high']:.2f})" in text
    assert f"patched with its group, by only {c['pair_joint_low']:.2f}-{c['pair_joint_high']:.2f}." in text
    assert c["pair_joint_high"] < c["causal_single_low"] < c["causal_single_high"] < c["gate_single_low"]
    # At the control strength the gates have output weight 0: nothing cancels, the truths agree.
    control = run("table", "--level", "hidden", "--seeds", "2", "--samples", "64", "--strength", "0").stdout
    assert "nowhere at this strength" in control and "cancel in" not in control
    block = text.split("where the two truths part")[1].splitlines()
    assert max(len(line) for line in block) <= 100


@pytest.mark.parametrize("truth", nt.HIDDEN_TRUTHS)
def test_table_hidden_truth(truth):
    args = ("table", "--level", "hidden", "--truth", truth, "--seeds", "3", "--samples", "64")
    data = run_json(*args)
    res = nt.evaluate(level="hidden", truth=truth, seeds=3, samples=64)
    assert data["settings"]["truth"] == truth
    assert data["cells"] == res.to_dict()["cells"]
    text = run(*args).stdout
    assert f"truth={truth}" in text and res.to_markdown(errors="sem") in text


def test_table_hidden_truths_differ_where_units_cancel():
    """The two truths are different questions: on the suppressor unit patching fails one, holds the other."""
    task, effect = (run_json("table", "--level", "hidden", "--truth", t, "--seeds", "2", "--samples", "64")
                    for t in ("task", "effect"))

    def cell(data, method, circuit):
        return next(c["mean"] for c in data["cells"] if (c["method"], c["circuit"]) == (method, circuit))
    assert cell(task, "patching", "suppressor") < claims.FOOLED_BELOW <= claims.HOLDS_AT <= \
        cell(effect, "patching", "suppressor")


def test_circuits_lists_every_regime_with_its_ground_truth():
    data = run_json("circuits")["circuits"]
    assert [c["name"] for c in data] == list(nt.CIRCUITS)
    for entry in data:
        c = nt.make_circuit(entry["name"])
        assert entry["causal"] == [f"f{i}" for i in np.flatnonzero(c.causal)]
        assert entry["decoys"] == [f"f{i}" for i in np.flatnonzero(c.decoy)]
    text = run("circuits").stdout
    assert "decoys   : f6 f7" in text and "fools    : correlation" in text


def test_circuits_reads_the_registry_every_fooled_method_with_its_reason():
    data = run_json("circuits")
    assert data["fooled_below"] == claims.FOOLED_BELOW
    text = " ".join(run("circuits").stdout.split())  # reasons are wrapped: compare unwrapped
    for entry in data["circuits"]:
        regime = nt.CIRCUITS[entry["name"]]
        assert entry["description"] == regime.description
        assert entry["fools"] == [{"method": m, "reason": why} for m, why in regime.fools.items()]
        assert entry["target"] == regime.target and entry["complete"] == regime.complete
        for method, why in regime.fools.items():
            assert f"- {method}: {why}" in text
    assert len(nt.CIRCUITS["redundant"].fools) > 1  # the side effects are listed, not only the target
    assert "fools : nothing (the control)" in text


def test_circuits_builds_nothing_beyond_one_circuit_per_regime(monkeypatch, capsys):
    """Description, fools and complete come from the registry; a build is only for the feature masks."""
    import dataclasses

    from neurotrace.cli import main

    built = []
    for name, regime in list(nt.CIRCUITS.items()):
        def build(strength=1.0, seed=0, _name=name, _build=regime.build):
            built.append((_name, strength, seed))
            return _build(strength=strength, seed=seed)
        monkeypatch.setitem(nt.CIRCUITS, name, dataclasses.replace(regime, build=build))
    assert main(["circuits"]) == 0
    assert sorted(built) == sorted((name, 1.0, 0) for name in nt.CIRCUITS)
    assert "fools" in capsys.readouterr().out


# --- environment defaults, colour, help ------------------------------------------------------


def test_env_vars_supply_defaults():
    env = {"NEUROTRACE_METHOD": "gradient", "NEUROTRACE_CIRCUIT": "suppressor", "NEUROTRACE_SAMPLES": "64",
           "NEUROTRACE_SEED": "2", "NEUROTRACE_STRENGTH": "0.5", "NEUROTRACE_LABELS": "scrambled"}
    data = run_json("attribute", env=env)
    assert {k: data[k] for k in ("method", "circuit", "samples", "seed", "strength", "labels")} == {
        "method": "gradient", "circuit": "suppressor", "samples": 64, "seed": 2, "strength": 0.5,
        "labels": "scrambled"}
    _, scores, mask = run_seed("suppressor", "gradient", seed=2, samples=64, labels="scrambled",
                                strength=0.5)
    assert data["auroc"] == nt.auroc(scores[0], mask)


def test_flags_override_env_vars():
    env = {"NEUROTRACE_METHOD": "gradient", "NEUROTRACE_CIRCUIT": "suppressor", "NEUROTRACE_SAMPLES": "64",
           "NEUROTRACE_SEED": "2", "NEUROTRACE_STRENGTH": "0.5", "NEUROTRACE_LABELS": "scrambled"}
    data = run_json("attribute", "--method", "patching", "--circuit", "clean", "--samples", "128",
                    "--seed", "1", "--strength", "2", "--labels", "real", env=env)
    assert {k: data[k] for k in ("method", "circuit", "samples", "seed", "strength", "labels")} == {
        "method": "patching", "circuit": "clean", "samples": 128, "seed": 1, "strength": 2.0, "labels": "real"}


def test_empty_env_var_counts_as_unset():
    data = run_json(*GS, env={f"NEUROTRACE_{n}": "" for n in ENV_NAMES})
    assert (data["samples"], data["seed"], data["labels"], data["strength"]) == (512, 0, "real", 1.0)


def test_no_ansi_when_not_a_terminal():
    for args in (GS, ("compare", "--circuit", "suppressor"), ("circuits",)):
        proc = run(*args, env={"TERM": "xterm-256color"})
        assert proc.returncode == 0 and ANSI not in proc.stdout and ANSI not in proc.stderr


def _run_on_a_tty(args, env):
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([SCRIPT, *args], stdout=slave, stderr=subprocess.PIPE, env=_env(env), timeout=120)
    finally:
        os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child has gone and the slave side is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.returncode == 0, proc.stderr
    return out.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_colour_on_a_terminal_unless_no_color():
    coloured = _run_on_a_tty(GS, {"TERM": "xterm-256color"})
    plain = _run_on_a_tty(GS, {"TERM": "xterm-256color", "NO_COLOR": "1"})
    assert ANSI in coloured
    assert ANSI not in plain
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert "auroc    : 0.7500" in plain


def test_version_and_help():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"neurotrace {nt.__version__}"
    top = run("--help")
    assert top.returncode == 0 and "examples:" in top.stdout and "NEUROTRACE_SAMPLES" in top.stdout
    for command in ("circuits", "attribute", "compare", "table"):
        proc = run(command, "--help")
        assert proc.returncode == 0 and "examples:" in proc.stdout
        assert f"neurotrace {command}" in proc.stdout
    attribute_help = " ".join(run("attribute", "--help").stdout.split())
    assert all(name in attribute_help for name in nt.METHODS)


# --- the README shows real output --------------------------------------------------------------


def _readme_sessions():
    """``(env, argv, printed)`` for each ``$ ... neurotrace ...`` line in README console blocks."""
    import shlex
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    sessions = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            if not chunk.startswith("$ "):
                continue
            command, _, printed = chunk[2:].partition("\n")
            words = shlex.split(command)
            env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
            argv = [w for w in words if w not in {f"{k}={v}" for k, v in env.items()}]
            if argv[:1] == ["neurotrace"]:
                sessions.append((env, argv[1:], printed.rstrip("\n")))
    return sessions


def test_readme_examples_are_real_output():
    sessions = _readme_sessions()
    demos = [argv for _, argv, _ in sessions]
    assert list(GS) in demos
    assert ["attribute", "--method", "patching", "--circuit", "suppressor"] in demos
    assert ["compare", "--circuit", "confounded"] in demos
    for env, argv, printed in sessions:
        proc = run(*argv, env=env)
        assert (proc.stdout + proc.stderr).rstrip("\n") == printed, " ".join(argv)
