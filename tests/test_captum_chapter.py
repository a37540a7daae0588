"""The Captum section of "Evaluate your own method" (book/your_method.ipynb) where torch, captum or
scikit-learn is missing: the page says so and shows nothing more of Captum -- no table, no figure, no
discussion -- and every other cell still runs. The page is executed in a real kernel with the missing
package hidden (``sys.modules[name] = None`` makes its import fail, as on a machine without it).

Where the ``[torch]`` extra is installed, ``pytest book/your_method.ipynb`` runs the page with Captum,
and ``tests/test_torch_own.py`` checks the findings it states.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "your_method.ipynb"
FIGURE = "your-method-captum"


def _captum_cells(nb) -> list[int]:
    """The indices of the Captum section's code cells: from its heading to the next markdown cell
    that is not part of it (the closing paragraph about the tests)."""
    start = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## Captum"))
    return [i for i, c in enumerate(nb.cells) if i > start and c.cell_type == "code"]


def _run(hidden: tuple[str, ...], whole_page: bool):
    """Execute the page (or its setup cell and Captum section) with the modules ``hidden`` unimportable."""
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(PAGE, as_version=4)
    keep = set(_captum_cells(nb)) | {1}  # cell 1: the page's imports
    cells = [c for i, c in enumerate(nb.cells) if whole_page or i in keep or c.cell_type == "markdown"]
    hide = "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in hidden)
    nb.cells = [nbformat.v4.new_code_cell(hide), *cells]
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(PAGE.parent)}}).execute()
    return nb


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "".join(parts)


def _captum_outputs(nb) -> list:
    return [nb.cells[i] for i in _captum_cells(nb)]


@pytest.mark.parametrize("hidden, missing", [
    (("torch",), "neurotrace.torch needs PyTorch and Captum"),
    (("captum", "captum.attr"), "captum is not installed"),
    (("sklearn", "sklearn.linear_model"), "scikit-learn (for Lime and KernelShap) is not installed"),
], ids=["no-torch", "no-captum", "no-sklearn"])
def test_without_the_torch_extra_the_section_says_so_and_shows_nothing_more(hidden, missing):
    nb = _run(hidden, whole_page=False)
    load, *rest = _captum_outputs(nb)
    said = " ".join(_text(load).split())  # the message is wrapped for the page
    assert said.startswith("No Captum section here: ") and missing in said
    assert 'pip install -e ".[torch]"' in said and "no table, no figure and no discussion" in said
    assert all(not cell.outputs for cell in rest), [_text(c)[:80] for c in rest]  # no table, figure, discussion


def test_the_whole_page_runs_without_torch():
    nb = _run(("torch",), whole_page=True)
    outputs = "\n".join(_text(c) for c in nb.cells if c.cell_type == "code")
    assert "No Captum section here" in outputs and "captum_" not in outputs.replace("captum_section", "")
    assert "| abs_weight | proxy |" in outputs  # the page's own table, above the Captum section
    images = [c for c in nb.cells if any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    assert images and all(FIGURE not in str(c.metadata) for c in images)  # the sweep, not the Captum figure


def test_the_section_claims_nothing_in_prose_it_does_not_compute():
    """The section's markdown describes the calls, never a result: every number and finding is output of
    the cell that computed it (claims.captum_lead / captum_section / captum_findings)."""
    nb = nbformat.read(PAGE, as_version=4)
    start = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## Captum"))
    prose = "\n".join(c.source for c in nb.cells[start:] if c.cell_type == "markdown")
    for word in ("0.5", "0.75", "1.0", "fooled", "chance", "{eval}", "{numref}"):
        assert word not in prose, word
    code = "\n".join(c.source for c in nb.cells[start:] if c.cell_type == "code")
    for call in ("captum_table(", "captum_conventions()", "gradient_shap_draws(", "claims.captum_lead(",
                 "claims.captum_section(", "claims.captum_findings(", f'figure="{FIGURE}"'):
        assert call in code, call
    figure = next(c for c in nb.cells[start:] if "figure" in c.metadata.get("mystnb", {}))
    assert figure.metadata["mystnb"]["figure"]["name"] == FIGURE
