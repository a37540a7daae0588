"""Figures and sliders for the edge level: the book's part "From features to circuits".

Every picture here is drawn from what a library call returns: the network from a
:class:`~neurotrace.deep.DeepCircuit`'s weights and :func:`neurotrace.claims.edges.edge_roles`; what
each method recovers from :func:`neurotrace.claims.edges.edge_snapshot` (its top ``k`` edges, ``k``
the true circuit's size, whole tie groups only: :func:`neurotrace.discovery.recovered`); AUROC
against strength from :func:`neurotrace.discovery.sweep_edges`; ACDC's circuit at a threshold from
:func:`neurotrace.claims.edges.acdc_recovers`. The prose quotes the same values through the page's
facts.

The palette follows :mod:`neurotrace.palette` (Okabe-Ito, colour-blind safe), and every distinction
is also a line style, so a diagram reads in grey too: an edge of the circuit is solid blue, the
backup route dashed sky blue, a planted decoy path dash-dotted vermillion, the dead branch dotted
grey. In the recovered-edges diagrams, a true edge the method recovers is solid blue, a true edge it
misses dashed black, an edge it recovers that is not in the circuit a thick dash-dotted vermillion,
and every other edge a thin pale line.

:func:`static_slider` and :func:`tau_slider` are kernel-free (frames computed when the page is
built: :class:`neurotrace.widgets.StaticSlider`);
:class:`EdgeExplorer` recomputes on every move and needs a kernel. Needs the ``[book]`` extra
(matplotlib, ipywidgets); the core library never imports this module.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from ._checks import check_choice, check_strength
from .analysis import data_links
from .book_figure import COLUMN_INCHES, STYLE, BookFigure
from .claims import FOOLED_BELOW, SAMPLES
from .claims.edges import (
    ACDC_TAUS,
    EDGE_EXPLORER_TOP,
    EDGE_ROLES,
    EDGE_STRENGTHS,
    acdc_default_tau,
    acdc_recovers,
    edge_failures,
    edge_roles,
    edge_snapshot,
    node_roles,
    strength_changes,
    strength_summary,
)
from .deep import EDGE_CIRCUITS, make_deep_circuit
from .discovery import EDGE_METHODS
from .labels import listing_of, setting_label, strength_word
from .palette import CHANGE_COLOR, ROLE_COLORS, method_style
from .plots import data_link_arrows, network_heading, network_legend, sweep_alt_lines, sweep_grid
from .widgets import Explorer, StaticSlider, frames_slider, slider_caption, strength_grid

# --- the palette ---------------------------------------------------------------------------------------

EDGE_COLORS = {"causal": ROLE_COLORS["causal"], "backup": "#56B4E9", "decoy": ROLE_COLORS["decoy"],
               "dead": "#9A9A9A"}
EDGE_LINESTYLES = {"causal": "-", "backup": (0, (4, 2)), "decoy": (0, (6, 2, 1.5, 2)), "dead": (0, (1, 2))}
NODE_COLORS = {"causal": ROLE_COLORS["causal"], "backup": "#56B4E9", "decoy": ROLE_COLORS["decoy"],
               "dead": "#D9D9D9", "unused": "#FFFFFF"}
NODE_INK = {"causal": "white", "backup": "black", "decoy": "white", "dead": "black", "unused": "#707070"}

OUTCOMES = {  # what a method recovered, edge by edge: colour, line style, width, legend label
    "hit": ("#0072B2", "-", 2.8, "true, recovered"),
    "missed": ("#000000", (0, (3, 2)), 1.6, "true, missed"),
    "false": ("#D55E00", (0, (5, 1.5, 1.5, 1.5)), 3.0, "recovered, not true"),
    "other": ("#CFCFCF", "-", 0.9, "other edge"),
}


def outcomes(kept, truth) -> np.ndarray:
    """Each edge's outcome ``(n_edges,)``: ``"hit"`` (true, kept), ``"missed"`` (true, not kept),
    ``"false"`` (kept, not true) or ``"other"``."""
    kept, truth = np.asarray(kept, dtype=bool), np.asarray(truth, dtype=bool)
    return np.where(truth, np.where(kept, "hit", "missed"), np.where(kept, "false", "other"))


# --- the layout ------------------------------------------------------------------------------------------


def layout(circuit) -> tuple[np.ndarray, np.ndarray]:
    """Where each node sits: ``x, y (n_nodes + 1,)``, the output last.

    ``x`` is the node's layer (0 = inputs, ``L + 1`` = the output). The inputs are spread evenly
    down the column; each hidden layer is ordered by the mean height of the nodes it reads (few
    crossings) and placed as near that height as a spacing of 1 allows, within the same span; the
    output sits at the mean height of what it reads.
    """
    e = circuit.edges
    sizes = circuit.layer_sizes
    span = max(sizes) - 1
    x = np.append(np.repeat(np.arange(len(sizes)), sizes), len(sizes)).astype(float)
    y = np.zeros(circuit.n_nodes + 1)
    y[: sizes[0]] = -np.linspace(0, span, sizes[0]) if sizes[0] > 1 else -span / 2
    for k in range(1, len(sizes)):
        cols = circuit.columns(k)
        units = np.arange(cols.start, cols.stop)
        centre = np.array([y[e.source[e.target == u]].mean() if (e.target == u).any() else -span for u in units])
        order = np.lexsort((units, -centre))  # top (largest y) first, ties by index
        p = centre[order].copy()
        p[0] = min(p[0], 0.0)
        for i in range(1, len(p)):
            p[i] = min(p[i], p[i - 1] - 1.0)
        p[-1] = max(p[-1], -float(span))
        for i in range(len(p) - 2, -1, -1):
            p[i] = max(p[i], p[i + 1] + 1.0)
        y[units[order]] = p
    into_y = e.target == circuit.n_nodes
    y[-1] = y[e.source[into_y]].mean() if into_y.any() else -span / 2
    return x, y


def _paths(circuit, x, y, samples: int = 24) -> list[np.ndarray]:
    """Each edge's drawn path as a polyline ``(m, 2)``: straight between neighbouring layers; a
    gentle curve for an edge that skips a layer, bowed away from the nodes it passes."""
    e = circuit.edges
    paths = []
    t = np.linspace(0.0, 1.0, samples)[:, None]
    for s, d in zip(e.source, e.target, strict=True):
        a, b = np.array([x[s], y[s]]), np.array([x[d], y[d]])
        if x[d] - x[s] <= 1:
            paths.append(np.array([a, b]))
            continue
        middle = (a + b) / 2
        passed = y[(x > x[s]) & (x < x[d])]
        bows = []
        for sign in (1.0, -1.0):
            apex = middle[1] + sign * 0.35 * (x[d] - x[s])
            bows.append((np.min(np.abs(passed - apex)) if len(passed) else 0.0, sign))
        sign = max(bows)[1]
        control = middle + np.array([0.0, sign * 0.7 * (x[d] - x[s])])
        paths.append((1 - t) ** 2 * a + 2 * (1 - t) * t * control + t**2 * b)
    return paths


def _widths(circuit, low: float = 0.9, high: float = 4.2) -> np.ndarray:
    """Line widths by weight (log-scaled, so a gain of 40 and a weight of 1 both read)."""
    w = np.abs(circuit.edges.weight)
    top = float(w.max()) or 1.0
    return low + (high - low) * np.log1p(w) / np.log1p(top)


# --- the network diagram ---------------------------------------------------------------------------------

NETWORK_INCHES = 9.0


def network(circuit, *, reference: float = 0.0, title: str | None = None) -> BookFigure:
    """The network ``y = v · A`` through its hidden layers, drawn from its weights.

    Columns: the inputs, each hidden layer, the output. Each node is coloured by its role
    (:func:`neurotrace.claims.edges.node_roles`), each edge by its role
    (:func:`~neurotrace.claims.edges.edge_roles`: the circuit, the backup route, a planted decoy
    path, the dead branch) in colour and line style, as thick as its weight (log-scaled). An edge
    that skips a layer is drawn as a curve. Dotted arrows left of the inputs: a feature generated
    from others in the data (not a weight). Yellow halos: what the strength changes against
    ``reference`` (:func:`~neurotrace.claims.edges.strength_changes`).
    """
    with matplotlib.rc_context(STYLE):
        return _network(circuit, reference, title)


def _network(circuit, reference, title):
    x, y = layout(circuit)
    roles, nodes = edge_roles(circuit), node_roles(circuit)
    changes = strength_changes(circuit, reference)
    paths = _paths(circuit, x, y)
    widths = _widths(circuit)
    span = max(circuit.layer_sizes) - 1
    fig = BookFigure(figsize=(NETWORK_INCHES, 0.5 * span + 4.4), layout="constrained")
    ax = fig.subplots()
    changed = np.flatnonzero(changes["edges"])
    if len(changed):
        ax.add_collection(LineCollection([paths[i] for i in changed], colors=CHANGE_COLOR,
                                         linewidths=widths[changed] + 7, capstyle="round", zorder=1))
    ax.add_collection(LineCollection(paths, colors=[EDGE_COLORS[r] for r in roles], linewidths=widths,
                                     linestyles=[EDGE_LINESTYLES[r] for r in roles], zorder=2))
    links = data_links(circuit)
    data_link_arrows(ax, x, y, links, changes["mixing"], arm=16, spread=7)
    n = circuit.n_nodes
    ax.scatter(x[:n], y[:n], s=620, c=[NODE_COLORS[r] for r in nodes], edgecolors="#303030", linewidths=1.1,
               zorder=4)
    ax.scatter([x[n]], [y[n]], s=800, c="#303030", zorder=4)
    for u, name in enumerate((*circuit.node_names, "y")):
        ink = "white" if u == n else NODE_INK[nodes[u]]
        ax.text(x[u], y[u], name, ha="center", va="center", fontsize=11 if len(name) < 3 else 9, color=ink,
                fontweight="bold", zorder=5)
    heads = ["inputs", *[f"hidden\nlayer {k}" for k in range(1, circuit.n_layers + 1)], "output"]
    for k, head in enumerate(heads):
        ax.text(k, 0.75, head, ha="center", va="bottom", fontsize=13, color="#303030")
    ax.set_xlim(-0.75 if links else -0.4, circuit.n_layers + 1.4)
    ax.set_ylim(-span - 0.6, 1.9)
    ax.set_axis_off()
    present = [r for r in EDGE_ROLES if (roles == r).any()]
    handles = [Line2D([], [], color=EDGE_COLORS[r], linestyle=EDGE_LINESTYLES[r], linewidth=2.6,
                      label=f"edge {EDGE_ROLES[r]}" if r in ("causal", "backup") else EDGE_ROLES[r])
               for r in present]
    handles[0].set_label("edge in the circuit (width: its weight)")
    if (nodes == "unused").any():
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=13, markerfacecolor=NODE_COLORS["unused"],
                              markeredgecolor="#303030", label="input no edge reads"))
    network_legend(fig, handles, links=bool(links), changed=changes["edges"].any() or changes["features"].any(),
                   fontsize=12, handlelength=3.2, columnspacing=1.4)
    summary = strength_summary(circuit, changes)
    head = network_heading(circuit, strength_word(circuit.name) if circuit.name in EDGE_CIRCUITS else None)
    fig.suptitle(title or f"{head}\n" + _balanced(summary[0].upper() + summary[1:]), fontweight="bold", fontsize=15)
    fig.alt = network_alt_text(circuit, changes)
    return fig


def _balanced(text: str, width: int = 72) -> str:
    """``text`` wrapped into as few lines as ``width`` allows, of about equal length."""
    head, colon, tail = text.partition(": ")
    if len(text) > width and colon and max(len(head) + 1, len(tail)) <= width:
        return f"{head}:\n{tail}"  # a long list after a colon: break there
    lines = -(-len(text) // width)
    return textwrap.fill(text, -(-len(text) // lines) + 6) if lines > 1 else text


def network_alt_text(circuit, changes=None) -> str:
    """What :func:`network` draws, sentence by sentence, for its alt text."""
    changes = strength_changes(circuit) if changes is None else changes
    roles = edge_roles(circuit)
    names = circuit.edges.names
    sentences = [f"Diagram of the {circuit.name} network: {circuit.n_features} inputs, "
                 f"{circuit.n_layers} hidden layers of {', '.join(str(s) for s in circuit.layer_sizes[1:])} units, "
                 "and the output y"]
    for role in EDGE_ROLES:
        mine = [n.replace("->", " to ") for n, r in zip(names, roles, strict=True) if r == role]
        if mine:
            of = "" if role in ("causal", "backup") else "of the "
            sentences.append(f"{len(mine)} edge{'s' if len(mine) > 1 else ''} {of}{EDGE_ROLES[role]}: "
                             + ", ".join(mine))
    unused = [n for n, r in zip(circuit.node_names, node_roles(circuit), strict=True) if r == "unused"]
    if unused:
        sentences.append(f"No edge reads {', '.join(unused)}")
    summary = strength_summary(circuit, changes)
    sentences.append(summary[0].upper() + summary[1:])
    return ". ".join(sentences) + "."


# --- what each method recovers ----------------------------------------------------------------------------


class RecoveredDiagrams:
    """One small network diagram per panel, each lighting up the edges a circuit keeps against the
    true ones (:data:`OUTCOMES`), redrawn in place.

    ``regime``'s structure is the same at every strength, so the layout and the artists are built
    once; :meth:`show` restyles one panel's edges and sets its title, :meth:`png` renders. The
    figure's size is fixed, so nothing shifts between a slider's frames.
    """

    PANEL = (3.25, 2.05)  # inches: a panel of the three-column grid
    TOP, BOTTOM = 0.85, 0.5  # inches: the title above, the legend below

    def __init__(self, regime: str, panels: int, *, ncols: int = 3, panel=PANEL, labels: bool = False,
                 top: float = TOP):
        check_choice(regime, EDGE_CIRCUITS, "edge-level circuit")
        self.regime = regime
        self.circuit = make_deep_circuit(regime)
        x, y = layout(self.circuit)
        span = max(self.circuit.layer_sizes) - 1
        self.paths = paths = _paths(self.circuit, x, y)
        nrows, ncols = -(-panels // ncols), min(ncols, panels)
        panel_w, panel_h = panel
        width = min(COLUMN_INCHES, panel_w * ncols + 0.2)
        height = top + panel_h * nrows + self.BOTTOM
        head = 0.5  # inches above each panel for its two-line title
        with matplotlib.rc_context(STYLE):
            self.figure = BookFigure(figsize=(width, height), dpi=100)
            FigureCanvasAgg(self.figure)
            self.axes, self.lines, self.titles = [], [], []
            n = self.circuit.n_nodes
            for p in range(panels):
                r, c = divmod(p, ncols)
                left = 0.1 + c * (width - 0.2) / ncols
                ax = self.figure.add_axes((left / width, 1 - (top + (r + 1) * panel_h) / height,
                                           (width - 0.2) / ncols / width, (panel_h - head) / height))
                ax.set_xlim(-0.25, self.circuit.n_layers + 1.25)
                ax.set_ylim(-span - 0.5, 0.5)
                ax.set_axis_off()
                lines = ax.add_collection(LineCollection(paths, zorder=2))
                if labels:
                    ax.scatter(x[:n], y[:n], s=520, c="white", edgecolors="#505050", linewidths=0.9, zorder=3)
                    for u, name in enumerate(self.circuit.node_names):
                        ax.text(x[u], y[u], name, ha="center", va="center", fontsize=9 if len(name) > 2 else 10,
                                zorder=4)
                    ax.scatter([x[n]], [y[n]], s=420, c="#303030", zorder=3)
                    ax.text(x[n], y[n], "y", ha="center", va="center", fontsize=11, color="white",
                            fontweight="bold", zorder=4)
                else:
                    ax.scatter(x[:n], y[:n], s=22, c="white", edgecolors="#505050", linewidths=0.8, zorder=3)
                    ax.scatter([x[n]], [y[n]], s=60, c="#303030", zorder=3)
                # y given: a fixed title position, so drawing a frame skips matplotlib's title layout
                self.titles.append(ax.set_title("", fontsize=12 if not labels else 13, pad=3, y=1.0))
                self.axes.append(ax)
                self.lines.append(lines)
            handles = [Line2D([], [], color=c, linestyle=ls, linewidth=lw, label=label)
                       for c, ls, lw, label in OUTCOMES.values()]
            self.figure.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=12,
                               handlelength=2.6, columnspacing=1.0, handletextpad=0.5, bbox_to_anchor=(0.5, 0.0))
            self.suptitle = self.figure.text(0.5, 1 - 0.08 / height, "", ha="center", va="top", fontsize=14,
                                             fontweight="bold")

    def show(self, panel: int, kept, title: str) -> None:
        """Panel ``panel``: the circuit ``kept (n_edges,) bool`` against the truth, titled ``title``."""
        found = outcomes(kept, self.circuit.causal_edges)
        order = {"other": 0, "missed": 1, "hit": 2, "false": 3}  # pale edges under the ones that matter
        ranked = sorted(range(len(found)), key=lambda i: order[found[i]])
        lines = self.lines[panel]
        lines.set_segments([self.paths[i] for i in ranked])
        lines.set_color([OUTCOMES[found[i]][0] for i in ranked])
        lines.set_linestyle([OUTCOMES[found[i]][1] for i in ranked])
        lines.set_linewidth([OUTCOMES[found[i]][2] for i in ranked])
        self.titles[panel].set_text(title)

    def png(self, compress_level: int = 6) -> bytes:
        """The current state as PNG bytes."""
        from PIL import Image

        canvas = self.figure.canvas
        canvas.draw()
        buf = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())[:, :, :3]).save(buf, format="png",
                                                                         compress_level=compress_level)
        return buf.getvalue()


def _panel_title(method: str, auroc: float, faith: float) -> str:
    mark = " ▼" if auroc < FOOLED_BELOW else ""
    return f"{method}\nAUROC {auroc:.2f}{mark} · faithful {faith:.2f}"


class RecoveredGrid(RecoveredDiagrams):
    """Every method's recovered circuit on one regime, one panel per method (:meth:`update`)."""

    def __init__(self, regime: str, methods=None, *, ncols: int = 3):
        self.methods = tuple(EDGE_METHODS) if methods is None else tuple(methods)
        super().__init__(regime, len(self.methods), ncols=ncols)

    def update(self, snapshot, *, title: str | None = None):
        """Show ``snapshot`` (:func:`neurotrace.claims.edges.edge_snapshot` of this regime)."""
        if snapshot.regime != self.regime or snapshot.methods != self.methods:
            raise ValueError(f"the snapshot must be of {self.regime} with methods {self.methods}")
        aurocs, faith = snapshot.aurocs, snapshot.faithfulness
        for p, method in enumerate(self.methods):
            self.show(p, snapshot.kept(method), _panel_title(method, aurocs[method], faith[method]))
        k = int(self.circuit.causal_edges.sum())
        self.suptitle.set_text(title or f"{setting_label(self.regime, snapshot.strength)}, seed 0\n"
                               f"each method's top {k} edges (the true circuit's size; whole ties only)")
        self.figure.alt = grid_alt_text(snapshot)
        return self.figure


def grid_alt_text(snapshot) -> str:
    """What a recovered-edges grid shows, method by method, for its alt text."""
    truth = snapshot.circuit.causal_edges
    parts = []
    for method in snapshot.methods:
        kept = snapshot.kept(method)
        parts.append(f"{method}: {int((kept & truth).sum())} of {int(truth.sum())} true edges recovered, "
                     f"{int((kept & ~truth).sum())} others; AUROC {snapshot.aurocs[method]:.2f}, faithfulness "
                     f"{snapshot.faithfulness[method]:.2f}")
    return (f"Small network diagrams of {setting_label(snapshot.regime, snapshot.strength)}, seed 0, one per method, "
            "lighting up the edges each recovers against the true circuit. " + "; ".join(parts) + ".")


def recovered_grid(snapshot, *, title: str | None = None) -> BookFigure:
    """Every method's recovered circuit in ``snapshot`` against the true one: one small diagram per
    method, its edge AUROC and its circuit's faithfulness in the panel's title (see :class:`RecoveredGrid`)."""
    return RecoveredGrid(snapshot.regime, snapshot.methods).update(snapshot, title=title)


# --- over all seeds ------------------------------------------------------------------------------------


def edge_bars(results, faith, *, title: str | None = None) -> BookFigure:
    """Mean edge AUROC and mean faithfulness (± standard error over seeds) of every method on one
    regime, side by side. A method the regime lists is hatched (``//`` its target, ``..`` the
    others) with a vermillion outline; dashed: chance (AUROC) and the empty circuit (faithfulness 0)."""
    with matplotlib.rc_context(STYLE):
        regime = results.circuits[0]
        n = results.seeds
        blocks = [("edge AUROC vs the true edges", results.auroc[:, 0], 0.5),
                  ("faithfulness of its top-k circuit", faith[:, 0], 0.0)]
        m = len(results.methods)
        fig = BookFigure(figsize=(COLUMN_INCHES, 0.45 * m + 1.9), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        ys = np.arange(m)
        for ax, (label, values, line) in zip(axes, blocks, strict=True):
            mean = values.mean(axis=-1)
            sem = values.std(axis=-1, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(m)
            for i, method in enumerate(results.methods):
                listing = listing_of(regime, method)
                ax.barh(ys[i], mean[i], xerr=sem[i], height=0.7, capsize=3, alpha=0.9,
                        color=method_style(method, EDGE_METHODS)["color"],
                        edgecolor=ROLE_COLORS["decoy"] if listing else "black", linewidth=2 if listing else 0.6,
                        hatch={"target": "//", "listed": ".."}.get(listing))
                ax.text(max(mean[i], 0) + sem[i] + 0.03, ys[i], f"{mean[i]:.2f}", va="center", fontsize=12)
            ax.axvline(line, color="black", linestyle="--", linewidth=1)
            ax.set_xlim(min(0.0, float(mean.min()) - 0.1), 1.3)
            ax.set_xticks([0, 0.5, 1])
            ax.set_title(label, fontsize=13)
        axes[0].set_yticks(ys, results.methods)
        axes[0].set_ylim(m - 0.5, -0.5)
        fig.suptitle(title or f"{setting_label(regime, results.strength)}: mean ± s.e. over {n} seeds\n"
                     "(hatched: a method the regime lists, // its target; dashed: chance, and an empty circuit)",
                     fontweight="bold", fontsize=14)
        auroc, faithful = (values.mean(axis=-1) for _, values, _ in blocks)
        marks = {"target": " (the target)", "listed": " (listed)"}
        fig.alt = (f"Two bar charts of {setting_label(regime, results.strength)}, mean over {n} seeds: each method's "
                   "edge AUROC (left, chance 0.5 dashed) and the faithfulness of the circuit it recovers (right): "
                   + "; ".join(f"{m}{marks.get(listing_of(regime, m), '')} AUROC {auroc[i]:.2f}, faithfulness "
                               f"{faithful[i]:.2f}" for i, m in enumerate(results.methods)) + ".")
        return fig


# --- AUROC against strength ---------------------------------------------------------------------------------

SWEEP_KEY = ("line: mean over seeds; band: middle 80% of seeds; dashed: chance\n"
             "shaded: a failure the regime lists (darker: its target)")


def edge_sweep(sweep, *, ncols: int = 3, title: str | None = None) -> BookFigure:
    """Edge AUROC against strength on one edge-level regime, one small panel per method (the mean
    over seeds, the middle 80% of seeds as a band, chance dashed, strength 1 as a thin vertical); a
    method the regime lists gets a tinted panel, its target a stronger tint and "(target)"."""
    with matplotlib.rc_context(STYLE):
        fig, _ = sweep_grid(sweep, ncols=ncols, height=1.2, registry=EDGE_METHODS, listing=listing_of,
                            ylabel="edge AUROC", xlabel="strength")
        head = title or f"{sweep.circuit}: edge AUROC vs strength ({sweep.seeds} seeds)"
        fig.suptitle(f"{head}\n{SWEEP_KEY}", fontweight="bold", fontsize=13)
        grid = np.asarray(sweep.strengths, dtype=float)
        fig.alt = (f"Small line charts, one per method, of the mean edge AUROC on {sweep.circuit} over {sweep.seeds} "
                   f"seeds against the strength from {grid[0]:g} to {grid[-1]:g}: "
                   + sweep_alt_lines(sweep, listing_of) + ".")
        return fig


# --- kernel-free sliders ---------------------------------------------------------------------------------------

EdgeSlider = StaticSlider
"""The kernel-free slider: :class:`neurotrace.widgets.StaticSlider` with its ``word`` (``"strength"``,
``"threshold τ"``); its ``strengths`` hold the slider's values, whatever they measure."""


def frame_caption(snapshot) -> str:
    """A strength frame's caption (:func:`neurotrace.widgets.slider_caption`): every method's AUROC
    and faithfulness, and why each one below ``claims.FOOLED_BELOW`` falls
    (:func:`neurotrace.claims.edges.edge_failures`)."""
    faith = " · ".join(f"{m} {f:.2f}" for m, f in snapshot.faithfulness.items())
    return slider_caption(f"{setting_label(snapshot.regime, snapshot.strength)}, seed 0. Edge AUROC: ",
                          snapshot.aurocs, EDGE_CIRCUITS[snapshot.regime].target, edge_failures(snapshot),
                          also=[f"Faithfulness of the recovered circuit: {faith}"])


def static_slider(regime: str, strengths=EDGE_STRENGTHS, *, start: float = 1.0, methods=None,
                  samples: int = SAMPLES) -> EdgeSlider:
    """Kernel-free slider over ``regime``'s strength: one recovered-edges grid per strength (seed 0,
    :func:`neurotrace.claims.edges.edge_snapshot`), its caption every AUROC, every faithfulness and
    the reason for each failure. ``start``: the strength shown first (the nearest grid point)."""
    check_choice(regime, EDGE_CIRCUITS, "edge-level circuit")
    grid = strength_grid(strengths)
    start = check_strength(start)
    drawing = RecoveredGrid(regime, methods)

    def frame(strength):
        snapshot = edge_snapshot(regime, strength, methods=drawing.methods, samples=samples)
        drawing.update(snapshot)
        return drawing.png(), frame_caption(snapshot)

    return frames_slider(regime, grid, frame, start=start, key=(regime, grid, drawing.methods, samples),
                         word="strength")


def tau_caption(regime: str, tau: float, run: dict) -> str:
    """A tau frame's caption: what ACDC keeps at ``tau`` (``run``: :func:`~neurotrace.claims.edges.acdc_recovers`)."""
    circuit = make_deep_circuit(regime)
    roles = edge_roles(circuit)
    kept = run["kept"]
    by_role = [f"{int((kept & (roles == r)).sum())} of the {int((roles == r).sum())} {name}"
               for r, name in (("causal", "primary edges"), ("backup", "backup-route edges")) if (roles == r).any()]
    return (f"{regime}, strength 1, seed 0: ACDC at τ = {tau:g} keeps {run['true_kept']} of the {run['n_true']} "
            f"true edges ({', '.join(by_role)}) and {run['false_kept']} other edges. "
            f"The kept circuit's faithfulness: {run['faithfulness']:.2f}.")


def tau_slider(regime: str = "backup_path", taus=ACDC_TAUS, *, start: float | None = None) -> EdgeSlider:
    """Kernel-free slider over ACDC's threshold ``tau`` on ``regime`` (strength 1, seed 0): the circuit
    ACDC keeps at each tau against the true one, with its faithfulness."""
    check_choice(regime, EDGE_CIRCUITS, "edge-level circuit")
    taus = [float(t) for t in taus]
    drawing = RecoveredDiagrams(regime, 1, ncols=1, panel=(8.0, 5.6), labels=True, top=0.15)

    def frame(tau):
        run = acdc_recovers(regime, tau)
        drawing.show(0, run["kept"], f"{regime}, strength 1, seed 0\nACDC at τ = {tau:g}: keeps {run['true_kept']} "
                                     f"of {run['n_true']} true edges and {run['false_kept']} others; faithfulness "
                                     f"{run['faithfulness']:.2f}")
        return drawing.png(), tau_caption(regime, tau, run)

    start = acdc_default_tau() if start is None else float(start)
    return frames_slider(regime, taus, frame, start=start, key=(regime, "tau", taus), word="threshold τ")


# --- the live explorer --------------------------------------------------------------------------------------


class EdgeExplorer(Explorer):
    """Live ipywidgets explorer for the edge level: a regime menu, a strength slider with − and +
    buttons, and every method's recovered circuit (:class:`RecoveredGrid`), recomputed on every move.

    Above the image, ``table`` shows every method's edge AUROC and faithfulness (one below
    ``claims.FOOLED_BELOW`` marked ▼ with its kind); below it, ``why`` gives each failure's reason
    (:func:`neurotrace.claims.edges.edge_failures`). ``seconds`` holds the last redraw's timings.
    The controls, the redraw, the table and the reasons are the feature-level
    :class:`neurotrace.widgets.Explorer`'s; what is computed and drawn is the edge level's (its
    hooks, below). Display it by making it the last expression of a cell.
    """

    REGIMES = EDGE_CIRCUITS
    METHODS = EDGE_METHODS
    WHAT = "edge-level circuit"
    HEAD = "AUROC · faithful"

    def __init__(self, regime: str = "backup_path", strength: float = 1.0, *, methods=None,
                 samples: int = SAMPLES, max_strength: float = EDGE_EXPLORER_TOP, step: float = 0.05):
        super().__init__(regime, strength, methods=methods, samples=samples, max_strength=max_strength, step=step)

    def _prepare(self, circuit: str) -> None:
        self._grids = {}
        self.snapshot = None

    def grid(self, regime: str) -> RecoveredGrid:
        """The drawing for ``regime``, built once and redrawn in place."""
        if regime not in self._grids:
            self._grids[regime] = RecoveredGrid(regime, self.methods)
        return self._grids[regime]

    def _compute(self, circuit: str, strength: float) -> None:
        self.snapshot = edge_snapshot(circuit, strength, methods=self.methods, samples=self.samples)

    def _draw(self, circuit: str) -> bytes:
        grid = self.grid(circuit)
        grid.update(self.snapshot)
        return grid.png(compress_level=1)

    def _failures(self) -> list[dict]:
        return edge_failures(self.snapshot)

    def _shown(self) -> str:
        return self.snapshot.regime

    def _value_html(self, method: str, auroc: float) -> str:
        return f"<b>{auroc:.2f}</b> · {self.snapshot.faithfulness[method]:.2f}"

    def _slider_label(self, circuit: str) -> str:
        return "strength"

    @property
    def aurocs(self) -> dict:
        """``{method: edge AUROC}`` currently displayed."""
        return self.snapshot.aurocs


def explorer(regime: str = "backup_path", strength: float = 1.0, **options) -> EdgeExplorer:
    """The live edge-level explorer for ``regime`` (see :class:`EdgeExplorer`); needs a running kernel."""
    return EdgeExplorer(regime, strength, **options)


__all__ = [
    "EDGE_COLORS", "EDGE_LINESTYLES", "OUTCOMES", "outcomes", "layout", "network",
    "network_alt_text", "RecoveredDiagrams", "RecoveredGrid", "recovered_grid", "grid_alt_text", "edge_bars",
    "edge_sweep", "EdgeSlider", "frame_caption", "static_slider", "tau_caption", "tau_slider", "EdgeExplorer",
    "explorer",
]
