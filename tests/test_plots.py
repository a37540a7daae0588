"""neurotrace.plots: the book's figures carry the right artists, colours, labels and numbers."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

import neurotrace as nt
from neurotrace import plots, widgets

ROLE_RGB = {role: np.array(to_rgb(c)) for role, c in plots.ROLE_COLORS.items()}


@pytest.fixture(scope="module")
def confounded_snapshot():
    return widgets.snapshot("confounded", 1.0)


def _role_of(name: str, circuit) -> str:
    return str(plots.feature_roles(circuit)[int(name[1:])])


def test_feature_roles_follow_the_masks():
    for name in nt.CIRCUITS:
        circuit = nt.make_circuit(name)
        roles = plots.feature_roles(circuit)
        assert (roles == "causal").tolist() == circuit.causal.tolist()
        assert (roles == "decoy").tolist() == (circuit.decoy & ~circuit.causal).tolist()
    assert set(plots.feature_roles(nt.make_circuit("suppressor"))) == {"causal", "decoy", "other"}


def test_palette_has_three_distinct_role_colours_that_no_method_reuses():
    assert set(plots.ROLE_COLORS) == {"causal", "decoy", "other"}
    assert len(set(plots.ROLE_COLORS.values())) == 3
    styles = [plots.method_style(m) for m in nt.METHODS]
    pairs = {(s["color"], s["linestyle"]) for s in styles}
    assert len(pairs) == len(nt.METHODS)  # every method is told apart
    role_colours = {plots.ROLE_COLORS["causal"], plots.ROLE_COLORS["decoy"]}
    assert not role_colours & {s["color"] for s in styles}


def test_rank_strips_colour_each_cell_by_the_role_of_the_feature_it_names(confounded_snapshot):
    res = confounded_snapshot
    strips = plots.RankStrips(res.methods, 12)
    strips.update(res)
    circuit = nt.make_circuit("confounded")
    colours = strips.cells.get_facecolor().reshape(len(res.methods), 12, 4)
    for r, method in enumerate(res.methods):
        names = [t.get_text() for t in strips.names[r]]
        assert sorted(names, key=lambda n: int(n[1:])) == [f"f{j}" for j in range(12)]
        for c, name in enumerate(names):
            assert np.allclose(colours[r, c, :3], ROLE_RGB[_role_of(name, circuit)])
        # The strip is in rank order: scores of the named features never increase.
        scores = res.importances[res.methods.index(method), 0, 0]
        ranked = scores[[int(n[1:]) for n in names]]
        assert np.all(np.diff(ranked) <= 0)
        assert strips.scores_text[r].get_text() == f"{res.auroc[res.methods.index(method), 0, 0]:.2f}"


def test_rank_strips_show_correlation_fooled_and_patching_not(confounded_snapshot):
    res = confounded_snapshot
    strips = plots.RankStrips(res.methods, 12)
    strips.update(res)
    row = {m: [t.get_text() for t in strips.names[i]] for i, m in enumerate(res.methods)}
    assert set(row["correlation"][:2]) == {"f6", "f7"}  # the decoys on top
    assert set(row["patching"][:4]) == {"f0", "f1", "f2", "f3"}
    assert strips.scores_text[res.methods.index("correlation")].get_text() == "0.75"


def test_rank_strips_legend_names_the_three_roles_in_their_colours(confounded_snapshot):
    fig = plots.importances(confounded_snapshot)
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert [label.split()[0] for label in labels] == ["causal", "decoy", "other"]
    for handle, role in zip(legend.legend_handles, ("causal", "decoy", "other"), strict=True):
        assert np.allclose(handle.get_facecolor()[:3], ROLE_RGB[role])
    assert any(t.get_text().startswith("confounded, decoy strength 1.00") for t in fig.texts)


def test_fast_redraw_leaves_no_stale_pixels():
    strips = plots.RankStrips(tuple(nt.METHODS), 12)
    strips.update(widgets.snapshot("suppressor", 1.0))
    first = strips.rgba().copy()
    strips.update(widgets.snapshot("suppressor", 0.0))
    other = strips.rgba().copy()
    strips.update(widgets.snapshot("suppressor", 1.0))
    again = strips.rgba().copy()
    assert not np.array_equal(first, other)  # the frame changed with the strength
    assert np.array_equal(first, again)  # and coming back restores it exactly


def _blocks(pixels, k=16):
    """Mean colour over k x k blocks: blind to the 1-2 px glyph placement differences."""
    h, w = pixels.shape[0] // k * k, pixels.shape[1] // k * k
    return pixels[:h, :w, :3].astype(float).reshape(h // k, k, w // k, k, 3).mean(axis=(1, 3))


def test_fast_redraw_matches_a_full_render(confounded_snapshot):
    strips = plots.RankStrips(confounded_snapshot.methods, 12)
    strips.update(confounded_snapshot)
    fast = _blocks(strips.rgba())
    strips.figure.canvas.draw()
    full = _blocks(np.asarray(strips.figure.canvas.buffer_rgba()))
    assert np.abs(fast - full).max() < 40  # the same picture, up to glyph rasterisation
    strips.update(widgets.snapshot("confounded", 0.0))
    assert np.abs(_blocks(strips.rgba()) - full).max() > 40  # the measure does see a change


def test_auroc_table_annotates_every_mean_and_frames_the_targeted_cells():
    res = nt.evaluate(seeds=2, samples=64)
    fig = plots.auroc_table(res)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{v:.2f}" for v in res.mean().ravel()]
    frames = [p for p in ax.patches if isinstance(p, Rectangle)
              and np.allclose(p.get_edgecolor()[:3], ROLE_RGB["decoy"])]
    targeted = sum(m in nt.make_circuit(c).fools for m in res.methods for c in res.circuits)
    assert len(frames) == targeted > 0
    assert [t.get_text() for t in ax.get_yticklabels()] == list(res.methods)


def test_auroc_bars_hatch_exactly_the_targeted_methods():
    res = nt.evaluate(circuits="suppressor", seeds=2, samples=64)
    fig = plots.auroc_bars(res)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(res.methods)
    hatched = [m for m, b in zip(res.methods, bars, strict=True) if b.get_hatch()]
    assert hatched == [m for m in res.methods if m in nt.make_circuit("suppressor").fools]
    assert ax.get_xlabel() == "AUROC vs true circuit"


def test_confounded_mechanism_shows_correlated_decoy_with_zero_weight():
    circuit = nt.make_circuit("confounded")
    fig = plots.confounded_mechanism(circuit)
    left, right = fig.axes
    assert "causal" in left.get_xlabel() and "decoy" in right.get_xlabel()
    assert np.allclose(left.collections[0].get_facecolor()[0, :3], ROLE_RGB["causal"])
    assert np.allclose(right.collections[0].get_facecolor()[0, :3], ROLE_RGB["decoy"])
    assert "weight into network 0.00" in right.get_title()
    assert left.get_ylabel() == "network output y"


def test_path_integrals_end_at_ig_and_add_up_to_the_output_change():
    circuit = nt.make_circuit("suppressor")
    x = np.ones(circuit.n_features)
    alphas, outputs, running = plots.path_integrals(circuit, x, steps=4096)
    assert alphas[0] == 0 and alphas[-1] == 1
    ig = nt.integrated_gradients(circuit, x[None], steps=512)[0]
    assert np.allclose(running[-1], ig, atol=1e-4)
    assert np.allclose(running.sum(axis=1), outputs - outputs[0], atol=1e-4)


def test_suppressor_mechanism_decoy_integral_cancels_but_causal_one_does_not():
    circuit = nt.make_circuit("suppressor")
    fig = plots.suppressor_mechanism(circuit)
    right = fig.axes[1]
    decoy_line, causal_line = right.get_lines()[:2]
    assert decoy_line.get_color() == plots.ROLE_COLORS["decoy"]
    assert causal_line.get_color() == plots.ROLE_COLORS["causal"]
    decoy_y, causal_y = decoy_line.get_ydata(), causal_line.get_ydata()
    assert abs(decoy_y[-1]) < 0.01 < decoy_y.max()  # climbs the gates, cancels back to ~0
    assert abs(causal_y[-1]) > 0.1


def test_ig_figure_points_sit_on_the_diagonal_for_the_smooth_circuit():
    circuit = nt.make_circuit("clean")
    X = circuit.sample(64, nt.make_rng("data", 0))
    fig = plots.ig_figure(circuit, X)
    change, total = fig.axes[1].collections[0].get_offsets().T
    assert len(change) == 64
    assert np.allclose(change, total, atol=1e-9)
    assert np.allclose(change, circuit.forward(X) - circuit.forward(np.zeros((1, 12))))


def test_sweep_curves_one_panel_per_method_and_targeted_ones_tinted():
    sweep = nt.sweep("confounded", [0.0, 1.0], seeds=2, samples=64)
    fig = plots.sweep_curves(sweep)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(sweep.methods)
    for ax, method in zip(visible, sweep.methods, strict=True):
        tinted = ax.get_facecolor()[:3] != (1.0, 1.0, 1.0)
        assert tinted == (method in nt.make_circuit("confounded").fools), method
        assert np.allclose(ax.get_lines()[-1].get_ydata(), sweep.curve(method))


def test_mechanism_dispatch_falls_back_to_the_weights_figure():
    clean = plots.mechanism(nt.make_circuit("clean"))
    bars = clean.axes[0].patches
    reads = np.abs(nt.make_circuit("clean").v[:, None] * nt.make_circuit("clean").W).sum(axis=0)
    assert np.allclose([b.get_height() for b in bars], reads)
    assert "exactly 4 features" in clean.axes[0].get_title()
    assert len(plots.mechanism(nt.make_circuit("suppressor")).axes) == 2


def test_figures_are_not_pyplot_figures():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.auroc_table(nt.evaluate(seeds=1, samples=32))
    assert plt.get_fignums() == before  # nothing kept alive (or shown twice) by pyplot
    assert isinstance(plots.weights(nt.make_circuit("clean")), matplotlib.figure.Figure)
