"""Files: never lost, never half-written, and still the files they were (issue point 7).

``neurotrace._io.write_files`` writes several files as one step (both or neither), each atomically,
keeping its permission bits, writing through a symlink, refusing a read-only file or an unwritable
folder before anything is computed, and cleaning up temporary files -- also after a kill.
``python -m evals.harness`` uses it for RESULTS.md and the README. The container's default run and
the README's Docker commands write nothing they do not need to.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from evals import harness
from neurotrace._io import NotWritable, check_writable, remove_stale, write_files, write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and signals")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _listing(folder) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir())


# --- one file ----------------------------------------------------------------------------------------------


@POSIX
@pytest.mark.parametrize("mode", [0o644, 0o600, 0o664, 0o755])
def test_a_rewritten_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "README.md"
    path.write_text("old\n")
    path.chmod(mode)
    write_text_atomic(path, "new\n")
    assert path.read_text() == "new\n" and _mode(path) == mode
    assert _listing(tmp_path) == ["README.md"]


@POSIX
def test_a_new_file_gets_the_usual_mode_not_0600(tmp_path):
    umask = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "RESULTS.md", "table\n")
    finally:
        os.umask(umask)
    assert _mode(tmp_path / "RESULTS.md") == 0o644  # 0666 & ~umask, as `open` would make it


@POSIX
def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "docs" / "README.md"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "README.md"
    link.symlink_to(Path("docs") / "README.md")
    assert write_text_atomic(link, "new\n") == real.resolve()
    assert link.is_symlink() and real.read_text() == "new\n" and _mode(real) == 0o640
    assert _listing(real.parent) == ["README.md"]


@POSIX
def test_a_read_only_file_is_refused_not_replaced(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("keep me\n")
    path.chmod(0o444)
    with pytest.raises(NotWritable, match=r"README.md is read-only \(make it writable"):
        write_text_atomic(path, "new\n")
    assert path.read_text() == "keep me\n" and _mode(path) == 0o444
    assert _listing(tmp_path) == ["README.md"]


@POSIX
@pytest.mark.parametrize("where", ["a file as folder", "a folder that refuses files"])
def test_an_unwritable_folder_is_refused_before_writing(tmp_path, where):
    if where == "a file as folder":
        (tmp_path / "blocker").write_text("")
        target = tmp_path / "blocker" / "RESULTS.md"
    else:
        if not os.path.isdir("/proc/self"):
            pytest.skip("needs /proc, a folder even root cannot create files in")
        target = Path("/proc/self/RESULTS.md")
    with pytest.raises(NotWritable):
        check_writable(target)


# --- several files: both or neither -------------------------------------------------------------------------


def _pair(tmp_path):
    results, readme = tmp_path / "RESULTS.md", tmp_path / "README.md"
    results.write_text("old results\n")
    readme.write_text("old readme\n")
    return results, readme


@POSIX
def test_both_or_neither_when_one_target_is_read_only(tmp_path):
    results, readme = _pair(tmp_path)
    readme.chmod(0o444)
    with pytest.raises(NotWritable, match="README.md is read-only"):
        write_files({results: "new results\n", readme: "new readme\n"})
    assert results.read_text() == "old results\n" and readme.read_text() == "old readme\n"
    assert _listing(tmp_path) == ["README.md", "RESULTS.md"]


def test_both_or_neither_when_the_second_rename_fails(tmp_path, monkeypatch):
    results, readme = _pair(tmp_path)
    real_replace, calls = os.replace, []

    def flaky(src, dst):
        calls.append(Path(dst).name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="No space left"):
        write_files({results: "new results\n", readme: "new readme\n"})
    monkeypatch.setattr(os, "replace", real_replace)
    assert results.read_text() == "old results\n"  # the first was put back
    assert readme.read_text() == "old readme\n"
    assert _listing(tmp_path) == ["README.md", "RESULTS.md"]  # no temporary file left


def test_both_written_when_all_is_well(tmp_path):
    results, readme = _pair(tmp_path)
    new = tmp_path / "sub" / "NEW.md"
    write_files({results: "new results\n", readme: "new readme\n", new: "brand new\n"})
    assert (results.read_text(), readme.read_text(), new.read_text()) == ("new results\n", "new readme\n",
                                                                           "brand new\n")


# --- temporary files: removed, ignored, cleaned up after a kill ---------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@POSIX
def test_a_temporary_file_left_by_a_dead_process_is_removed(tmp_path):
    target = tmp_path / "README.md"
    target.write_text("x\n")
    stale = tmp_path / f".README.md.{_dead_pid()}.abc123.tmp"
    live = tmp_path / f".README.md.{os.getppid()}.def456.tmp"  # a live process's: left alone
    other = tmp_path / ".RESULTS.md.1.xyz.tmp"  # another file's: left alone
    for path in (stale, live, other):
        path.write_text("partial")
    assert remove_stale(target) == [stale]
    write_text_atomic(target, "y\n")
    assert _listing(tmp_path) == sorted([".RESULTS.md.1.xyz.tmp", live.name, "README.md"])


def test_git_ignores_the_temporary_files():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = [".README.md.12345.k2j3h4.tmp", "evals/.RESULTS.md.999.abc.tmp"]
    proc = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout.split() == names
    assert ".*.tmp" in (ROOT / ".dockerignore").read_text().split()


KILLED = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from neurotrace import _io

    real_replace = os.replace

    def slow_replace(src, dst):
        Path(sys.argv[2]).write_text("renaming")  # tell the test: the temporary files exist now
        time.sleep(60)
        real_replace(src, dst)

    os.replace = slow_replace
    folder = Path(sys.argv[1])
    _io.write_files({folder / "RESULTS.md": "new results\\n", folder / "README.md": "new readme\\n"})
""")


def _wait_for(path: Path, proc, timeout=60.0):
    start = time.monotonic()
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - start < timeout
        time.sleep(0.02)


@POSIX
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_kill_mid_write_leaves_whole_files_and_the_next_write_cleans_up(tmp_path, sig):
    folder, flag = tmp_path / "out", tmp_path / "flag"
    folder.mkdir()
    results, readme = _pair(folder)
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(folder), str(flag)], stderr=subprocess.PIPE)
    _wait_for(flag, proc)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert results.read_text() == "old results\n" and readme.read_text() == "old readme\n"  # whole, old
    left = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 2  # a kill runs no cleanup: the temporary files are there ...
    write_files({results: "new results\n", readme: "new readme\n"})
    assert _listing(folder) == ["README.md", "RESULTS.md"]  # ... until the next write removes them


# --- the harness: checks first, writes both or neither, keeps modes ----------------------------------------


@pytest.fixture
def cheap_harness(monkeypatch, tmp_path):
    """The harness with its computations replaced by small ones, and a README of its own."""
    import neurotrace as nt
    from neurotrace.sanity import randomization_check

    real = nt.evaluate(seeds=2, samples=32)
    null = nt.evaluate(seeds=2, samples=32, labels="scrambled")
    hidden = tuple(nt.evaluate(level="hidden", truth=t, seeds=2, samples=32) for t in nt.HIDDEN_TRUTHS)
    sanity = randomization_check(seeds=1, samples=16)
    computed = []
    monkeypatch.setattr(harness, "run", lambda progress=None: computed.append("run") or (real, null))
    monkeypatch.setattr(harness, "run_hidden", lambda progress=None: hidden)
    monkeypatch.setattr(harness, "run_band", lambda progress=None: [real])
    monkeypatch.setattr(harness, "run_sanity", lambda progress=None: sanity)
    small = {"level": "edge", "seeds": 2, "samples": 32}
    edge_real = nt.evaluate(**small)
    edges = harness.EdgeTables(edge_real, harness.faithfulness_of(edge_real), nt.evaluate(labels="scrambled", **small),
                               ())
    monkeypatch.setattr(harness, "run_edges", lambda progress=None: edges)
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{harness.README_START}\nstale\n{harness.README_END}\noutro\n")
    monkeypatch.setattr(harness, "README", readme)
    return readme, (real, edge_real), computed


@POSIX
def test_the_harness_keeps_both_files_modes(tmp_path, cheap_harness):
    readme, real, _ = cheap_harness
    results = tmp_path / "RESULTS.md"
    results.write_text("old\n")
    results.chmod(0o644)
    readme.chmod(0o664)
    assert harness.main(["--out", str(results), "--quiet"]) == 0
    assert _mode(results) == 0o644 and _mode(readme) == 0o664
    assert harness.readme_block(*real) in readme.read_text()
    assert _listing(tmp_path) == ["README.md", "RESULTS.md"]


@POSIX
def test_the_harness_refuses_a_read_only_readme_before_computing(tmp_path, cheap_harness, capsys):
    readme, _, computed = cheap_harness
    readme.chmod(0o444)
    results = tmp_path / "RESULTS.md"
    results.write_text("old\n")
    assert harness.main(["--out", str(results), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"python -m evals.harness: error: {readme} is read-only (make it writable, e.g. "
                                f"chmod u+w {readme}) (nothing was written)"]
    assert computed == []  # stopped before computing anything
    assert results.read_text() == "old\n" and "stale" in readme.read_text()


@POSIX
def test_the_harness_refuses_an_unwritable_folder_before_computing(tmp_path, cheap_harness, capsys):
    readme, _, computed = cheap_harness
    (tmp_path / "blocker").write_text("")
    assert harness.main(["--out", str(tmp_path / "blocker" / "RESULTS.md"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.endswith("(nothing was written)\n") and "Traceback" not in err
    assert computed == [] and "stale" in readme.read_text()


@POSIX
def test_the_harness_writes_through_a_symlinked_readme(tmp_path, cheap_harness, monkeypatch):
    readme, real, _ = cheap_harness
    link = tmp_path / "LINK.md"
    link.symlink_to(readme.name)
    monkeypatch.setattr(harness, "README", link)
    assert harness.main(["--out", str(tmp_path / "RESULTS.md"), "--quiet"]) == 0
    assert link.is_symlink() and harness.readme_block(*real) in readme.read_text()


def test_the_harness_out_dash_writes_no_file(tmp_path, cheap_harness, capsys, monkeypatch):
    readme, real, _ = cheap_harness
    before = readme.read_text()
    monkeypatch.setattr(harness, "check_writable", lambda path: pytest.fail(f"checked {path} for writing"))
    monkeypatch.setattr(harness, "write_files", lambda files: files and pytest.fail(f"wrote {list(files)}"))
    assert harness.main(["--out", "-", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# neurotrace results") and all(r.to_markdown(errors="sem") in out for r in real)
    assert readme.read_text() == before and _listing(tmp_path) == ["README.md"]


HARNESS_KILLED = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import neurotrace as nt
    from evals import harness

    real = nt.evaluate(seeds=1, samples=16)
    harness.run = lambda progress=None: (real, real)
    harness.run_hidden = lambda progress=None: None
    harness.run_band = lambda progress=None: None
    harness.run_sanity = lambda progress=None: None
    edge = nt.evaluate(level="edge", seeds=1, samples=16)
    harness.run_edges = lambda progress=None: harness.EdgeTables(edge, harness.faithfulness_of(edge), edge, ())
    folder, flag = Path(sys.argv[1]), Path(sys.argv[2])
    harness.README = folder / "README.md"
    real_replace = os.replace

    def slow_replace(src, dst):
        flag.write_text("renaming")
        time.sleep(60)
        real_replace(src, dst)

    os.replace = slow_replace
    sys.exit(harness.main(["--out", str(folder / "RESULTS.md"), "--quiet"]))
""")


@POSIX
def test_a_sigterm_mid_write_of_the_harness_leaves_no_temporary_file(tmp_path):
    folder, flag = tmp_path / "out", tmp_path / "flag"
    folder.mkdir()
    results, readme = _pair(folder)
    readme.write_text(f"old readme\n{harness.README_START}\n{harness.README_END}\n")
    proc = subprocess.Popen([sys.executable, "-c", HARNESS_KILLED, str(folder), str(flag)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(flag, proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.splitlines() == ["python -m evals.harness: interrupted (nothing was written)"]
    assert results.read_text() == "old results\n" and readme.read_text().startswith("old readme\n")
    assert _listing(folder) == ["README.md", "RESULTS.md"]


# --- the container and the environment file -----------------------------------------------------------------


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_the_containers_default_run_writes_nothing():
    text = _dockerfile()
    cmd = re.search(r'^CMD \["sh", "-c", "(.+)"\]$', text, re.M).group(1)
    steps = [shlex.split(step) for step in cmd.split("&&")]
    assert [s[:3] for s in steps] == [["python", "-m", "evals.harness"], ["python", "-m", "evals.gate"],
                                      ["neurotrace", "table", "--quiet"]]
    harness_args = steps[0][3:]
    assert harness_args[harness_args.index("--out") + 1] == "-" and "--no-readme" in harness_args
    # nothing at run time needs to write into the image: bytecode is built at build time, HOME is not the app
    assert re.search(r"PYTHONDONTWRITEBYTECODE=1", text) and "compileall" in text and "HOME=/tmp" in text
    user = re.search(r"^USER (\S+)$", text, re.M).group(1)
    assert user not in ("root", "0") and "chown" not in text  # files stay root's and readable by every user
    assert "chmod -R a+rX /app" in text


def test_the_readmes_docker_commands_work_on_a_fresh_clone():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    docker = readme.split("## Docker", 1)[1].split("\n## ", 1)[0]
    for env_file in re.findall(r"--env-file ([\w.]+)", docker):
        assert env_file == ".env.example" or f"cp .env.example {env_file}" in docker, env_file
    assert (ROOT / ".env.example").is_file()
    assert "--read-only" in docker and "--user" in docker and "--out /out/RESULTS.md --no-readme" in docker
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_the_env_example_lists_every_variable_with_a_valid_value():
    from neurotrace import cli

    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    pairs = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    read = {cli._env_name(n) for n, option in cli.OPTIONS.items() if option.env} | {cli.PLUGINS_VAR, cli.DEBUG_VAR}
    assert set(pairs) == read
    for name, value in pairs.items():
        assert value == value.strip() and not value.startswith(("'", '"')), name  # docker --env-file takes it raw
        option = name.removeprefix("NEUROTRACE_").lower()
        if option in cli.OPTIONS and value:
            cli.OPTIONS[option].check(value)  # the CLI's own check accepts it
