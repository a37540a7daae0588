"""neurotrace.widgets: the live explorer's callback and the kernel-free slider's HTML."""

import base64
import html
import json
import re

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import claims, widgets
from neurotrace.circuits import CIRCUITS

GRID = (0.0, 0.5, 1.0)


@pytest.fixture(scope="module")
def slider():
    return widgets.static_slider("confounded", GRID)


def _data(html: str) -> dict:
    match = re.search(r'<script type="application/json" class="nt-slider-data">(.*?)</script>', html, re.S)
    assert match, "the frames' data block is missing"
    return json.loads(match.group(1))


def test_first_seed_ranks_every_method_on_seed_0_alone():
    """The sliders' frame: every registered method on seed 0's network. On the suppressor at
    strength 1 the gradient puts both decoys on top -- AUROC 1 - n_decoy / n_non_causal = 0.75, the
    original brief's demo -- while patching recovers the circuit; at the control strength 0 the
    gradient recovers it too."""
    frame = widgets.first_seed("suppressor", 1.0)
    circuit = nt.make_circuit("suppressor", seed=0)
    assert frame.methods == tuple(nt.METHODS) and frame.circuits == ("suppressor",)
    assert frame.seeds == 1 and frame.strength == 1.0 and frame.importances.shape[-1] == circuit.n_features
    gradient = frame.importances[frame.methods.index("gradient"), 0, 0]
    assert set(np.argsort(-gradient)[:2]) == set(np.flatnonzero(circuit.decoy))
    aurocs = widgets.aurocs(frame)
    assert aurocs["gradient"] == 1 - circuit.decoy.sum() / (~circuit.causal).sum() == 0.75
    assert aurocs["patching"] == 1.0
    assert widgets.aurocs(widgets.first_seed("suppressor", 0.0))["gradient"] == 1.0


def test_first_seed_runs_the_methods_asked_for_in_their_order():
    frame = widgets.first_seed("confounded", 1.0, methods=["patching", "correlation"])
    assert frame.methods == ("patching", "correlation")
    assert widgets.aurocs(frame) == {"patching": 1.0, "correlation": 0.75}  # the decoys fool correlation
    with pytest.raises(ValueError, match="unknown method 'gradiant'; did you mean 'gradient'"):
        widgets.first_seed("confounded", 1.0, methods=["gradiant"])


def test_static_slider_has_one_frame_per_strength(slider):
    data = _data(slider.html)
    assert data["strengths"] == list(GRID)
    assert len(data["frames"]) == len(data["captions"]) == len(GRID)
    for frame in data["frames"]:
        assert base64.b64decode(frame)[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(set(data["frames"])) == len(GRID)  # each strength draws a different picture
    assert f'max="{len(GRID) - 1}"' in slider.html


def test_static_slider_starts_at_strength_one_and_captions_carry_the_aurocs(slider):
    data = _data(slider.html)
    start = GRID.index(1.0)
    assert slider.start == start and f'value="{start}"' in slider.html
    assert f'src="data:image/png;base64,{data["frames"][start]}"' in slider.html
    correlation = [nt.evaluate("correlation", "confounded", seeds=1, strength=s).auroc[0, 0, 0] for s in GRID]
    for caption, value in zip(data["captions"], correlation, strict=True):
        mark = " ▼" if value < claims.FOOLED_BELOW else ""
        assert f"correlation {value:.2f}{mark} (target)" in caption  # the regime's target, in every frame
        assert caption.startswith("confounded, decoy strength ")
    assert correlation[0] == 1.0 and correlation[-1] == 0.75  # the frames do show the collapse
    assert "correlation 0.75 (the regime's target): " + CIRCUITS["confounded"].fools["correlation"] in \
        data["captions"][-1]
    assert "<b>decoy strength</b>" in slider.html


@pytest.mark.parametrize("regime", list(CIRCUITS))
def test_no_frame_of_a_default_slider_shows_a_failure_without_its_reason(regime):
    """Every method below the bar in a frame is in that frame's caption, with its kind and a
    reason: the regime's own sentence, a diagnosis, or (the random baseline) its summary --
    never explain's "nothing explains it"."""
    slider = widgets.static_slider(regime)
    data = _data(slider.html)
    assert data["strengths"] == list(widgets.DEFAULT_STRENGTHS)
    fools = CIRCUITS[regime].fools
    for strength, caption in zip(data["strengths"], data["captions"], strict=True):
        res = nt.evaluate(circuits=regime, seeds=1, strength=strength)
        unexplained = claims.explain(regime, "shapley", strength)  # shapley: never listed, no diagnosis
        for method, value in zip(res.methods, res.auroc[:, 0, 0], strict=True):
            line = f"\n{method} {value:.2f} ("
            if not value < claims.FOOLED_BELOW:
                assert line not in caption
                continue
            reason = caption.split(line, 1)[1].split("\n")[0].split("): ", 1)[1]
            assert reason and reason != unexplained, (regime, strength, method)
            if method in fools:
                assert reason == fools[method]
                kind = "the regime's target" if method == CIRCUITS[regime].target else "a failure the regime also lists"
                assert f"{line[1:]}{kind}): " in caption
            elif nt.METHODS[method].family == "baseline":
                assert reason == nt.METHODS[method].summary


def test_static_slider_is_self_contained(slider):
    html = slider.html
    assert not re.search(r"https?://", html)  # no CDN, no network
    assert not re.search(r"<script[^>]*\bsrc=", html)  # no external script
    assert not re.search(r"<(img|link|iframe)[^>]*\b(src|href)=\"(?!data:)", html)
    data_block = re.search(r'class="nt-slider-data">(.*?)</script>', html, re.S).group(1)
    assert "</" not in data_block  # nothing inside can close the script early
    assert slider._repr_html_() == html


def test_static_slider_ids_are_unique_per_call():
    a = widgets.static_slider("suppressor", (1.0,))
    b = widgets.static_slider("suppressor", (1.0,))
    assert a.id != b.id and a.id in a.html


def test_static_slider_rejects_bad_input_with_the_valid_choices():
    with pytest.raises(ValueError, match="valid choices: clean, confounded"):
        widgets.static_slider("confunded")
    with pytest.raises(ValueError, match="strength must be"):
        widgets.static_slider("confounded", (0.0, -1.0))
    with pytest.raises(ValueError, match="at least one strength"):
        widgets.static_slider("confounded", ())


def test_explorer_callback_changes_the_displayed_aurocs():
    ex = widgets.explorer("confounded", 1.0)
    assert ex.aurocs["correlation"] == 0.75
    table, image = ex.table.value, ex.image.value
    ex.slider.value = 0.0  # what moving the slider does: the observer calls show()
    expected = nt.evaluate(circuits="confounded", seeds=1, strength=0.0).auroc[:, 0, 0]
    assert ex.aurocs == dict(zip(ex.results.methods, expected.tolist(), strict=True))
    assert ex.aurocs["correlation"] == 1.0
    assert ex.table.value != table and "1.00" in ex.table.value
    assert ex.image.value != image and ex.image.value[:4] == b"\x89PNG"
    assert set(ex.seconds) == {"compute", "draw", "total"}


def test_explorer_switches_regime_and_can_be_driven_directly():
    ex = widgets.Explorer("confounded", 1.0)
    assert ex.slider.description == "decoy strength"
    ex.regime.value = "suppressor"
    assert ex.results.circuits == ("suppressor",)
    assert ex.aurocs["gradient"] == 0.75 and ex.aurocs["correlation"] == 1.0
    assert "gradient<br><b>0.75</b> ▼&nbsp;target" in ex.table.value
    ex.show(strength=0.0)
    assert ex.aurocs["gradient"] == 1.0
    assert "gradient<br><b>1.00</b> (target)" in ex.table.value  # still the target, no longer below the bar
    ex.regime.value = "redundant"
    assert ex.slider.description == "strength"
    ex.regime.value = "clean"
    assert ex.slider.description == "strength (no effect)"


def test_explorer_at_suppressor_strength_3_shows_igs_failure_with_its_quadrature_reason():
    ex = widgets.Explorer("suppressor", 3.0)
    ig = ex.aurocs["integrated_gradients"]
    assert ig < claims.FOOLED_BELOW  # beyond the book's grid, 64 nodes miss the narrow gates
    reason = claims.explain("suppressor", "integrated_gradients", 3.0)
    assert "quadrature" in reason
    assert f"<b>integrated_gradients {ig:.2f}</b>, a failure the regime does not list: {html.escape(reason)}" \
        in ex.why.value
    assert "integrated_gradients<br><b>" + f"{ig:.2f}</b> ▼&nbsp;not listed" in ex.table.value
    row = ex.methods.index("integrated_gradients")
    assert ex.strips.tags[row].get_text() == "▼ not listed"  # and the figure marks it too
    # Every method below the bar has its reason on screen; none above it does.
    listed = {f["method"] for f in ex.failures}
    assert listed == {m for m, a in ex.aurocs.items() if a < claims.FOOLED_BELOW}
    for f in ex.failures:
        assert html.escape(f["reason"]) in ex.why.value
    ex.show("clean", 0.0)
    assert [f["method"] for f in ex.failures] == ["random"] and "chance floor" in ex.why.value


def test_explorer_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown circuit"):
        widgets.Explorer("nope")
    with pytest.raises(ValueError, match="strength must be"):
        widgets.Explorer("confounded", -1)
    with pytest.raises(ValueError, match="unknown method"):
        widgets.Explorer("confounded", methods=("gradient", "gradeint"))


def test_static_slider_track_is_labelled_by_strength():
    """The range steps frame by frame over an uneven grid, so every frame's position carries its
    strength: strength 1.00 of the default grid sits 7/9 of the way along, labelled "1"."""
    s = widgets.static_slider("confounded")
    k = len(widgets.DEFAULT_STRENGTHS)
    assert [label for _, label in s.ticks] == [f"{x:g}" for x in widgets.DEFAULT_STRENGTHS]
    assert [f for f, _ in s.ticks] == [i / (k - 1) for i in range(k)]
    assert dict((label, f) for f, label in s.ticks)["1"] == 7 / 9
    page = s.html
    labels = re.findall(r'class="nt-slider-ticks"[^>]*>(.*?)</div>', page, re.S)[0]
    assert re.findall(r">([^<]+)</span>", labels) == [label for _, label in s.ticks]  # in track order
    options = re.findall(r'<option value="(\d+)" label="([^"]+)">', page)
    assert options == [(str(i), label) for i, (_, label) in enumerate(s.ticks)]
    assert f'list="{s.id}-ticks"' in page and f'<datalist id="{s.id}-ticks">' in page
    assert 'aria-valuetext="decoy strength 1.00"' in page  # what a screen reader announces



def test_a_slider_over_something_else_is_labelled_with_its_own_word():
    """Another level's regimes or a threshold: the label, the range's announced value and the script's
    word are the slider's ``word`` (escaped), never a feature regime's strength word."""
    s = widgets.StaticSlider("not_a_feature_regime", [0.0, 0.5], ["AA==", "AA=="], ["a", "b"], 1, "nt-x",
                             word="threshold τ <b>")
    page = s.html
    assert "<label for=\"nt-x-range\"><b>threshold τ &lt;b&gt;</b></label>" in page
    assert 'aria-valuetext="threshold τ &lt;b&gt; 0.50"' in page and 'data-word="threshold τ &lt;b&gt;"' in page
    assert "strength" not in page.split("<script")[0]

def test_static_slider_single_frame_tick_sits_in_the_middle():
    s = widgets.static_slider("suppressor", (1.0,))
    assert s.ticks == [(0.5, "1")]


def test_static_slider_offers_the_full_size_figure_only_from_its_script(slider):
    """The button starts hidden (the script shows it when the column is narrower than the frame)."""
    page = slider.html
    button = re.search(r'<button type="button" class="nt-slider-zoom"[^>]*>([^<]*)</button>', page)
    assert button and " hidden" in button.group(0) and button.group(1) == "Show figure full size"
    assert 'class="nt-slider-view" style="overflow-x:auto' in page  # full size scrolls inside its box
