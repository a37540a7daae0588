"""Fuzzing the command line: every bad input is one line on stderr, exit 2, no traceback, naming the option.

The table ``CASES`` holds well over 120 bad invocations (flags, environment variables, plug-in specs,
argparse-level mistakes). They run in-process through ``neurotrace.cli.main`` (the console script's
entry point), so the whole table takes about a second. A handful of things only a real process can
show -- a closed or full stdout, an ASCII-only stdout, Ctrl-C, a progress line on a terminal, a
plug-in that breaks -- run as subprocesses at the end.
"""

from __future__ import annotations

import io
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import neurotrace as nt
from neurotrace import cli, plugins
from neurotrace._checks import MAX_SAMPLES, MAX_SEED, MAX_SEEDS, MAX_STRENGTH
from neurotrace.progress import Progress

SCRIPT = shutil.which("neurotrace")
ATTR = ["attribute", "--method", "gradient", "--circuit", "suppressor"]
LONG = "1" * 5000  # beyond Python's int() digit limit (4300)

# (argv, environment, what the one line must contain: the option's name, and more)
CASES: dict[str, tuple[list[str], dict[str, str], list[str]]] = {}


def case(name, argv, env=None, needles=()):
    assert name not in CASES, name
    CASES[name] = (list(argv), dict(env or {}), list(needles))


# --- values of every option, through its flag and through its variable ------------------------------

BAD_VALUES = {
    "samples": ["abc", "", " ", "2.5", "1e3", "0", "1", "-5", "+-5", "--5", "0x10", "nan", "²", "١٢",
                str(MAX_SAMPLES + 1), str(MAX_SAMPLES * 100), LONG, "-" + LONG, "5 12"],
    "seed": ["-1", str(MAX_SEED + 1), "18446744073709551616", LONG, "x", "1.0", "+-1", "1e3", "", "0b1"],
    "strength": ["-1", "nan", "inf", "-inf", "1e308", "1e154", "1e16", str(MAX_STRENGTH * 1.01), "101",
                 "abc", "", LONG, "0x1", "--1", "1,5", "1/2"],
    "labels": ["fake", "REAL", "", "real ", "scramble", "1"],
    "method": ["gradiant", "GRADIENT", "", "x" * 200, "gradient,patching"],
    "circuit": ["supressor", "", "Clean", "x" * 5000],
}
TABLE_VALUES = {
    "seeds": ["0", "-3", str(MAX_SEEDS + 1), "many", "1e5", LONG, "", "2.0"],
    "level": ["hiden", "", "INPUT", "neurons"],
}
for option, values in BAD_VALUES.items():
    for k, value in enumerate(values):
        flagged = list(ATTR)
        if f"--{option}" in flagged:  # --method, --circuit: replace the value
            flagged[flagged.index(f"--{option}") + 1] = value
        else:
            flagged += [f"--{option}", value]
        case(f"--{option} #{k} {value[:12]!r}", flagged, needles=[f"argument --{option}:"])
        if value.strip():  # an empty variable counts as unset, by design
            unset = list(ATTR)
            if f"--{option}" in unset:  # the variable must supply it: drop the flag and its value
                del unset[unset.index(f"--{option}"):unset.index(f"--{option}") + 2]
            case(f"NEUROTRACE_{option.upper()} #{k} {value[:12]!r}", unset,
                 {f"NEUROTRACE_{option.upper()}": value}, [f"NEUROTRACE_{option.upper()}"])
for option, values in TABLE_VALUES.items():
    for k, value in enumerate(values):
        case(f"table --{option} #{k} {value[:12]!r}", ["table", f"--{option}", value],
             needles=[f"argument --{option}:"])
for k, value in enumerate(["efect", "", "causal", "TASK"]):
    case(f"table --truth #{k} {value!r}", ["table", "--level", "hidden", "--truth", value],
         needles=["argument --truth:"])
case("--truth without --level hidden", ["table", "--truth", "task"], needles=["--truth", "--level hidden"])
case("compare --strength 1e154", ["compare", "--circuit", "confounded", "--strength", "1e154"],
     needles=["argument --strength:", "<= 100"])
case("NEUROTRACE_SEED too large", ["compare", "--circuit", "clean"], {"NEUROTRACE_SEED": str(MAX_SEED + 1)},
     needles=["NEUROTRACE_SEED='4294967296'", "4,294,967,295"])

# --- argparse-level mistakes -----------------------------------------------------------------------------

for k, word in enumerate(["atribute", "tabel", "Table", "compar", "circuit", "run", "-", "attribute2", "x" * 300]):
    case(f"unknown command #{k}", [word], needles=["command"])
case("no command", [], needles=["missing command"])
case("only a flag", ["--json"], needles=["missing command"])
for k, (argv, needle) in enumerate([
        ([*ATTR, "--bogus"], "unrecognized arguments: --bogus"), ([*ATTR, "-x"], "unrecognized arguments: -x"),
        ([*ATTR, "--sample", "5"], "unrecognized arguments: --sample"),
        (["table", "--seed", "3"], "unrecognized arguments: --seed"),
        (["circuits", "--samples", "5"], "unrecognized arguments: --samples"),
        ([*ATTR, "extra"], "unrecognized arguments: extra"), (["table", "--json=1"], "argument --json:"),
        (["compare", "--circuit", "clean", "--method", "gradient"], "unrecognized arguments: --method"),
        ([*ATTR, "--samples=1=2"], "argument --samples:"), ([*ATTR, "--quiet=yes"], "argument --quiet/-q:")]):
    case(f"unknown option #{k}", argv, needles=[needle])
for k, argv in enumerate([["attribute", "--method"], ["attribute", "--method", "--circuit", "clean"],
                          ["table", "--seeds"], ["compare", "--circuit"], [*ATTR, "--strength"]]):
    case(f"option without a value #{k}", argv, needles=["expected one argument"])
case("missing --method", ["attribute", "--circuit", "clean"], needles=["--method", "NEUROTRACE_METHOD"])
case("missing --circuit", ["compare"], needles=["--circuit", "NEUROTRACE_CIRCUIT"])

# --- plug-ins: bad specs, through --plugin and through NEUROTRACE_PLUGINS ----------------------------------

PLUGIN_SPECS = [".foo", "...", "a..b", "1abc", "a-b", "tests/", "/", "nowhere/mine.py", "/etc/hostname",
                "no_such_plugin_xyz", "no_such_pkg_xyz.methods", "mine.txt.py"]
for k, spec in enumerate(PLUGIN_SPECS):
    case(f"--plugin #{k} {spec!r}", ["--plugin", spec, "table"], needles=["argument --plugin:", repr(spec)])
    case(f"NEUROTRACE_PLUGINS #{k} {spec!r}", ["table"], {"NEUROTRACE_PLUGINS": spec},
         needles=["NEUROTRACE_PLUGINS:", repr(spec)])
case("--plugin without a value", ["table", "--plugin"], needles=["--plugin needs"])
case("--plugin followed by a flag", ["--plugin", "--json", "table"], needles=["--plugin needs"])
case("--plugin empty", ["--plugin=", "table"], needles=["argument --plugin:"])


def test_the_table_is_large():
    assert len(CASES) >= 120, len(CASES)


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("NEUROTRACE_") or name == "NO_COLOR":
            monkeypatch.delenv(name)
    methods = set(nt.METHODS)
    yield monkeypatch
    assert set(nt.METHODS) == methods  # no bad input registered anything


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_naming_the_option(name, clean_env, capsys):
    argv, env, needles = CASES[name]
    for key, value in env.items():
        clean_env.setenv(key, value)
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("neurotrace") and ": error: " in line
    assert len(line) < 400, line  # a 5,000-digit value is never echoed in full
    for needle in needles:
        assert needle in line, (needle, line)


# --- in-process: output that cannot be written, progress ------------------------------------------------


def test_closed_stdout_is_one_line_and_exit_1(clean_env, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)
    assert cli.main(["circuits"]) == 1
    assert capsys.readouterr().err == "neurotrace circuits: error: cannot write the output: standard output is closed\n"


class _FullStream(io.StringIO):
    encoding = "utf-8"

    def write(self, text):
        raise OSError(28, "No space left on device")


def test_full_stdout_is_one_line_and_exit_1(clean_env, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdout", _FullStream())
    assert cli.main(["circuits"]) == 1
    assert capsys.readouterr().err == "neurotrace circuits: error: cannot write the output: No space left on device\n"
    monkeypatch.setattr(sys, "stdout", _FullStream())
    assert cli.main(["--help"]) == 1  # argparse alone would swallow the error and exit 0


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_only_on_a_terminal_after_a_second_and_erased():
    clock, tty = _Clock(), _Terminal()
    progress = Progress(tty, label="neurotrace table: ", clock=clock, heartbeat=False)
    progress(0, 80)
    clock.now = 0.5
    progress(10, 80)
    assert tty.getvalue() == ""  # a quick run prints nothing
    clock.now = 2.0
    progress(20, 80)
    assert tty.getvalue() == "\rneurotrace table: 20/80 (25%) in 2s, about 6s left"
    clock.now = 2.1
    progress(21, 80)  # redrawn at most every EVERY seconds
    assert tty.getvalue().count("\r") == 1
    clock.now = 3.0
    progress(80, 80)
    progress.close()
    assert tty.getvalue().endswith("\r" + " " * len("neurotrace table: 80/80 (100%) in 3s") + "\r")
    for stream, enabled in ((io.StringIO(), True), (_Terminal(), False), (None, True)):
        quiet = Progress(stream, enabled=enabled, clock=clock, heartbeat=False)
        clock.now += 10
        quiet(1, 2)
        quiet.close()
        assert stream is None or stream.getvalue() == ""


def test_a_long_single_step_still_shows_a_sign_of_life(monkeypatch):
    monkeypatch.setattr(Progress, "DELAY", 0.0)
    monkeypatch.setattr(Progress, "BEAT", 0.2)
    tty = _Terminal()
    progress = Progress(tty, label="neurotrace attribute: ")
    progress(0, 1)  # one method, and it takes a while: no tick until it is done
    first = tty.getvalue().count("\r")
    time.sleep(1.0)
    assert tty.getvalue().count("\r") >= first + 2  # the heartbeat redrew the elapsed time
    assert "neurotrace attribute: 0/1 (0%) in " in tty.getvalue()
    progress.close()
    assert tty.getvalue().endswith("\r") and progress._thread is None
    settled = tty.getvalue()
    time.sleep(0.5)
    assert tty.getvalue() == settled  # nothing after close


def test_evaluate_and_sweep_report_progress_to_a_callback():
    calls = []
    nt.evaluate(["gradient", "patching"], ["clean", "suppressor"], seeds=3, samples=16,
                progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 12) for k in range(13)]
    calls.clear()
    nt.sweep("suppressor", [0, 1], methods=["gradient"], seeds=2, samples=16,
             progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 4) for k in range(5)]
    with pytest.raises(TypeError, match="progress must be a callable"):
        nt.evaluate(seeds=1, samples=16, progress="yes")


# --- plug-ins load only when a command needs methods ------------------------------------------------------


def test_plugins_load_only_for_commands_that_use_methods(clean_env, capsys, monkeypatch, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('this plug-in is broken')\n")
    loaded = []
    monkeypatch.setattr(plugins, "load_entry_points", lambda *a: loaded.append(1) or [])
    clean_env.setenv("NEUROTRACE_PLUGINS", str(broken))
    for argv in (["--version"], ["--help"], ["circuits"], ["--plugin", str(broken), "circuits", "--json"]):
        assert cli.main(argv) == 0, capsys.readouterr().err
    assert loaded == []
    capsys.readouterr()
    assert cli.main(["table", "--seeds", "1"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"neurotrace: error: NEUROTRACE_PLUGINS: plugin {str(broken)!r} failed to import: "
        "RuntimeError: this plug-in is broken (--debug shows the traceback)"]
    help_text = cli.MAIN_EPILOG
    assert "NEUROTRACE_PLUGINS" in help_text and "NEUROTRACE_DEBUG" in help_text


# --- subprocesses: what only a real process shows ----------------------------------------------------------


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROTRACE_") and k != "NO_COLOR"}
    env.update(extra)
    return env


def _run(argv, *, env=None, **kwargs):
    assert SCRIPT, "console script `neurotrace` not found: run `python -m pip install -e .`"
    return subprocess.run([SCRIPT, *argv], capture_output=True, text=True, env=env or _env(), timeout=120, **kwargs)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file descriptors")
def test_a_closed_or_full_stdout_in_a_real_process():
    closed = subprocess.run([SCRIPT, "circuits"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=_env(), timeout=60, preexec_fn=lambda: os.close(1))
    assert closed.returncode == 1
    assert closed.stderr == "neurotrace circuits: error: cannot write the output: standard output is closed\n"
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            proc = subprocess.run([SCRIPT, "circuits"], stdout=full, stderr=subprocess.PIPE, text=True,
                                  env=_env(), timeout=60)
        assert proc.returncode == 1
        assert proc.stderr == "neurotrace circuits: error: cannot write the output: No space left on device\n"


def test_an_ascii_stdout_gets_ascii_not_an_error():
    proc = _run(["table", "--seeds", "2", "--samples", "64"], env=_env(PYTHONIOENCODING="ascii"))
    assert proc.returncode == 0 and proc.stderr == ""
    assert "Mean AUROC +/- standard error" in proc.stdout and "| 1.000 +/- 0.000 |" in proc.stdout
    proc.stdout.encode("ascii")


def test_a_broken_plugin_is_one_line_naming_it_and_debug_shows_the_traceback(tmp_path):
    plug = tmp_path / "plug.py"
    plug.write_text(textwrap.dedent("""
        import sys
        import numpy as np
        import neurotrace as nt

        @nt.register_method("boom", family="proxy")
        def boom(circuit, X, rng):
            return {}["missing"]

        @nt.register_method("quitter", family="proxy")
        def quitter(circuit, X, rng):
            sys.exit(3)

        @nt.register_method("imaginary", family="proxy")
        def imaginary(circuit, X, rng):
            return np.ones(circuit.n_features) * 1j

        @nt.register_method("writer", family="proxy")
        def writer(circuit, X, rng):
            X[0, 0] = 1.0
            return np.ones(circuit.n_features)
    """))
    where = f"(from {plug})"
    expected = {
        "boom": (1, f"method 'boom' {where} raised KeyError: 'missing' (--debug shows the traceback)"),
        "quitter": (1, f"method 'quitter' {where} called sys.exit(3) (--debug shows the traceback)"),
        "imaginary": (2, "method 'imaginary' returned complex numbers; importances must be real"),
        "writer": (1, f"method 'writer' {where} raised ValueError: assignment destination is read-only "
                      "(--debug shows the traceback)"),
    }
    for method, (code, message) in expected.items():
        proc = _run(["--plugin", str(plug), "attribute", "--method", method, "--circuit", "clean"])
        assert proc.returncode == code, proc.stderr
        assert proc.stderr.splitlines() == [f"neurotrace attribute: error: {message}"]
    debug = _run(["--plugin", str(plug), "attribute", "--method", "boom", "--circuit", "clean", "--debug"])
    assert debug.returncode == 1 and "Traceback" in debug.stderr and 'return {}["missing"]' in debug.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("import sys\nsys.exit(3)\n")
    proc = _run(["--version"], env=_env(NEUROTRACE_PLUGINS=str(broken)))
    assert proc.returncode == 0 and proc.stdout == f"neurotrace {nt.__version__}\n"
    proc = _run(["compare", "--circuit", "clean"], env=_env(NEUROTRACE_PLUGINS=str(broken)))
    assert proc.returncode == 1 and proc.stderr.splitlines() == [
        f"neurotrace: error: NEUROTRACE_PLUGINS: plugin {str(broken)!r} failed to import: called sys.exit(3) "
        "(--debug shows the traceback)"]


def test_a_broken_pipe_is_silent():
    proc = subprocess.run(f"{SCRIPT} circuits | head -c 10", shell=True, capture_output=True, text=True,
                          env=_env(), timeout=60)
    assert proc.stderr == ""


def _pty_run(argv, until=None, timeout=120.0):
    """Run with stderr on a pseudo-terminal; ``until(text)`` -> send SIGINT once it holds. ``(code, stderr)``."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    proc = subprocess.Popen([SCRIPT, *argv], stdout=subprocess.DEVNULL, stderr=slave, env=_env())
    os.close(slave)
    seen, start, sent = b"", time.monotonic(), False

    def read(wait):
        nonlocal seen
        ready, _, _ = select.select([master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child has gone and the terminal is closed
            return False
        seen += chunk
        return bool(chunk)

    try:
        while proc.poll() is None and time.monotonic() - start < timeout:
            read(0.05)
            if until is not None and not sent and until(seen.decode(errors="replace")):
                proc.send_signal(signal.SIGINT)
                sent = True
        code = proc.wait(timeout=60)
        while read(0.2):  # what it wrote last
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, seen.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_progress_on_a_terminal_and_ctrl_c_exits_130_without_a_traceback():
    # A table long enough to draw a progress line; interrupt it once the line is there.
    code, err = _pty_run(["table", "--seeds", str(MAX_SEEDS)], until=lambda text: "neurotrace table: " in text)
    assert code == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "left" in err  # the line said how long is left
    assert err.rstrip(" ").endswith("\r")  # and was erased


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_quiet_turns_the_progress_line_off():
    code, err = _pty_run(["table", "--seeds", "48", "--quiet"])
    assert code == 0 and err == ""


def test_the_harness_shows_progress_per_stage(monkeypatch):
    from evals import harness

    seen = []

    class Recorder:
        label = ""

        def __call__(self, done, total):
            seen.append((self.label, done, total))

    def fake_evaluate(**kwargs):
        kwargs["progress"](0, 2)
        kwargs["progress"](2, 2)
        return "table"

    monkeypatch.setattr(harness.nt, "evaluate", fake_evaluate)
    recorder = Recorder()
    harness.run(recorder)
    harness.run_band(recorder)
    harness.run_hidden(recorder)
    stages = [label.removeprefix("python -m evals.harness: ").removesuffix(": ") for label, done, _ in seen if done]
    assert stages == ["real labels", "scrambled-label null",
                      *[f"strength {s:g}" for s in (harness.claims.CONTROL, *harness.claims.BAND)],
                      *[f"neuron level ({t})" for t in nt.HIDDEN_TRUTHS]]


def test_ctrl_c_while_numpy_imports_is_exit_130_without_a_traceback(monkeypatch, capsys):
    # The command's entry point guards the import of neurotrace.cli (numpy loads then, a few tenths
    # of a second); a Ctrl-C there would otherwise print a KeyboardInterrupt traceback.
    import builtins
    import importlib.metadata

    import _neurotrace_launcher as launcher

    (entry,) = [e for e in importlib.metadata.entry_points(group="console_scripts")
                if e.name == "neurotrace" and e.dist.name == "neurotrace-circuits"]
    assert entry.value == "_neurotrace_launcher:main"
    assert launcher.INTERRUPTED == cli.EXIT["interrupted"] == 130
    real_import = builtins.__import__

    def interrupted(name, *args, **kwargs):
        if name == "neurotrace.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert launcher.main() == 130
    assert capsys.readouterr().err == "\n"
    monkeypatch.setattr(builtins, "__import__", real_import)
    monkeypatch.setattr(sys, "argv", ["neurotrace", "--version"])
    assert launcher.main() == 0  # and without an interrupt it is the command itself
    assert capsys.readouterr().out.startswith("neurotrace ")
