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


FEATURE = re.compile(r"(f\d+)(\*?)(!?)=(\d+\.\d+)")


def ranked_features(stdout: str):
    """``[(name, is_truth, is_decoy, score_text)]`` in printed order from an attribute block."""
    return [(n, s == "*", d == "!", v) for n, s, d, v in FEATURE.findall(stdout)]


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


# --- the seed's two demo commands ------------------------------------------------------------


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
    assert [(n, t, d, v) for n, t, d, v in printed] == [
        (f["feature"], f["ground_truth"], f["decoy"], f"{f['importance']:.3f}") for f in shown
    ]


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
    assert "the decoy targets this method" in next(ln for ln in text.splitlines() if ln.startswith("correlation"))


def test_table_json_equals_evaluate_means_at_the_harness_settings():
    data = run_json("table")
    res = nt.evaluate()
    assert data["settings"] == {"seeds": claims.SEEDS, "samples": claims.SAMPLES, "labels": "real",
                                "strength": claims.STRENGTH, "level": "input", "truth": "causal"}
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
    assert data["settings"]["level"] == "hidden"
    pairs = [(c["method"], c["mean"]) for c in data["cells"]]
    assert pairs == [(c["method"], c["mean"]) for c in res.to_dict()["cells"]]
    text = run("table", "--level", "hidden", "--seeds", "4", "--samples", "64").stdout
    assert "hidden units" in text and res.to_markdown(errors="sem") in text


def test_circuits_lists_every_regime_with_its_ground_truth():
    data = run_json("circuits")["circuits"]
    assert [c["name"] for c in data] == list(nt.CIRCUITS)
    for entry in data:
        c = nt.make_circuit(entry["name"])
        assert entry["causal"] == [f"f{i}" for i in np.flatnonzero(c.causal)]
        assert entry["decoys"] == [f"f{i}" for i in np.flatnonzero(c.decoy)]
        assert entry["fools"] == list(c.fools)
    text = run("circuits").stdout
    assert "decoys : f6 f7" in text and "fools  : correlation" in text


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
    """``(env, argv, printed)`` for each ``$ ... neurotrace attribute ...`` line in README console blocks."""
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
            if argv[:2] == ["neurotrace", "attribute"]:
                sessions.append((env, argv[1:], printed.rstrip("\n")))
    return sessions


def test_readme_attribute_examples_are_real_output():
    sessions = _readme_sessions()
    demos = [argv for _, argv, _ in sessions]
    assert list(GS) in demos
    assert ["attribute", "--method", "patching", "--circuit", "suppressor"] in demos
    for env, argv, printed in sessions:
        proc = run(*argv, env=env)
        assert (proc.stdout + proc.stderr).rstrip("\n") == printed, " ".join(argv)
