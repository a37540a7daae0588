"""``.ci/check_book.py``'s figure-numbering and number-notation checks, on small pages in headless Chromium.

Each page is a stand-in for a built book page: an ``<article>`` with cell outputs. Skipped where
Debian's chromium and chromium-driver or selenium are missing.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("selenium") is None or not shutil.which("chromium") or not shutil.which("chromedriver"),
    reason="needs selenium and Debian's chromium and chromium-driver",
)

PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNg+M/AAAUAAf"
       "+aHB0AAAAASUVORK5CYII=")


def figure(ident: str, caption: str = "Look at the bars.") -> str:
    return (f'<div class="cell_output"><figure id="{ident}"><img alt="A chart of bars" src="{PNG}"/>'
            f'<figcaption><p><span class="caption-number">Fig. 1 </span><span class="caption-text">{caption}'
            f'</span><a class="headerlink" href="#{ident}">#</a></p></figcaption></figure></div>')


PAGES = {
    "good": f'<p>As <a href="#fig-a">Fig. 1</a> shows, below 10⁻¹⁴.</p>{figure("fig-a")}'
            '<pre>gap 5.5e-08 (program output)</pre><p><code>1e-3</code></p>',
    "bare image": f'<p>Text.</p><div class="cell_output"><img alt="A chart" src="{PNG}"/></div>',
    "unreferred": f'<p>No link here.</p>{figure("fig-b")}',
    "no caption": '<p><a href="#fig-c">Fig.</a></p><div class="cell_output"><figure id="fig-c">'
                  f'<img alt="A chart" src="{PNG}"/></figure></div>',
    "e-notation": "<p>The gap is <span>5.5e-08</span> and 2E+03, but f2e-1 is a name.</p>",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    import check_book

    folder = tmp_path_factory.mktemp("pages")
    driver = check_book.browser()
    out = {}
    try:
        for name, body in PAGES.items():
            page = folder / f"{name.replace(' ', '_')}.html"
            page.write_text(f"<html><body><article class='bd-article'>{body}</article></body></html>",
                            encoding="utf-8")
            check_book.load(driver, page)
            out[name] = (check_book.check_numbering(driver), check_book.check_numbers(driver))
    finally:
        driver.quit()
    return out


def test_a_numbered_figure_the_text_refers_to_passes(results):
    assert results["good"] == ([], [])


def test_a_figure_without_a_number_or_a_reference_fails(results):
    assert results["bare image"][0] == ["figure A chart: not a numbered figure (no caption)"]
    assert results["unreferred"][0] == ["Fig. 1 (fig-b) is not referred to in the text"]
    assert results["no caption"][0] == ["figure A chart: the figure has no numbered caption"]


def test_computer_notation_in_the_text_fails(results):
    assert results["e-notation"][1] == ["a number in computer notation in the text: 5.5e-08",
                                        "a number in computer notation in the text: 2E+03"]


def test_no_check_is_pending():
    import check_book

    assert check_book.PENDING == {}
    assert {"numbering", "numbers", "alt text", "citations"} <= set(check_book.CHECKS)
