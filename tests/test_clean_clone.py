"""A clone stays clean when the book runs in JupyterLab: notebooks are stored in the form the
nbstripout git filter (scripts/keep_notebooks_clean.py) leaves them in, so running one and saving it
with outputs and what JupyterLab adds shows no diff, and nothing to commit."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
sys.path.insert(0, str(ROOT / "scripts"))
import keep_notebooks_clean  # noqa: E402

needs_nbstripout = pytest.mark.skipif(
    importlib.util.find_spec("nbstripout") is None,
    reason='nbstripout is not installed: python -m pip install -e ".[lab]" (or ".[dev,lab]"), then rerun',
)
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not on the PATH")


def test_gitattributes_puts_notebooks_through_the_filter():
    lines = (ROOT / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "*.ipynb filter=nbstripout diff=ipynb" in lines


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_are_stored_in_nbformats_own_layout(path):
    """nbformat (and so nbstripout, and JupyterLab) writes sorted keys, one-space indent, raw UTF-8."""
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    assert text == json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert "language_info" not in nb["metadata"]  # the kernel writes it on saving; the filter strips it
    assert nb["metadata"]["kernelspec"] == {"display_name": "Python 3 (ipykernel)", "language": "python",
                                            "name": "python3"}  # what JupyterLab saves for ipykernel's kernel


@needs_nbstripout
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_stored_notebook_is_what_the_filter_makes_of_it(path):
    strip = keep_notebooks_clean.settings()["filter.nbstripout.clean"]
    extra = ["--extra-keys", keep_notebooks_clean.EXTRA_KEYS]
    out = subprocess.run([sys.executable, "-m", "nbstripout", "--keep-id", *extra], input=path.read_bytes(),
                         capture_output=True, check=True).stdout
    assert "--keep-id" in strip and out == path.read_bytes()


def _as_jupyterlab_saves_it(path: Path) -> None:
    """Outputs, execution counts, the kernel's language_info, and jupyterlab-myst's cached {eval} values."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    for n, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] == "code":
            cell["execution_count"] = n
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran\n"]}]
        else:
            cell["metadata"]["user_expressions"] = [{"expression": "seeds", "result": {"status": "ok"}}]
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


@needs_nbstripout
@needs_git
def test_a_notebook_run_and_saved_leaves_the_clone_clean(tmp_path):
    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("config", "user.email", "student@example.org")
    git("config", "user.name", "student")
    shutil.copy(ROOT / ".gitattributes", tmp_path / ".gitattributes")
    (tmp_path / "book").mkdir()
    page = tmp_path / "book" / "suppressor.ipynb"
    shutil.copy(ROOT / "book" / "suppressor.ipynb", page)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "keep_notebooks_clean.py")], cwd=tmp_path, check=True,
                   capture_output=True)
    git("add", ".")
    git("commit", "-q", "-m", "the book as stored")

    _as_jupyterlab_saves_it(page)
    assert '"ran' in page.read_text()  # the working file has its outputs
    assert git("diff") == ""  # git sees the notebook as the filter leaves it: nothing changed
    # git status lists a file whose size changed until the index is refreshed; adding stages nothing
    git("add", "--all")
    assert git("status", "--porcelain") == "" and git("diff", "--cached") == ""
    # a real change still shows
    nb = json.loads(page.read_text(encoding="utf-8"))
    nb["cells"][0]["source"] = ["# A student's note\n"]
    page.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    assert git("status", "--porcelain").strip() == "M book/suppressor.ipynb"


@needs_git
def test_the_filter_script_refuses_to_run_outside_a_clone(tmp_path):
    if importlib.util.find_spec("nbstripout") is None:
        pytest.skip('nbstripout is not installed: python -m pip install -e ".[lab]", then rerun')
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "keep_notebooks_clean.py")], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode == 1 and "inside the clone" in run.stderr
