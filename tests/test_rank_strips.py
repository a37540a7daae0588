"""neurotrace.rank_strips: every method's ranking as blocks -- ties as one block at one rank, each
block in its role's colour, every failure marked with its kind -- and the fast redraw the sliders use."""

import numpy as np
import pytest
from matplotlib.colors import to_rgb

import neurotrace as nt
from neurotrace import analysis, claims, labels, plots, widgets
from neurotrace.book_figure import COLUMN_INCHES
from neurotrace.circuits import CIRCUITS
from neurotrace.palette import ROLE_COLORS, TIE_EDGE
from neurotrace.rank_strips import RankStrips

ROLE_RGB = {role: np.array(to_rgb(c)) for role, c in ROLE_COLORS.items()}


@pytest.fixture(scope="module")
def confounded_first_seed():
    return widgets.first_seed("confounded", 1.0)


@pytest.fixture(scope="module")
def switch_first_seeds():
    return {name: nt.evaluate(circuits=name, seeds=1) for name in ("interaction", "redundant")}


def _drawn(results):
    strips = RankStrips(results.methods, results.importances.shape[-1])
    strips.update(results)
    return strips


def _row_polygons(strips):
    """Each row's block polygons as (x0, x1) spans, in drawing order."""
    spans = [(p.vertices[:, 0].min(), p.vertices[:, 0].max()) for p in strips.cells.get_paths()]
    out, k = [], 0
    for blocks in strips.blocks:
        out.append(spans[k:k + len(blocks)])
        k += len(blocks)
    assert k == len(spans)
    return out


def _row_labels(strips, r):
    """(text, x) of every non-empty label drawn in row ``r``."""
    return [(t.get_text(), t.get_position()[0]) for t in strips.labels[r] if t.get_text()]


def test_rank_strips_blocks_follow_the_scores_and_single_cells_carry_role_colours(confounded_first_seed):
    res = confounded_first_seed
    strips = _drawn(res)
    circuit = nt.make_circuit("confounded")
    roles = analysis.feature_roles(circuit)
    faces = strips.cells.get_facecolor()
    k = 0
    for r, method in enumerate(res.methods):
        scores = res.importances[res.methods.index(method), 0, 0]
        blocks = strips.blocks[r]
        # The blocks cover every feature once, left to right, each at the rank of its first column.
        assert sorted(j for b in blocks for j in b.features) == list(range(12))
        assert [b.start for b in blocks] == [0] + [b.stop for b in blocks[:-1]]
        assert all(b.rank == b.start + 1 for b in blocks)
        # Inside a block the scores agree (a tie); from one block to the next they strictly fall.
        top = scores.max()
        for b in blocks:
            assert np.ptp(scores[list(b.features)]) <= 1e-9 * top
        lows = [scores[list(b.features)].min() for b in blocks]
        highs = [scores[list(b.features)].max() for b in blocks]
        assert all(lo > hi + 1e-9 * top for lo, hi in zip(lows[:-1], highs[1:], strict=True))
        for b in blocks:
            if not b.tied:  # a feature ranked alone: its own cell, its name, its role's colour
                (j,) = b.features
                assert np.allclose(faces[k, :3], ROLE_RGB[roles[j]])
                assert any(t == f"f{j}" and b.start - 0.5 < x < b.start + 0.5 for t, x in _row_labels(strips, r))
            k += 1
        assert strips.scores_text[r].get_text() == f"{res.auroc[res.methods.index(method), 0, 0]:.2f}"


def test_rank_strips_show_correlation_fooled_and_patching_not(confounded_first_seed):
    res = confounded_first_seed
    strips = _drawn(res)
    ranks = {m: {j: b.rank for b in strips.blocks[i] for j in b.features} for i, m in enumerate(res.methods)}
    assert sorted(ranks["correlation"][j] for j in (6, 7)) == [1, 2]  # the decoys on top, each alone
    assert sorted(ranks["patching"][j] for j in (0, 1, 2, 3)) == [1, 2, 3, 4]
    assert strips.scores_text[res.methods.index("correlation")].get_text() == "0.75"


def test_a_tie_is_one_block_at_one_rank_never_an_order(switch_first_seeds):
    """interaction: denoising patching scores every feature 0; redundant: patching ties the backups
    with the noise. Each tie is one block, one rank, one label; no causal feature of a tie is drawn
    on its own."""
    for name, res in switch_first_seeds.items():
        strips = _drawn(res)
        spans = _row_polygons(strips)
        for r, method in enumerate(res.methods):
            scores = res.importances[res.methods.index(method), 0, 0]
            for b, (x0, x1) in zip(strips.blocks[r], spans[r], strict=True):
                # The block's polygon spans exactly its columns.
                assert b.start - 0.5 <= x0 < b.start - 0.5 + 0.1 and b.stop - 0.5 - 0.1 < x1 <= b.stop - 0.5
                if not b.tied:
                    continue
                assert np.ptp(scores[list(b.features)]) <= 1e-9 * scores.max()
                inside = [(t, x) for t, x in _row_labels(strips, r) if b.start - 0.5 <= x < b.stop - 0.5]
                assert any(t.startswith(("tied ×", "=")) or " = " in t for t, _ in inside), (name, method, inside)
                for j in b.features:  # no member drawn under its own name, as if ranked alone
                    assert f"f{j}" not in [t for t, _ in _row_labels(strips, r)], (name, method, j)

    interaction = _drawn(switch_first_seeds["interaction"])
    i = switch_first_seeds["interaction"].methods.index("denoising_patching")
    (block,) = interaction.blocks[i]  # everything tied: one block
    assert block.features == tuple(range(12)) and block.rank == 1
    words = " ".join(t for t, _ in _row_labels(interaction, i))
    assert "tied ×12" in words and all(f"f{j}" in words.split() for j in range(4))  # the causal ones, named
    assert interaction.scores_text[i].get_text() == "0.50"
    assert interaction.tags[i].get_text() == "▼ target"

    redundant = _drawn(switch_first_seeds["redundant"])
    res = switch_first_seeds["redundant"]
    i = res.methods.index("patching")
    rank = {j: b.rank for b in redundant.blocks[i] for j in b.features}
    backups = [b for _, b in analysis.switch_pairs(nt.make_circuit("redundant"))]
    primaries = [a for a, _ in analysis.switch_pairs(nt.make_circuit("redundant"))]
    noise = np.flatnonzero(~nt.make_circuit("redundant").causal)
    assert sorted(rank[j] for j in primaries) == [1, 2]  # each primary ranked alone
    assert {rank[j] for j in backups} == {rank[j] for j in noise} == {3}  # backups and noise: one rank
    tie = next(b for b in redundant.blocks[i] if b.tied)
    words = " ".join(t for t, _ in _row_labels(redundant, i))
    assert f"tied ×{len(tie.features)}" in words and all(f"f{j}" in words.split() for j in backups)
    assert redundant.scores_text[i].get_text() == "0.75"
    # The tie is outlined: one polygon with the tie edge, and the legend explains it.
    k = sum(len(blocks) for blocks in redundant.blocks[:i]) + redundant.blocks[i].index(tie)
    assert np.allclose(redundant.cells.get_edgecolor()[k, :3], to_rgb(TIE_EDGE))
    assert redundant.cells.get_linewidth()[k] > 0
    assert any("tied" in t.get_text() for t in redundant.legend.get_texts())


def test_legend_title_and_failure_marks_say_only_what_the_frame_has():
    clean = widgets.first_seed("clean", 1.0)
    fig = plots.importances(clean)
    labels = [t.get_text().split()[0] for t in fig.legends[0].get_texts()]
    assert "decoy" not in labels and {"causal", "other"} <= set(labels)
    titles = [t.get_text() for t in fig.texts if t.get_text()]
    assert any(t.startswith("clean (control)") for t in titles)
    assert not any("strength" in t for t in titles)  # clean ignores its strength

    redundant = plots.importances(widgets.first_seed("redundant", 0.25))
    titles = [t.get_text() for t in redundant.texts]
    assert any(t.startswith("redundant, strength 0.25") for t in titles)
    assert not any("decoy" in t for t in titles + [t.get_text() for t in redundant.legends[0].get_texts()])

    supp = widgets.first_seed("suppressor", 1.0)
    strips = _drawn(supp)
    legend = [t.get_text().split()[0] for t in strips.legend.get_texts()]
    assert legend[:3] == ["causal", "decoy", "other"]
    for handle, role in zip(strips.legend.legend_handles, ("causal", "decoy", "other"), strict=False):
        assert np.allclose(handle.get_facecolor()[:3], ROLE_RGB[role])
    assert strips.suptitle.get_text().startswith("suppressor, decoy strength 1.00")
    for r, method in enumerate(supp.methods):
        value = supp.auroc[supp.methods.index(method), 0, 0]
        tag = strips.tags[r].get_text()
        assert bool(tag) == (value < claims.FOOLED_BELOW), method
        if method == CIRCUITS["suppressor"].target:
            assert tag == "▼ target"
        elif method in CIRCUITS["suppressor"].fools:
            assert tag == "▼ listed"
    assert strips.tags[supp.methods.index("random")].get_text() == "▼ baseline"


def test_unlisted_failure_is_marked_as_such():
    far = widgets.first_seed("suppressor", 3.0)
    strips = _drawn(far)
    i = far.methods.index("integrated_gradients")
    assert far.auroc[i, 0, 0] < claims.FOOLED_BELOW  # 64 nodes miss the narrow gates
    assert strips.tags[i].get_text() == "▼ not listed"
    assert labels.failure_kind("suppressor", "integrated_gradients", 0.95) is None


def test_fast_redraw_leaves_no_stale_pixels():
    strips = RankStrips(tuple(nt.METHODS), 12)
    strips.update(widgets.first_seed("suppressor", 1.0))
    first = strips.rgba().copy()
    strips.update(widgets.first_seed("suppressor", 0.0))
    other = strips.rgba().copy()
    strips.update(widgets.first_seed("clean", 1.0))  # another legend (no decoy)
    clean = strips.rgba().copy()
    strips.update(widgets.first_seed("suppressor", 1.0))
    again = strips.rgba().copy()
    assert not np.array_equal(first, other)  # the frame changed with the strength
    assert not np.array_equal(first, clean)
    assert np.array_equal(first, again)  # and coming back restores it exactly


def _blocks(pixels, k=16):
    """Mean colour over k x k blocks: blind to the 1-2 px glyph placement differences."""
    h, w = pixels.shape[0] // k * k, pixels.shape[1] // k * k
    return pixels[:h, :w, :3].astype(float).reshape(h // k, k, w // k, k, 3).mean(axis=(1, 3))


@pytest.mark.parametrize("regime", ["confounded", "interaction"])
def test_fast_redraw_matches_a_full_render(regime):
    snap = widgets.first_seed(regime, 1.0)
    strips = _drawn(snap)
    fast = _blocks(strips.rgba())
    strips.figure.canvas.draw()
    full = _blocks(np.asarray(strips.figure.canvas.buffer_rgba()))
    assert np.abs(fast - full).max() < 40  # the same picture, up to glyph rasterisation
    strips.update(widgets.first_seed(regime, 0.0))
    assert np.abs(_blocks(strips.rgba()) - full).max() > 40  # the measure does see a change


def test_tie_labels_fit_inside_their_blocks(switch_first_seeds):
    """Every label of a tie is drawn within its block (the figure is read on a projector)."""
    strips = _drawn(switch_first_seeds["redundant"])
    strips.figure.canvas.draw()
    renderer = strips.figure.canvas.get_renderer()
    to_px = strips.ax.transData
    for r, blocks in enumerate(strips.blocks):
        for b in blocks:
            left, right = to_px.transform([(b.start - 0.5, r), (b.stop - 0.5, r)])[:, 0]
            for t in strips.labels[r]:
                if t.get_text() and b.start - 0.5 <= t.get_position()[0] < b.stop - 0.5:
                    box = t.get_window_extent(renderer)
                    assert left - 1 <= box.x0 and box.x1 <= right + 1, (r, t.get_text())
    assert min(t.get_fontsize() for row in strips.labels for t in row) >= 12


def test_rank_strips_narrow_their_cells_to_fit_the_column():
    for d in (8, 12, 16):
        strips = RankStrips(tuple(nt.METHODS), d)
        width = strips.figure.get_size_inches()[0]
        assert strips.cell_width == min(RankStrips.CELL_WIDTH,
                                        max(RankStrips.MIN_CELL_WIDTH,
                                            (COLUMN_INCHES - strips.LEFT - strips.RIGHT) / d))
        assert width <= COLUMN_INCHES + 1e-9 or strips.cell_width == RankStrips.MIN_CELL_WIDTH
    assert RankStrips(tuple(nt.METHODS), 16).cell_width < RankStrips.CELL_WIDTH
