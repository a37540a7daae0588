"""The live explorer moves without the arrow keys (Notebook 7 takes ArrowLeft from a focused slider
for its heading-collapse shortcut): − and + buttons step the strength within the slider's range."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets", reason='the explorer needs the [book] extra: python -m pip install -e ".[book]"')

from neurotrace import widgets  # noqa: E402


def _edge_explorer(**options):
    edge_figures = pytest.importorskip("neurotrace.edge_figures")
    return edge_figures.explorer("backup_path", 1.0, samples=64, **options)


@pytest.mark.parametrize("make, shown", [
    (lambda **o: widgets.explorer("suppressor", 1.0, **o), "results"),
    (_edge_explorer, "snapshot"),  # the edge level's explorer: the same controls, written once in widgets
], ids=["features", "edges"])
def test_minus_and_plus_step_the_strength_and_redraw(make, shown):
    explorer = make(step=0.25, max_strength=1.5)
    assert [b.description for b in (explorer.down, explorer.up)] == ["−", "+"]
    assert explorer.widget.children[0].children == (explorer.regime, explorer.down, explorer.slider, explorer.up)
    before = getattr(explorer, shown)
    explorer.up.click()
    assert explorer.slider.value == 1.25 and getattr(explorer, shown) is not before  # redrawn at the new strength
    assert getattr(explorer, shown).strength == pytest.approx(1.25)
    explorer.up.click()
    explorer.up.click()
    assert explorer.slider.value == 1.5  # stops at the top of the range
    for _ in range(8):
        explorer.down.click()
    assert explorer.slider.value == 0.0  # and at the control


def test_a_typed_value_moves_the_explorer_too():
    explorer = widgets.explorer("confounded", 1.0)
    explorer.slider.value = 0.35  # what typing into the slider's readout does
    assert explorer.results.strength == pytest.approx(0.35)
