"""neurotrace.plots: the book's figures carry the right artists, colours, labels and numbers."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

import neurotrace as nt
from benchmarks import report
from neurotrace import analysis, claims, palette, plots, widgets
from neurotrace.circuits import CIRCUITS

ROLE_RGB = {role: np.array(to_rgb(c)) for role, c in plots.ROLE_COLORS.items()}


def test_feature_roles_follow_the_masks():
    for name in nt.CIRCUITS:
        circuit = nt.make_circuit(name)
        roles = analysis.feature_roles(circuit)
        assert (roles == "causal").tolist() == circuit.causal.tolist()
        assert (roles == "decoy").tolist() == (circuit.decoy & ~circuit.causal).tolist()
    assert set(analysis.feature_roles(nt.make_circuit("suppressor"))) == {"causal", "decoy", "other"}


def test_palette_has_three_distinct_role_colours_that_no_method_reuses():
    assert set(palette.ROLE_COLORS) == {"causal", "decoy", "other"}
    assert len(set(plots.ROLE_COLORS.values())) == 3
    styles = [plots.method_style(m) for m in nt.METHODS]
    pairs = {(s["color"], s["linestyle"]) for s in styles}
    assert len(pairs) == len(nt.METHODS)  # every method is told apart
    role_colours = {plots.ROLE_COLORS["causal"], plots.ROLE_COLORS["decoy"]}
    assert not role_colours & {s["color"] for s in styles}


# --- tables and bars -------------------------------------------------------------------------------


def test_auroc_table_annotates_every_mean_and_frames_the_listed_cells():
    res = nt.evaluate(seeds=2, samples=64)
    fig = plots.auroc_table(res)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{v:.2f}" for v in res.mean().ravel()]
    frames = [p for p in ax.patches if isinstance(p, Rectangle)
              and np.allclose(p.get_edgecolor()[:3], ROLE_RGB["decoy"])]
    listed = sum(m in CIRCUITS[c].fools for m in res.methods for c in res.circuits)
    targets = sum(CIRCUITS[c].target in res.methods for c in res.circuits)
    assert len(frames) == listed > targets > 0
    assert sum(p.get_linestyle() == "-" for p in frames) == targets  # the targets: solid frames
    assert [t.get_text() for t in ax.get_yticklabels()] == list(res.methods)


def test_auroc_bars_hatch_the_target_and_dot_the_other_listed_failures():
    res = nt.evaluate(circuits="suppressor", seeds=2, samples=64)
    fig = plots.auroc_bars(res)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(res.methods)
    hatch = dict(zip(res.methods, (b.get_hatch() for b in bars), strict=True))
    fools = CIRCUITS["suppressor"].fools
    assert [m for m, h in hatch.items() if h == "//"] == [CIRCUITS["suppressor"].target]
    assert [m for m, h in hatch.items() if h == ".."] == [m for m in res.methods if m in fools][1:]
    assert ax.get_xlabel() == "AUROC vs true circuit"
    assert "decoy strength 1" in fig.get_suptitle()

    clean = plots.auroc_bars(nt.evaluate(circuits="clean", seeds=2, samples=64))
    assert "strength" not in clean.get_suptitle() and "hatched" not in clean.get_suptitle()
    assert clean.axes[0].get_title() == "clean (control)"
    switch = plots.auroc_bars(nt.evaluate(circuits=["redundant", "interaction"], seeds=2, samples=64))
    assert "strength 1" in switch.get_suptitle() and "decoy" not in switch.get_suptitle()


# --- regime mechanisms ---------------------------------------------------------------------------


def test_confounded_mechanism_draws_the_picture_the_prose_quotes():
    circuit = nt.make_circuit("confounded")
    picture = analysis.confounded_picture(circuit)
    fig = plots.confounded_mechanism(circuit)
    left, right = fig.axes
    assert left.get_xlabel() == f"f{picture['causal']} (causal)"
    assert right.get_xlabel() == f"f{picture['decoy']} (decoy)"
    assert f"|corr| with output {picture['causal_corr']:.2f}" in left.get_title()
    assert f"|corr| with output {picture['decoy_corr']:.2f}" in right.get_title()
    assert f"{picture['decoy_corr']:.2f} vs {picture['causal_corr']:.2f}" in fig.get_suptitle()
    # The points are the samples evaluate draws: x is the feature, y the output.
    X = analysis.default_data(circuit)
    np.testing.assert_allclose(right.collections[0].get_offsets(),
                               np.column_stack([X[:, picture["decoy"]], circuit.forward(X)]))
    assert np.allclose(left.collections[0].get_facecolor()[0, :3], ROLE_RGB["causal"])
    assert np.allclose(right.collections[0].get_facecolor()[0, :3], ROLE_RGB["decoy"])
    assert "weight into network 0.00" in right.get_title()
    assert left.get_ylabel() == "network output y"


def test_path_integrals_end_at_ig_and_add_up_to_the_output_change():
    circuit = nt.make_circuit("suppressor")
    x = np.ones(circuit.n_features)
    alphas, outputs, running = analysis.path_integrals(circuit, x, steps=4096)
    assert alphas[0] == 0 and alphas[-1] == 1
    ig = nt.ig_attributions(circuit, x[None], steps=512)[0]
    assert np.allclose(running[-1], ig, atol=1e-4)
    assert np.allclose(running.sum(axis=1), outputs - outputs[0], atol=1e-4)


def test_suppressor_mechanism_draws_the_picture_with_its_path_in_sight():
    circuit = nt.make_circuit("suppressor")
    picture = analysis.suppressor_picture(circuit)
    j = picture["decoy"]
    fig = plots.suppressor_mechanism(circuit)
    left, right = fig.axes
    decoy_line, causal_line = right.get_lines()[:2]
    assert decoy_line.get_color() == plots.ROLE_COLORS["decoy"]
    assert causal_line.get_color() == plots.ROLE_COLORS["causal"]
    np.testing.assert_array_equal(decoy_line.get_ydata(), picture["running"][:, j])
    np.testing.assert_array_equal(causal_line.get_ydata(), picture["running"][:, picture["causal"]])
    decoy_y, causal_y = decoy_line.get_ydata(), causal_line.get_ydata()
    assert abs(decoy_y[-1]) < 0.01 < decoy_y.max()  # climbs the gates, cancels back to ~0
    assert abs(causal_y[-1]) > 0.1
    assert f"{picture['steepest_slope']:.0f}" in left.get_title()
    # The path: drawn over the curve, in black, from the baseline 0 to x_j = 1, its ends labelled.
    curve, path = left.get_lines()[:2]
    np.testing.assert_array_equal(curve.get_ydata(), picture["outputs"])
    assert path.get_color() == "black" and path.get_zorder() > curve.get_zorder()
    assert path.get_xdata().min() == pytest.approx(0, abs=2e-3) and path.get_xdata().max() == pytest.approx(1, abs=2e-3)
    shaded = [p for p in left.patches if p.get_zorder() < curve.get_zorder()]
    assert len(shaded) == 1 and (shaded[0].get_x(), shaded[0].get_x() + shaded[0].get_width()) == (0, 1)
    notes = [t.get_text() for t in left.texts]
    assert f"baseline\nf{j} = 0" in notes and f"input\nf{j} = 1" in notes


@pytest.mark.parametrize("name", ["redundant", "interaction"])
def test_switch_mechanism_notes_are_read_off_the_table_at_any_strength(name):
    complete = CIRCUITS[name].complete
    for strength in (0.0, 0.25, 0.45, 0.5, 1.0, 3.0):
        circuit = nt.make_circuit(name, strength=strength)
        fig = plots.switch_mechanism(circuit)
        panels = [ax for ax in fig.axes if ax.get_title()]
        for ax, (a, b) in zip(panels, analysis.switch_pairs(circuit), strict=True):
            table = analysis.switch_table(circuit, (a, b))
            if name == "redundant":  # knock out the backup b with its primary a at +1
                change = table[2, 1] - table[2, 2]
            else:  # restore a alone into the all-absent reference
                change = table[2, 1] - table[1, 1]
            title = ax.get_title()
            assert ("no change" in title) == (change == 0.0), (strength, title, change)
            if change != 0.0:
                assert f"{round(change, 2) + 0.0:+.2f}" in title
        kind = "an OR" if name == "redundant" else "an AND"
        first_line = fig.get_suptitle().split("\n")[0]
        assert (f"each pair is {kind}" in first_line) == (strength >= complete), (strength, first_line)
    assert "no change" not in "".join(ax.get_title() for ax in plots.switch_mechanism(
        nt.make_circuit(name, strength=0.25)).axes)  # below completion the move DOES change the output


def test_ig_figure_points_sit_on_the_diagonal_for_the_smooth_circuit():
    circuit = nt.make_circuit("clean")
    X = circuit.sample(64, nt.make_rng("data", 0))
    fig = plots.ig_figure(circuit, X)
    change, total = fig.axes[1].collections[0].get_offsets().T
    assert len(change) == 64
    assert np.allclose(change, total, atol=1e-9)
    assert np.allclose(change, circuit.forward(X) - circuit.forward(np.zeros((1, 12))))


def test_sweep_curves_one_panel_per_method_and_listed_ones_tinted():
    sweep = nt.sweep("confounded", [0.0, 1.0], seeds=2, samples=64)
    fig = plots.sweep_curves(sweep)
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert len(visible) == len(sweep.methods)
    # Ten methods in rows of three leave two slots: the first holds the key, the last stays empty.
    (key,) = [ax for ax in fig.axes if ax.get_visible() and not ax.axison]
    assert [t.get_text() for t in key.texts] == [plots.SWEEP_KEY]
    assert sum(not ax.get_visible() for ax in fig.axes) == -len(sweep.methods) % 3 - 1
    for ax, method in zip(visible, sweep.methods, strict=True):
        tinted = ax.get_facecolor()[:3] != (1.0, 1.0, 1.0)
        assert tinted == (method in CIRCUITS["confounded"].fools), method
        assert ax.get_title().endswith("(target)") == (method == CIRCUITS["confounded"].target)
        assert np.allclose(ax.get_lines()[-1].get_ydata(), sweep.curve(method))
    assert visible[-1].get_xlabel() == "decoy strength"
    switch = plots.sweep_curves(nt.sweep("redundant", [0.0, 1.0], seeds=2, samples=64))
    assert [ax for ax in switch.axes if ax.get_visible() and ax.axison][-1].get_xlabel() == "strength"
    assert "decoy" not in switch.get_suptitle()
    # A full grid has no free slot: the key's short form follows the title instead.
    full = plots.sweep_curves(nt.sweep("confounded", [0.0, 1.0], methods=["gradient", "correlation", "patching"],
                                       seeds=2, samples=64))
    assert all(ax.axison for ax in full.axes) and full.get_suptitle().endswith(plots.SWEEP_KEY_LINE)


def _texts(fig):
    """Every visible text artist of ``fig`` (titles, labels, tick labels, legends, annotations)
    after an Agg draw, so constrained layout has placed them."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()
            and all(a.get_visible() for a in _ancestors(t))]


def _ancestors(artist):
    out = []
    while (artist := getattr(artist, "axes", None) if artist not in out else None) is not None:
        out.append(artist)
    return out


@pytest.fixture(scope="module")
def book_figures():
    """One of every figure the book draws, as the pages draw them (ten methods, five regimes)."""
    res = nt.evaluate(seeds=2, samples=64)
    figs = {"auroc_bars": plots.auroc_bars(res), "auroc_table": plots.auroc_table(res),
            "sweep_curves": plots.sweep_curves(nt.sweep("suppressor", [0.0, 0.5, 1.0], seeds=2, samples=64)),
            "importances": plots.importances(widgets.first_seed("interaction", 1.0))}
    for name in CIRCUITS:
        figs[f"mechanism {name}"] = plots.mechanism(nt.make_circuit(name))
    circuit = nt.make_circuit("suppressor")
    figs["ig_figure"] = plots.ig_figure(circuit, circuit.sample(64, nt.make_rng("data", 0)))
    figs["attribution_patching_figure"] = plots.attribution_patching_figure(circuit)
    figs["performance scaling"] = report.scaling_figure(report.load()["scaling"])
    return figs


def test_every_book_figure_fits_the_text_column(book_figures):
    """At most COLUMN_INCHES wide, so the book's column (about 755 px at 1024 px) shows it at
    no less than 3/4 of its size."""
    assert plots.COLUMN_INCHES * plots.STYLE["figure.dpi"] * 0.75 <= 755
    for name, fig in book_figures.items():
        width, height = fig.get_size_inches()
        assert width <= plots.COLUMN_INCHES + 1e-9, (name, width)


def test_no_book_figure_has_text_below_12_points(book_figures):
    """12 pt on a figure at most COLUMN_INCHES wide shows at about 12.5 px in a 1024 px window."""
    for name, fig in book_figures.items():
        small = {t.get_text()[:30]: t.get_fontsize() for t in _texts(fig) if t.get_fontsize() < 12}
        assert not small, (name, small)


def test_no_text_of_a_book_figure_leaves_the_figure(book_figures):
    """Nothing is cut at the figure's edge (a label too long for its panel would be)."""
    for name, fig in book_figures.items():
        _texts(fig)  # draws it
        drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # inches: everything drawn, ticks in view only
        width, height = fig.get_size_inches()
        tol = 2 / fig.dpi
        assert drawn.x0 >= -tol and drawn.y0 >= -tol and drawn.x1 <= width + tol and drawn.y1 <= height + tol, \
            (name, drawn.bounds, (width, height))


def test_mechanism_dispatch_falls_back_to_the_weights_figure():
    clean = plots.mechanism(nt.make_circuit("clean"))
    bars = clean.axes[0].patches
    reads = np.abs(nt.make_circuit("clean").v[:, None] * nt.make_circuit("clean").W).sum(axis=0)
    assert np.allclose([b.get_height() for b in bars], reads)
    assert f"exactly {(reads > 0).sum()} features" in clean.axes[0].get_title() and (reads > 0).sum() == 4
    assert len(plots.mechanism(nt.make_circuit("suppressor")).axes) == 2


def test_figures_are_not_pyplot_figures_and_show_once_in_ipython():
    import matplotlib.pyplot as plt
    from IPython.core.formatters import DisplayFormatter

    before = plt.get_fignums()
    fig = plots.auroc_table(nt.evaluate(seeds=1, samples=32))
    assert plt.get_fignums() == before  # nothing kept alive (or shown twice) by pyplot
    assert isinstance(plots.weights(nt.make_circuit("clean")), matplotlib.figure.Figure)
    # A cell returning the figure displays it as one PNG, with no formatter registered at import.
    data, _ = DisplayFormatter().format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert plots.importances(widgets.first_seed("clean", 1.0))._repr_png_()[:4] == b"\x89PNG"


def test_importing_the_figure_modules_registers_no_display_formatter():
    """Nothing happens at import: an IPython shell's formatters are the same before and after the
    figure and slider modules are imported (a BookFigure shows itself when a cell returns it)."""
    import subprocess
    import sys

    script = """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
def printers():
    return {k: (dict(f.type_printers), dict(f.deferred_printers))
            for k, f in shell.display_formatter.formatters.items()}
before = printers()
import neurotrace.book_figure, neurotrace.palette, neurotrace.plots, neurotrace.rank_strips, neurotrace.widgets
import sys
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
assert printers() == before, "a formatter was registered at import"
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr



def test_the_core_and_the_words_never_import_matplotlib():
    """What the README's layout says: the library core, ``analysis``, ``labels`` and ``claims`` run
    without the ``[book]`` extra; only the figure and slider modules import matplotlib."""
    import subprocess
    import sys

    script = ("import sys, neurotrace, neurotrace.analysis, neurotrace.labels, neurotrace.claims, neurotrace.sanity\n"
              "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr

def test_book_figures_carry_alt_text_in_their_display_metadata(book_figures):
    """A cell returning a figure displays one PNG whose metadata holds its alt text (the book's
    figure_alt extension puts it on the <img>): the title and panels, never a file name."""
    from IPython.core.formatters import DisplayFormatter

    for name, fig in book_figures.items():
        data, meta = DisplayFormatter().format(fig)
        alt = meta["image/png"]["alt"]
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n" and alt == fig.alt_text(), name
        assert len(alt) > 20 and not alt.endswith(".png"), (name, alt)
    strips = book_figures["importances"]
    assert "interaction, strength 1.00: every method's ranking" in strips.alt_text()
    value = widgets.aurocs(widgets.first_seed("interaction", 1.0))["denoising_patching"]
    assert f"denoising_patching {value:.2f}" in strips.alt_text() and value < claims.FOOLED_BELOW  # the target
    sweep = book_figures["sweep_curves"]
    assert f"on {sweep.get_suptitle().split(':')[0]} over" in sweep.alt_text()
    assert f"gradient (the target) 1.00 at 0, below {claims.FOOLED_BELOW:g}" in sweep.alt_text()  # it falls
    sweep.alt = "Ten panels: AUROC against decoy strength."
    assert DisplayFormatter().format(sweep)[1]["image/png"]["alt"] == sweep.alt
    sweep.alt = None


def test_performance_figure_draws_every_method_in_the_book_palette():
    """The Performance page's scaling figure: one line per method in that method's colour and
    style (the same as on every other page), its fitted slope in the legend."""
    scaling = report.load()["scaling"]
    fig = report.scaling_figure(scaling)
    left, right = fig.axes
    lines = {line.get_label(): line for line in left.get_lines()}
    for method, seconds in scaling["samples"]["seconds"].items():
        line = lines[f"{method} ({scaling['samples']['slope'][method]:.2f})"]
        style = plots.method_style(method)
        assert to_rgb(line.get_color()) == to_rgb(style["color"]) and line.get_linestyle() == \
            matplotlib.lines.Line2D([], [], linestyle=style["linestyle"]).get_linestyle()
        assert np.allclose(line.get_ydata(), 1e3 * np.asarray(seconds))
    assert np.allclose(right.get_lines()[0].get_ydata(), 1e3 * np.asarray(scaling["steps"]["seconds"]))
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()][-1] == "slope 1"
