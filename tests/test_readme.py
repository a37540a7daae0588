"""The README's promises: its results block is current and CI runs its test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import neurotrace as nt
from evals import harness
from neurotrace import claims

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands():
    """The shell commands in the README's Quickstart, in order."""
    quick = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```console\n(.+?)\n```", quick)


def test_quickstart_has_exactly_two_commands_build_then_test():
    build, test = commands()
    assert "jupyter-book build . -W --keep-going" in build and "pip install" in build
    assert "pytest" in test and "pip install" in test and "[dev,book]" in test


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    _, test = commands()
    assert test in ci.splitlines(), f"{test!r} is not a line of .ci/run"
    # and exit status 5 (no tests collected) is a failure there
    assert re.search(r'"\$rc" -eq 5 \] && fail', ci)


def test_results_block_is_what_the_harness_computes_now():
    real = nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH)
    assert harness.readme_block(real) in README, "stale README results: run python -m evals.harness"


def test_update_readme_rewrites_only_the_block(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(f"before\n{harness.README_START}\nold table\n{harness.README_END}\nafter\n")
    real = nt.evaluate(methods=["gradient"], circuits=["suppressor"], seeds=2, samples=64)
    assert harness.update_readme(real, path)
    text = path.read_text()
    assert text.startswith("before\n") and text.endswith("\nafter\n") and "old table" not in text
    assert real.to_markdown(errors="sem") in text
    path.write_text("no markers here\n")
    assert not harness.update_readme(real, path) and path.read_text() == "no markers here\n"
