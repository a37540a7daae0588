"""Figures for the book: one palette, one look, every figure built from library results.

Every function returns a ``matplotlib.figure.Figure`` (not a pyplot figure, so a notebook shows
it once, when the cell returns it). The colours are fixed across the whole book:
``ROLE_COLORS`` for causal / decoy / other features (Okabe-Ito blue and vermillion, neutral
grey) and ``method_style(name)`` for methods, in registry order, so a method keeps its colour
on every page. Fonts are sized for a projector.

Needs the ``[book]`` extra (matplotlib); the core library never imports this module.
"""

from __future__ import annotations

import functools

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont, get_font
from matplotlib.patches import Patch

from ._rng import make_rng
from .analysis import (
    first_order_error,
    first_order_patches,
    path_integrals,
    resample_patches,
    steepest_feature,
    switch_table,
)
from .methods import METHODS, integrated_gradients

# --- the palette ------------------------------------------------------------------------------

# Okabe & Ito (2008), the colour-blind-safe palette; grey for the features that are neither.
ROLE_COLORS = {"causal": "#0072B2", "decoy": "#D55E00", "other": "#B0B0B0"}
ROLE_LABELS = {"causal": "causal (the true circuit)", "decoy": "decoy (planted)", "other": "other (noise)"}

# Method colours: the Okabe-Ito hues not taken by the roles, then Paul Tol's muted ones (also
# colour-blind safe); line styles cycle on top, so a long registry keeps every pair distinct.
METHOD_COLORS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#8C6D00", "#AA4499", "#44AA99",
                 "#882255")
METHOD_LINESTYLES = ("-", "--", "-.", ":")
BASELINE_COLOR = "#808080"

STYLE = {
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.titlesize": 16,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}


def _styled(fn):
    """Build the figure inside ``STYLE`` so fonts and spines match on every page."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def figure_png(fig: Figure) -> bytes:
    """``fig`` as PNG bytes at its own dpi, white background."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()


def _show_figures_in_ipython():
    """Let IPython display a bare ``Figure`` as PNG.

    The figures here are built with ``Figure()``, not pyplot, so nothing is drawn twice or kept
    alive by pyplot; but then the inline backend's formatter may never be registered (it is set
    up lazily, on first pyplot use). Register one for ``Figure`` directly.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


_show_figures_in_ipython()


def feature_roles(circuit) -> np.ndarray:
    """``(n_features,)`` array of ``"causal"``, ``"decoy"`` or ``"other"``."""
    return np.where(circuit.causal, "causal", np.where(circuit.decoy, "decoy", "other"))


def feature_names(circuit) -> list[str]:
    return [f"f{j}" for j in range(circuit.n_features)]


def role_legend_handles(roles=("causal", "decoy", "other")) -> list:
    return [Patch(facecolor=ROLE_COLORS[r], label=ROLE_LABELS[r]) for r in roles]


def method_style(method: str) -> dict:
    """``color`` and ``linestyle`` of a method: fixed by its position in ``METHODS``."""
    if method in METHODS and METHODS[method].family == "baseline":
        return {"color": BASELINE_COLOR, "linestyle": ":"}
    others = [m for m in METHODS if METHODS[m].family != "baseline"]
    k = others.index(method) if method in others else len(others)
    return {"color": METHOD_COLORS[k % len(METHOD_COLORS)],
            "linestyle": METHOD_LINESTYLES[(k // len(METHOD_COLORS)) % len(METHOD_LINESTYLES)]}


def _signed(value: float, digits: int = 2) -> str:
    """``+0.00`` rather than ``-0.00`` for a value that rounds to zero."""
    return f"{round(float(value), digits) + 0.0:+.{digits}f}"


def _grid(n: int, ncols: int):
    ncols = max(1, min(ncols, n))
    return -(-n // ncols), ncols


# --- ranked importances -------------------------------------------------------------------------


class RankStrips:
    """Every method's ranking as one strip per method, redrawn in place.

    Row *i* is method *i*; column *r* holds the feature that method ranks *r*-th (rank 1 on the
    left), labelled with its name and coloured by its role (causal / decoy / other). The
    shade says how important the method finds it (its score over the method's top score), so
    a feature scored 0 is pale. The method's AUROC is printed at the end of its strip.

    ``update(results)`` takes a one-seed ``Results`` for one circuit (``nt.evaluate(...,
    seeds=1)``) and changes the existing artists. The layout is fixed in inches, so nothing
    shifts between frames. ``png()`` is the slider's fast path: the static parts (method
    names, rank numbers, legend) are rendered once and cached; a redraw paints one collection
    of cells, pastes the feature names and AUROCs from a bitmap cache and renders the title.
    """

    # Layout, in inches.
    CELL_WIDTH, CELL_HEIGHT = 0.5, 0.42
    LEFT, RIGHT, TOP, BOTTOM = 2.1, 0.85, 0.95, 0.75

    def __init__(self, methods, n_features: int, *, title: str | None = None, dpi: int = 80):
        self.methods = tuple(methods)
        self.n_features = int(n_features)
        self.title = title
        m, d = len(self.methods), self.n_features
        grid_w, grid_h = self.CELL_WIDTH * d, self.CELL_HEIGHT * m
        width, height = self.LEFT + grid_w + self.RIGHT, self.TOP + grid_h + self.BOTTOM
        with matplotlib.rc_context(STYLE):
            self.figure = Figure(figsize=(width, height), dpi=dpi)
            FigureCanvasAgg(self.figure)
            ax = self.figure.add_axes((self.LEFT / width, self.BOTTOM / height, grid_w / width, grid_h / height))
            ax.set_xlim(-0.5, d - 0.5)
            ax.set_ylim(m - 0.5, -0.5)
            ax.set_axis_off()
            self.ax = ax
            cells = [[(c - 0.5, r - 0.5), (c + 0.5, r - 0.5), (c + 0.5, r + 0.5), (c - 0.5, r + 0.5)]
                     for r in range(m) for c in range(d)]
            self.cells = ax.add_collection(PolyCollection(cells, facecolors=ROLE_COLORS["other"],
                                                          edgecolors="white", linewidths=1.5))
            self.names = [[ax.text(c, r, "", ha="center", va="center", fontsize=12) for c in range(d)]
                          for r in range(m)]
            self.scores_text = [ax.text(d - 0.5 + 0.2, r, "", ha="left", va="center", fontsize=14)
                                for r in range(m)]
            for r, method in enumerate(self.methods):
                ax.text(-0.5 - 0.15, r, method, ha="right", va="center", fontsize=13)
            for c in range(d):
                ax.text(c, -0.6, str(c + 1), ha="center", va="bottom", fontsize=11, color="#505050")
            ax.text(-0.5 - 0.15, -0.6, "rank →", ha="right", va="bottom", fontsize=11, color="#505050")
            ax.text(d - 0.5 + 0.2, -0.6, "AUROC", ha="left", va="bottom", fontsize=11, color="#505050")
            self.suptitle = self.figure.text(0.5, 1 - 0.15 / height, title or "", ha="center", va="top",
                                             fontsize=15, fontweight="bold")
            self.figure.legend(handles=role_legend_handles(), loc="lower center", ncol=3, frameon=False,
                               bbox_to_anchor=(0.5, 0.0))
        self._pasted = [t for row in self.names for t in row] + self.scores_text
        self._background = None
        self._sprites = {}

    def update(self, results, *, title: str | None = None):
        """Show ``results`` (one circuit, seed 0): cells, feature names and AUROCs."""
        from .circuits import make_circuit

        circuit = make_circuit(results.circuits[0], strength=results.strength, seed=0)
        roles = feature_roles(circuit)
        names = feature_names(circuit)
        auroc = results.auroc[:, 0, 0]
        colours = np.empty((len(self.methods), self.n_features, 4))
        for r, method in enumerate(self.methods):
            k = results.methods.index(method)
            scores = results.importances[k, 0, 0]
            order = np.argsort(-scores, kind="stable")
            top = scores[order[0]]
            share = scores[order] / top if top > 0 else np.zeros(self.n_features)
            for c, j in enumerate(order):
                shade = 0.2 + 0.8 * share[c]  # a zero score stays visible, but pale
                colours[r, c] = (*to_rgb(ROLE_COLORS[roles[j]]), shade)
                text = self.names[r][c]
                text.set_text(names[j])
                dark = roles[j] != "other" and shade > 0.55
                text.set_color("white" if dark else "#202020")
                text.set_fontweight("bold" if roles[j] != "other" else "normal")
            self.scores_text[r].set_text(f"{auroc[k]:.2f}")
        self.cells.set_facecolor(colours.reshape(-1, 4))
        self.suptitle.set_text(title or self.title or (f"{results.circuits[0]}, decoy strength "
                                                       f"{results.strength:.2f}: every method's ranking"))
        return self.figure

    def rgba(self) -> np.ndarray:
        """Render the current state: ``(height_px, width_px, 4)`` uint8, reusing the static parts."""
        canvas = self.figure.canvas
        changing = [self.cells, self.suptitle] + self._pasted
        if self._background is None:
            for artist in changing:
                artist.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            for artist in changing:
                artist.set_visible(True)
        canvas.restore_region(self._background)
        self.figure.draw_artist(self.cells)
        self.figure.draw_artist(self.suptitle)
        pixels = np.asarray(canvas.buffer_rgba())
        for text in self._pasted:
            self._paste(pixels, text)
        return pixels

    def _sprite(self, text):
        """A text rendered once as (alpha (h, w) in [0, 1], rgb (3,)), cached by its look."""
        key = (text.get_text(), text.get_color(), text.get_fontweight(), text.get_fontsize())
        if key not in self._sprites:
            font = get_font(findfont(text.get_fontproperties()))
            font.clear()
            font.set_size(key[3], self.figure.dpi)
            font.set_text(key[0], 0)
            font.draw_glyphs_to_bitmap(antialiased=True)
            alpha = np.asarray(font.get_image(), dtype=float) / 255.0
            self._sprites[key] = (alpha, 255.0 * np.array(to_rgb(key[1])))
        return self._sprites[key]

    def _paste(self, pixels, text):
        """Alpha-blend ``text``'s cached bitmap where the Text artist itself would be drawn."""
        if not text.get_text():
            return
        alpha, rgb = self._sprite(text)
        x, y = text.get_transform().transform(text.get_position())
        h, w = alpha.shape
        left = x - {"left": 0, "center": w / 2, "right": w}[text.get_horizontalalignment()]
        top = pixels.shape[0] - y - {"top": 0, "center": h / 2, "bottom": h,
                                     "baseline": h, "center_baseline": h / 2}[text.get_verticalalignment()]
        top, left = int(round(top)), int(round(left))
        region = pixels[top:top + h, left:left + w, :3]
        a = alpha[: region.shape[0], : region.shape[1], None]
        region[...] = (region * (1 - a) + rgb * a).astype(np.uint8)

    def png(self, compress_level: int = 1) -> bytes:
        """The current state as PNG bytes (fast path; light compression by default)."""
        import io

        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(self.rgba()).save(buf, format="png", compress_level=compress_level)
        return buf.getvalue()


def importances(results, *, title: str | None = None) -> Figure:
    """Every method's ranking of the features (one circuit, seed 0): see :class:`RankStrips`."""
    strips = RankStrips(results.methods, results.importances.shape[-1], title=title, dpi=100)
    return strips.update(results)


# --- AUROC bars ------------------------------------------------------------------------------------


@_styled
def auroc_bars(results, *, title: str | None = None) -> Figure:
    """Mean AUROC (± standard error over seeds) per method: one panel per circuit.

    A dashed line marks chance (0.5); a method the circuit is built to fool gets a hatched
    bar, so the planted failures stand out.
    """
    from .circuits import make_circuit

    mean, sem = results.mean(), results.sem()
    n_m, n_c = mean.shape
    nrows, ncols = _grid(n_c, 3)
    fig = Figure(figsize=(max(7.5, 3.4 * ncols + 2.6), (0.42 * n_m + 1.2) * nrows + 0.8), layout="constrained")
    grid = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
    axes = grid.ravel()
    for ax in axes[n_c:]:
        ax.set_visible(False)
    y = np.arange(n_m)
    for j, (ax, circuit) in enumerate(zip(axes, results.circuits, strict=False)):
        fools = make_circuit(circuit).fools
        for i, method in enumerate(results.methods):
            ax.barh(y[i], mean[i, j], xerr=sem[i, j], height=0.7, capsize=3,
                    color=method_style(method)["color"], alpha=0.9,
                    # targeted: vermillion hatching, visible on any method colour
                    edgecolor=ROLE_COLORS["decoy"] if method in fools else "black",
                    linewidth=2 if method in fools else 0.6, hatch="//" if method in fools else None)
            ax.text(mean[i, j] + sem[i, j] + 0.03, y[i], f"{mean[i, j]:.2f}", va="center", fontsize=11)
        ax.axvline(0.5, color="black", linestyle="--", linewidth=1)
        ax.set_xlim(0, 1.3)
        ax.set_xticks([0, 0.5, 1])
        ax.set_title(circuit if circuit != "clean" else "clean (control)")
        ax.set_xlabel("AUROC vs true circuit")
    axes[0].set_yticks(y, results.methods)
    axes[0].set_ylim(n_m - 0.5, -0.5)
    fig.suptitle(title or f"Mean AUROC ± s.e. over {results.seeds} seeds\n(hatched: targeted; dashed: chance)",
                 fontweight="bold")
    return fig


@_styled
def auroc_table(results, *, title: str | None = None) -> Figure:
    """Mean AUROC of every method on every regime as an annotated grid (methods x regimes).

    The shade runs from chance (0.5, light) to a recovered circuit (1.0, dark), on the
    colour-blind-safe ``cividis`` map; a cell the regime is built to fool gets a vermillion frame.
    """
    from matplotlib.patches import Rectangle

    from .circuits import make_circuit

    mean = results.mean()
    n_m, n_c = mean.shape
    fig = Figure(figsize=(2.4 + 1.35 * n_c, 0.48 * n_m + 1.6), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(mean, cmap="cividis", vmin=0.5, vmax=1.0, aspect="auto")
    for i in range(n_m):
        for j in range(n_c):
            value = mean[i, j]
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=13,
                    color="black" if value > 0.8 else "white")
    for j, circuit in enumerate(results.circuits):
        for i, method in enumerate(results.methods):
            if method in make_circuit(circuit).fools:
                ax.add_patch(Rectangle((j - 0.46, i - 0.44), 0.92, 0.88, fill=False,
                                       edgecolor=ROLE_COLORS["decoy"], linewidth=3))
    ax.set_xticks(range(n_c), [c if c != "clean" else "clean\n(control)" for c in results.circuits])
    ax.set_yticks(range(n_m), results.methods)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.6, ticks=[0.5, 0.75, 1.0])
    bar.set_label("mean AUROC (0.5 = chance)")
    fig.suptitle(title or f"Mean AUROC over {results.seeds} seeds (framed: the regime targets the method)",
                 fontweight="bold")
    return fig


# --- regime mechanisms ------------------------------------------------------------------------------


@_styled
def confounded_mechanism(circuit, X=None, *, title: str | None = None) -> Figure:
    """The decoy against the output next to a causal feature: correlated, yet zero weight.

    ``X (n, n_features)`` are samples from the circuit's distribution (default: 512 from the
    stream ``evaluate`` uses for the circuit's seed). Left: the causal
    feature with the largest weight; right: the first decoy. Each panel states the feature's
    |corr| with the output and its weight into the network (norm of its column of ``W``).
    """
    X = circuit.sample(512, make_rng("data", circuit.seed)) if X is None else np.asarray(X, dtype=float)
    y = circuit.forward(X)
    weight = np.linalg.norm(circuit.W, axis=0)
    causal = np.flatnonzero(circuit.causal)
    decoys = np.flatnonzero(circuit.decoy)
    j_causal = causal[np.argmax(weight[causal])]
    j_decoy = decoys[0] if len(decoys) else np.flatnonzero(~circuit.causal)[0]
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    corr = {}
    for ax, j in zip(axes, (j_causal, j_decoy), strict=True):
        role = feature_roles(circuit)[j]
        corr[j] = abs(float(np.corrcoef(X[:, j], y)[0, 1]))
        ax.scatter(X[:, j], y, s=9, alpha=0.45, color=ROLE_COLORS[role], linewidths=0)
        ax.set_xlabel(f"f{j} ({role})")
        ax.set_title(f"f{j}: |corr| with output {corr[j]:.2f}\nweight into network {weight[j]:.2f}")
    axes[0].set_ylabel("network output y")
    fig.suptitle(title or (f"Decoy f{j_decoy} tracks the output (|corr| {corr[j_decoy]:.2f} vs "
                           f"{corr[j_causal]:.2f}) yet the network never reads it"), fontweight="bold")
    return fig


@_styled
def suppressor_mechanism(circuit, x=None, *, feature: int | None = None, title: str | None = None) -> Figure:
    """The output along a decoy feature: steep local slopes, ~zero net change, and the IG path.

    Left: f as the decoy ``feature`` (default: the first decoy) sweeps its data range, the
    other features held at ``x`` (default: all ones), with the IG path from the zero baseline
    to ``x`` marked on it. Right: along that path, the running IG integral of the decoy (it
    climbs the gates and cancels back to ~0) next to the strongest causal feature.
    """
    d = circuit.n_features
    x = np.ones(d) if x is None else np.asarray(x, dtype=float)
    j = int(np.flatnonzero(circuit.decoy)[0]) if feature is None else int(feature)
    grid = np.linspace(-2.5, 2.5, 4001)
    sweep_X = np.tile(x, (len(grid), 1))
    sweep_X[:, j] = grid
    y = circuit.forward(sweep_X)
    slope = np.abs(circuit.gradient(sweep_X)[:, j])
    alphas, outputs, running = path_integrals(circuit, x)
    weight = np.linalg.norm(circuit.W, axis=0)
    causal = np.flatnonzero(circuit.causal)
    j_causal = int(causal[np.argmax(weight[causal])])
    on_path = (grid >= min(0.0, x[j])) & (grid <= max(0.0, x[j]))
    x_base = x.copy()
    x_base[j] = 0.0
    net = float(circuit.forward(x[None])[0] - circuit.forward(x_base[None])[0])

    fig = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(grid, y, color=ROLE_COLORS["decoy"], linewidth=2)
    left.plot(grid[on_path], y[on_path], color="black", linewidth=4, alpha=0.35,
              label=f"IG path: f{j} from 0 to {x[j]:g}")
    left.plot([0.0, x[j]], [y[np.argmin(np.abs(grid))], y[np.argmin(np.abs(grid - x[j]))]], "o",
              color="black", markersize=7)
    left.set_xlabel(f"decoy f{j} (other features held fixed)")
    left.set_ylabel("network output y")
    left.set_title(f"Steepest slope |dy/df{j}| = {slope.max():.0f}\n"
                   f"net change from 0 to {x[j]:g}: {_signed(net)}")
    left.legend(loc="upper left", frameon=False)

    right.plot(alphas, running[:, j], color=ROLE_COLORS["decoy"], linewidth=2.5, label=f"decoy f{j}")
    right.plot(alphas, running[:, j_causal], color=ROLE_COLORS["causal"], linewidth=2.5,
               label=f"causal f{j_causal}")
    right.axhline(0, color="black", linewidth=0.8)
    right.set_xlabel("position along the IG path (0 = baseline, 1 = input)")
    right.set_ylabel("running integral of slope")
    right.set_title(f"IG for f{j} climbs, then cancels: {_signed(running[-1, j])}\n"
                    f"causal f{j_causal} keeps its effect: {_signed(running[-1, j_causal])}")
    right.legend(loc="best", frameon=False)
    fig.suptitle(title or f"Decoy f{j}: steep local slopes, yet no net effect on the output", fontweight="bold")
    return fig


@_styled
def weights(circuit, *, title: str | None = None) -> Figure:
    """How strongly the network reads each feature: ``sum_h |v_h W_hj|``, bars coloured by role."""
    reads = np.abs(circuit.v[:, None] * circuit.W).sum(axis=0)
    roles = feature_roles(circuit)
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.bar(np.arange(circuit.n_features), reads, color=[ROLE_COLORS[r] for r in roles], edgecolor="black",
           linewidth=0.5)
    ax.set_xticks(np.arange(circuit.n_features), feature_names(circuit))
    ax.set_xlabel("input feature")
    ax.set_ylabel("weight read by the network")
    present = [r for r in ("causal", "decoy", "other") if (roles == r).any()]
    ax.legend(handles=role_legend_handles(present), loc="upper right", frameon=False)
    n_causal = int(circuit.causal.sum())
    ax.set_title(title or f"{circuit.name}: the network reads exactly {n_causal} features", fontweight="bold")
    return fig


@_styled
def switch_mechanism(circuit, *, title: str | None = None) -> Figure:
    """The switch regimes' gates as truth tables, one per causal pair, with the moves that fool.

    Each panel is the output over ``x_a, x_b in {-1, absent, +1}`` (everything else absent).
    Outlined: the cells the data visit. Arrows: the single-feature move that changes nothing --
    knocking out a backup (``redundant``) or restoring one input of an AND into the all-absent
    reference (``interaction``).
    """
    from matplotlib.patches import FancyArrowPatch, Rectangle

    causal = np.flatnonzero(circuit.causal)
    pairs = [tuple(causal[i:i + 2]) for i in range(0, len(causal) - 1, 2)]
    tables = [switch_table(circuit, p) for p in pairs]
    lim = max(float(np.abs(t).max()) for t in tables) or 1.0
    fig = Figure(figsize=(5.2 * len(pairs) + 1.2, 5.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(pairs)))
    X = circuit.sample(512, make_rng("data", circuit.seed))
    labels = ["−1", "absent", "+1"]
    for ax, (a, b), table in zip(axes, pairs, tables, strict=True):
        image = ax.imshow(table, cmap="PuOr", vmin=-lim, vmax=lim)
        for r in range(3):
            for c in range(3):
                ax.text(c, r, _signed(table[r, c]), ha="center", va="center", fontsize=13,
                        color="white" if abs(table[r, c]) > 0.6 * lim else "black")
        visited = {(int(ra) + 1, int(rb) + 1) for ra, rb in np.unique(X[:, [a, b]], axis=0)}
        for r, c in visited:
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=ROLE_COLORS["causal"],
                                   linewidth=3))
        if circuit.name == "redundant":  # knock out the backup b: (+1, +1) -> (+1, absent)
            start, end, note = (2, 2), (2, 1), f"knock out f{b}: no change"
        else:  # restore a alone into the reference: (absent, absent) -> (+1, absent)
            start, end, note = (1, 1), (2, 1), f"restore f{a} alone: no change"
        ax.add_patch(FancyArrowPatch((start[1], start[0]), (end[1], end[0]), arrowstyle="-|>",
                                     mutation_scale=22, color="black", linewidth=2, shrinkA=14, shrinkB=14))
        ax.set_xticks(range(3), labels)
        ax.set_yticks(range(3), labels)
        ax.set_xlabel(f"f{b}")
        ax.set_ylabel(f"f{a}")
        ax.set_title(f"f{a}, f{b}: {note}")
        ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=list(axes), label="network output y (rest absent)", shrink=0.85)
    kind = "OR with a backup" if circuit.name == "redundant" else "AND"
    fig.suptitle(title or f"{circuit.name}: each pair is an {kind}; outlined cells are where the data live",
                 fontweight="bold")
    return fig


MECHANISMS = {
    "confounded": confounded_mechanism, "suppressor": suppressor_mechanism,
    "redundant": switch_mechanism, "interaction": switch_mechanism,
}
"""Regime -> the figure that makes its decoy's mechanism visible (a new regime adds one)."""


def mechanism(circuit, **options) -> Figure:
    """The regime's mechanism figure from ``MECHANISMS``; :func:`weights` for any other regime."""
    return MECHANISMS.get(circuit.name, weights)(circuit, **options)


# --- integrated gradients ------------------------------------------------------------------------


@_styled
def ig_figure(circuit, X, *, index: int = 0, baseline=None, steps: int = 64, title: str | None = None) -> Figure:
    """The IG path integral for one input and the completeness check over all of ``X``.

    Left: f along the straight path from the baseline to ``X[index]``, and the sum of the
    running attributions, which retraces it (completeness along the whole path). Right: for
    every row of ``X``, the sum of its IG attributions against ``f(x) - f(baseline)``.
    """
    X = np.asarray(X, dtype=float)
    base = np.zeros(circuit.n_features) if baseline is None else np.asarray(baseline, dtype=float)
    alphas, outputs, running = path_integrals(circuit, X[index], base)
    ig = integrated_gradients(circuit, X, baseline=base, steps=steps)
    total = ig.sum(axis=1)
    change = circuit.forward(X) - circuit.forward(base[None])[0]
    err = float(np.max(np.abs(total - change)))

    fig = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(alphas, outputs - outputs[0], color="black", linewidth=3, label="f(path) − f(baseline)")
    left.plot(alphas, running.sum(axis=1), color=METHOD_COLORS[1], linewidth=2, linestyle="--",
              label="sum of running attributions")
    left.set_xlabel("α  (path x′ + α (x − x′))")
    left.set_ylabel("output change")
    left.set_title("Along the straight path, the attributions\nadd up to the output change")
    left.legend(loc="best", frameon=False)

    lo, hi = float(min(change.min(), total.min())), float(max(change.max(), total.max()))
    right.plot([lo, hi], [lo, hi], color="#808080", linewidth=1)
    right.scatter(change, total, s=14, color=METHOD_COLORS[3], alpha=0.7, linewidths=0)
    right.set_xlabel("f(x) − f(baseline)")
    right.set_ylabel("sum of IG attributions")
    right.set_aspect("equal", adjustable="datalim")
    right.set_title(f"Completeness over {len(X)} inputs ({steps} nodes)\nlargest gap {err:.1e}")
    fig.suptitle(title or "Integrated gradients: the gradient integrated from a baseline", fontweight="bold")
    return fig


# --- AUROC versus decoy strength ------------------------------------------------------------------


@_styled
def sweep_curves(sweep, *, ncols: int = 5, title: str | None = None) -> Figure:
    """AUROC against decoy strength on one regime: one small panel per method.

    Small multiples rather than one crowded panel, because several methods sit at exactly 1.0
    and their lines would hide each other. Each panel: the mean over seeds (line), the middle
    80% of seeds (band, ``Sweep.band()``), chance (dashed) and the tuned strength 1 (thin
    vertical). A method the regime is built to fool gets a tinted panel.
    """
    from .circuits import make_circuit

    fools = make_circuit(sweep.circuit).fools
    mean = sweep.mean()
    low, high = sweep.band()
    nrows, ncols = _grid(len(sweep.methods), ncols)
    fig = Figure(figsize=(2.75 * ncols + 0.6, 2.25 * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    for ax in axes[len(sweep.methods):]:
        ax.set_visible(False)
    for i, (ax, method) in enumerate(zip(axes, sweep.methods, strict=False)):
        style = method_style(method)
        if method in fools:
            ax.set_facecolor("#FBE3D6")  # a pale vermillion: the planted failure
        ax.axhline(0.5, color="black", linewidth=0.8, linestyle="--", alpha=0.6)
        ax.axvline(1.0, color="black", linewidth=0.8, alpha=0.3)
        ax.fill_between(sweep.strengths, low[i], high[i], color=style["color"], alpha=0.25, linewidth=0)
        ax.plot(sweep.strengths, mean[i], linewidth=2.4, **style)
        ax.set_title(method, fontsize=13)  # the tint, not the title, marks a targeted method
        ax.set_ylim(0.3, 1.05)
        ax.set_yticks([0.5, 0.75, 1.0])
    for ax in axes[::ncols]:
        ax.set_ylabel("AUROC")
    for k, ax in enumerate(axes[: len(sweep.methods)]):
        if k + ncols >= len(sweep.methods):
            ax.set_xlabel("decoy strength")
            ax.xaxis.set_tick_params(labelbottom=True)
    name = sweep.circuit if sweep.circuit != "clean" else "clean (control)"
    fig.suptitle(title or f"{name}: AUROC vs decoy strength ({sweep.seeds} seeds; band: middle 80%)",
                 fontweight="bold")
    return fig


# --- attribution patching: a patch vs its first-order estimate -------------------------------------


@_styled
def attribution_patching_figure(circuit, X=None, X_patch=None, *, features=None,
                                title: str | None = None) -> Figure:
    """Attribution patching's first-order estimate of a patch next to the patch itself.

    One column per feature in ``features`` (default: the first decoy and the causal feature
    with the largest weight, or the two heaviest causal features when there is no decoy).
    Top: one sample's patch -- the steepest sample among those the patch moves at least the
    mean distance: the output as the feature moves (the rest held at the sample), the tangent
    there, the exact change (dot on the curve) and the first-order estimate (square on the
    tangent). Bottom: every sample's estimate against its exact change; on the diagonal the
    estimate is exact. Titles give :func:`first_order_error` and both scores.

    ``X (n, n_features)`` defaults to 512 samples from the stream ``evaluate`` uses for the
    circuit's seed, and ``X_patch`` to :func:`resample_patches`, so the bottom panels are what
    ``patching`` and ``attribution_patching`` average in the results table for that seed.
    """
    X = circuit.sample(512, make_rng("data", circuit.seed)) if X is None else np.asarray(X, dtype=float)
    X_patch = resample_patches(circuit, X) if X_patch is None else np.asarray(X_patch, dtype=float)
    if features is None:
        causal = np.flatnonzero(circuit.causal)
        if circuit.decoy.any():
            features = (int(np.flatnonzero(circuit.decoy)[0]), steepest_feature(circuit, circuit.causal))
        else:
            features = tuple(int(j) for j in causal[np.argsort(-np.linalg.norm(circuit.W[:, causal], axis=0))[:2]])
    exact, estimate = first_order_patches(circuit, X, X_patch)
    error = first_order_error(exact, estimate)
    slope = circuit.gradient(X)
    roles = feature_roles(circuit)

    fig = Figure(figsize=(6.0 * len(features) + 0.4, 9.6), layout="constrained")
    axes = fig.subplots(2, len(features), squeeze=False)
    for col, j in enumerate(features):
        top, bottom = axes[0, col], axes[1, col]
        colour = ROLE_COLORS[roles[j]]
        # Show a patch of at least the typical length, at the steepest such sample.
        moved = np.abs(X_patch[:, j] - X[:, j])
        i = int(np.argmax(np.where(moved >= moved.mean(), np.abs(slope[:, j]), -1.0)))
        start, end = X[i, j], X_patch[i, j]
        lo, hi = min(start, end), max(start, end)
        pad = 0.25 * (hi - lo) + 0.1
        grid = np.linspace(lo - pad, hi + pad, 1201)
        along = np.tile(X[i], (len(grid), 1))
        along[:, j] = grid
        y = circuit.forward(along)
        y0 = float(circuit.forward(X[i][None])[0])
        tangent = y0 + slope[i, j] * (grid - start)
        top.plot(grid, y, color=colour, linewidth=2.5, label="output f")
        top.plot(grid, tangent, color="black", linewidth=1.5, linestyle="--", label="tangent at the sample")
        top.plot([start], [y0], "o", color="black", markersize=8)
        top.plot([end], [y0 + exact[i, j]], "o", color=colour, markersize=10, markeredgecolor="black",
                 label=f"patched: exact {_signed(exact[i, j])}")
        top.plot([end], [y0 + estimate[i, j]], "s", color="white", markersize=9, markeredgecolor="black",
                 markeredgewidth=2, label=f"first-order estimate {_signed(estimate[i, j])}")
        span = max(float(np.ptp(y)), 1e-3)
        top.set_ylim(min(y.min(), y0 + estimate[i, j]) - 0.1 * span, max(y.max(), y0 + estimate[i, j]) + 0.1 * span)
        top.set_xlabel(f"f{j} ({roles[j]}), other features held at sample {i}")
        top.set_ylabel("network output y")
        top.set_title(f"f{j} on a steep sample: the patch moves it\nfrom {start:.2f} to {end:.2f}")
        top.legend(loc="best", frameon=False, fontsize=11)

        lim = float(max(np.abs(exact[:, j]).max(), np.abs(estimate[:, j]).max())) * 1.05 or 1.0
        bottom.axhline(0, color="#808080", linewidth=0.6)
        bottom.axvline(0, color="#808080", linewidth=0.6)
        bottom.plot([-lim, lim], [-lim, lim], color="black", linewidth=1, label="estimate = exact")
        bottom.scatter(exact[:, j], estimate[:, j], s=14, color=colour, alpha=0.6, linewidths=0)
        bottom.set_xlim(-lim, lim)
        bottom.set_ylim(-lim, lim)
        bottom.set_xlabel(f"exact change when f{j} is patched")
        bottom.set_ylabel("first-order estimate")
        bottom.legend(loc="upper left", frameon=False, fontsize=11)
        bottom.set_title(f"{len(X)} patches: error {error[j]:.2f} × the effect\n"
                         f"score {np.abs(estimate[:, j]).mean():.2f} (first order) vs "
                         f"{np.abs(exact[:, j]).mean():.2f} (patching)")
    fig.suptitle(title or f"{circuit.name}: attribution patching's tangent vs the patch it estimates",
                 fontweight="bold")
    return fig
