"""The book's Sphinx extensions (book/_ext): a tiny Sphinx + myst-nb build in a temporary folder.

No notebook is executed and nothing reaches the network: the notebook carries a stored figure
output, the page some maths, and sphinx-thebe adds the inline script Sphinx 7 used to double.
"""

import base64
import json
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("myst_nb")
pytest.importorskip("sphinx_thebe")

EXT = Path(__file__).resolve().parent.parent / "book" / "_ext"
sys.path.insert(0, str(EXT))

import clean_console  # noqa: E402
import offline_mathjax  # noqa: E402
import quiet_kernel  # noqa: E402

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360f8cfc0f01f0005"
    "0001ff5a1c1d4a0000000049454e44ae426082")).decode()


def _notebook(alt_in_output: str | None, alt_in_cell: str | None) -> dict:
    output = {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": ["<BookFigure>"]},
              "metadata": {"image/png": {"alt": alt_in_output}} if alt_in_output else {}}
    meta = {"mystnb": {"image": {"alt": alt_in_cell}}} if alt_in_cell else {}
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [{"cell_type": "markdown", "id": "a", "metadata": {},
                       "source": "# A page\n\nInline $z = W x + b$ and display\n\n$$\\sum_j \\phi_j = f(x)$$\n"},
                      {"cell_type": "code", "id": "b", "metadata": meta, "execution_count": 1,
                       "source": "fig", "outputs": [output]}]}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from sphinx.application import Sphinx

    src = tmp_path_factory.mktemp("src")
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(EXT)!r})\n"
        "extensions = ['myst_nb', 'sphinx_thebe', 'offline_mathjax', 'clean_console', 'figure_alt',"
        " 'quiet_kernel']\n"
        "nb_execution_mode = 'off'\n"
        "myst_enable_extensions = ['dollarmath']\n"
        "mathjax_path = 'mathjax/tex-chtml.js'\n"
        "thebe_config = {}\n"
        "exclude_patterns = ['_build']\n")
    (src / "index.md").write_text("# Index\n\n```{toctree}\nfigure\ncell_alt\n```\n")
    (src / "figure.ipynb").write_text(json.dumps(_notebook("Decoy f6: steep slopes, no net effect", None)))
    (src / "cell_alt.ipynb").write_text(json.dumps(_notebook("from the output", "from the cell")))
    out = src / "_build" / "html"
    app = Sphinx(str(src), str(src), str(out), str(src / "_build" / "doctrees"), "html",
                 status=None, warning=None, freshenv=True)
    app.build()
    return out


def _img_alts(page: Path) -> list[str]:
    return re.findall(r'<img[^>]*\balt="([^"]*)"', page.read_text())


def test_figure_alt_comes_from_the_output_metadata(built):
    assert _img_alts(built / "figure.html") == ["Decoy f6: steep slopes, no net effect"]


def test_alt_text_set_on_the_cell_wins(built):
    assert _img_alts(built / "cell_alt.html") == ["from the cell"]


def test_each_inline_script_appears_once(built):
    page = (built / "figure.html").read_text()
    assert page.count("const THEBE_JS_URL") == 1  # Sphinx 7 alone writes it twice


def test_mathjax_is_served_by_the_book(built):
    page = (built / "figure.html").read_text()
    scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', page)
    assert scripts and all("://" not in s for s in scripts), scripts
    assert scripts[0].startswith("_static/mathjax/tex-chtml.js")
    assert (built / "_static" / "mathjax" / "tex-chtml.js").is_file()
    fonts = list((built / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))
    assert fonts, "the CHTML fonts MathJax loads on demand are missing"
    assert r"\(z = W x + b\)" in page  # the span MathJax typesets in the browser


def test_stage_copies_once_per_version(tmp_path):
    offline_mathjax.stage(tmp_path)
    entry = tmp_path / "mathjax" / offline_mathjax.ENTRY
    stamp = entry.stat().st_mtime_ns
    offline_mathjax.stage(tmp_path)
    assert entry.stat().st_mtime_ns == stamp  # not copied again
    (tmp_path / "mathjax" / ".version").write_text("0.0")
    offline_mathjax.stage(tmp_path)  # another version: copied afresh
    assert (tmp_path / "mathjax" / ".version").read_text() != "0.0"


def test_a_cdn_mathjax_path_is_refused(tmp_path):
    from sphinx.errors import ConfigError

    class App:  # what _install reads
        class builder:
            format = "html"

        class config:
            mathjax_path = "https://cdn.example/mathjax/tex-chtml.js"
            html_static_path = []

        outdir = str(tmp_path / "html")

    with pytest.raises(ConfigError, match="mathjax_path"):
        offline_mathjax._install(App)


def test_dedupe_keeps_files_and_the_first_copy_of_each_inline_script():
    from sphinx.builders.html._assets import _JavaScript

    body = {"body": "const THEBE_JS_URL = 1"}
    scripts = [_JavaScript("a.js"), _JavaScript(None, **body), _JavaScript("a.js", defer="defer"),
               _JavaScript("", **body), _JavaScript("", body="other")]
    kept = clean_console.dedupe(scripts)
    assert kept == [scripts[0], scripts[1], scripts[2], scripts[4]]


def test_kernels_get_curve_keys_and_start_without_the_warning():
    zmq = pytest.importorskip("zmq")
    if not zmq.has("curve"):
        pytest.skip("this libzmq has no CurveZMQ")
    import nbformat
    from nbclient import NotebookClient

    assert quiet_kernel.encrypt_kernels()
    assert quiet_kernel.encrypt_kernels()  # a second call does not wrap twice
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    client = NotebookClient(nb)
    km = client.create_kernel_manager()
    assert km.transport_encryption == "auto"
    assert NotebookClient.create_kernel_manager._quiet_kernel
