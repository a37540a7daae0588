"""Notebooks are committed without outputs: the build and nbmake execute them. Their prose quotes
numbers through myst-nb's ``{eval}`` role, which the built book and a live notebook both evaluate."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from neurotrace.claims.facts import EVAL_NAME_REGEX, quoted_names

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs or execution counts (strip them)"


# --- numbers in prose: {eval} roles that work in the built book and in a live notebook ----------------

NOTEBOOK_IDS = {"ids": lambda p: str(p.relative_to(ROOT))}


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, **NOTEBOOK_IDS)
def test_markdown_cells_store_no_evaluated_expressions(path):
    """jupyterlab-myst saves what the prose's {eval} roles showed in the markdown cell's metadata."""
    stale = [i for i, c in enumerate(_cells(path)) if c["cell_type"] == "markdown" and c.get("metadata")]
    assert not stale, f"{path.name}: markdown cells {stale} carry metadata (strip it: nbstripout)"


@pytest.mark.parametrize("path", NOTEBOOKS, **NOTEBOOK_IDS)
def test_prose_quotes_numbers_with_eval_roles_the_book_runs_inline(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    prose = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "{glue" not in prose  # a Sphinx role: JupyterLab, Notebook 7 and Voila show it raw
    names = quoted_names(prose)  # raises on an expression other than a name or f"{name:spec}"
    if names:
        # inline: the page runs while the book is built, so {eval} has a kernel to ask
        assert nb["metadata"]["mystnb"] == {"execution_mode": "inline", "eval_name_regex": EVAL_NAME_REGEX}


@pytest.mark.parametrize("path", NOTEBOOKS, **NOTEBOOK_IDS)
def test_no_code_cell_reuses_a_name_the_prose_quotes(path):
    cells = _cells(path)
    quoted = set(quoted_names("\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")))
    assigned = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        code = "\n".join(ln for ln in _source(cell).splitlines() if not ln.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assigned.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assigned.add(node.name)
            elif isinstance(node, ast.alias):
                assigned.add((node.asname or node.name).split(".")[0])
    assert not quoted & assigned


@pytest.mark.parametrize("path", NOTEBOOKS, **NOTEBOOK_IDS)
def test_publish_cells_run_in_place_and_say_what_they_do(path):
    """A remove-cell cell runs only when a later code cell needs it (myst-nb's inline mode), too
    late for the prose right below it; remove-input + remove-output runs it in place."""
    for cell in _cells(path):
        if cell["cell_type"] == "code" and ".publish()" in _source(cell):
            assert {"remove-input", "remove-output"} <= set(cell["metadata"]["tags"])
            assert "remove-cell" not in cell["metadata"]["tags"]
            lines = [ln for ln in _source(cell).splitlines() if ln.strip()]
            comment = next(i for i, ln in enumerate(lines) if ln.startswith("#"))
            assert "publish()" in lines[comment] and ".publish()" in "\n".join(lines[comment + 1:])
