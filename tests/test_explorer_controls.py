"""The live explorer moves without the arrow keys (Notebook 7 takes ArrowLeft from a focused slider
for its heading-collapse shortcut): − and + buttons step the strength within the slider's range."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets", reason='the explorer needs the [book] extra: python -m pip install -e ".[book]"')

from neurotrace import widgets  # noqa: E402


def test_minus_and_plus_step_the_strength_and_redraw():
    explorer = widgets.explorer("suppressor", 1.0, step=0.25, max_strength=1.5)
    assert [b.description for b in (explorer.down, explorer.up)] == ["−", "+"]
    assert explorer.down in explorer.widget.children[0].children and explorer.up in explorer.widget.children[0].children
    before = explorer.results
    explorer.up.click()
    assert explorer.slider.value == 1.25 and explorer.results is not before  # redrawn at the new strength
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
