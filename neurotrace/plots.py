"""Figures for the book: one palette, one look, every figure built from library results.

Every function returns a ``matplotlib.figure.Figure`` (not a pyplot figure, so a notebook shows
it once, when the cell returns it). The colours are fixed across the whole book:
``ROLE_COLORS`` for causal / decoy / other features (Okabe-Ito blue and vermillion, neutral
grey) and ``method_style(name)`` for methods, in registry order, so a method keeps its colour
on every page. Fonts are sized for a projector: every figure is at most ``COLUMN_INCHES`` wide
at ``STYLE``'s 100 dpi, so in the book's text column (about 755 px in a 1024 px window) no
text falls below about 12 px.

Needs the ``[book]`` extra (matplotlib); the core library never imports this module.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, get_hinting_flag
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.patches import Patch

from ._rng import make_rng
from .analysis import (
    confounded_picture,
    default_data,
    first_order_error,
    first_order_patches,
    path_integrals,
    resample_patches,
    steepest_feature,
    suppressor_picture,
    switch_pairs,
    switch_table,
)
from .circuits import CIRCUITS, make_circuit, switch_share
from .claims import FOOLED_BELOW, scientific
from .methods import METHODS, integrated_gradients
from .scoring import TIE_TOLERANCE, tie_groups

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

# The widest a figure may be, in inches: the book's text column is about 755 px in a 1024 x 768
# window, so a 10 in figure at 100 dpi shows at 0.75 of its size and 12 pt text at about 12.5 px.
COLUMN_INCHES = 10.0

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


class BookFigure(Figure):
    """A ``Figure`` that IPython shows as a PNG, with alt text, when a cell returns it.

    The figures here are built without pyplot, so nothing is drawn twice or kept alive by
    pyplot; but then the inline backend's formatter for ``Figure`` may never be registered (it
    is set up lazily, on first pyplot use). ``_repr_mimebundle_`` shows the figure either way,
    and only once: a formatter registered for ``Figure`` (the inline backend's, once pyplot is
    imported) takes precedence for the pixels, and neither leaves a pyplot figure to flush.

    The bundle's metadata carries :meth:`alt_text` as ``{"image/png": {"alt": ...}}`` (kept
    when the inline backend draws the pixels); the book's ``figure_alt`` extension makes it the
    ``<img>``'s alt text unless the cell sets its own (``mystnb: image: alt:``).
    """

    alt: str | None = None
    """Alt text for this figure; ``None``: :meth:`alt_text` derives it from the titles."""

    def alt_text(self) -> str:
        """``alt`` if set; else the figure's title followed by its panels' titles."""
        if self.alt:
            return self.alt
        title = " ".join(self.get_suptitle().split())
        panels = [" ".join(ax.get_title().split()) for ax in self.axes if ax.get_visible() and ax.get_title()]
        parts = ([title] if title else []) + (["Panels: " + "; ".join(panels)] if panels else [])
        return ". ".join(parts)

    def _repr_png_(self) -> bytes:
        return figure_png(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        alt = self.alt_text()
        return {"image/png": figure_png(self)}, ({"image/png": {"alt": alt}} if alt else {})


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


# --- what a regime's strength means, and what a failure is --------------------------------------


def strength_word(regime: str) -> str | None:
    """How to name ``regime``'s strength: ``"decoy strength"`` where it plants a decoy,
    ``"strength"`` where it rewires the causal features (the switch regimes: the gate's share),
    ``None`` where it changes nothing (``Regime.complete == 0``: the control)."""
    if CIRCUITS[regime].complete == 0.0:
        return None
    return "decoy strength" if make_circuit(regime).decoy.any() else "strength"


def setting_label(regime: str, strength: float) -> str:
    """``"confounded, decoy strength 1.00"``, ``"redundant, strength 0.25"``, ``"clean (control)"``."""
    word = strength_word(regime)
    return f"{regime} (control)" if word is None else f"{regime}, {word} {strength:.2f}"


def _strength_phrase(regimes, strength: float) -> str:
    """The strength of a figure over several regimes, named as its regimes name it ("" if none has one)."""
    words = {strength_word(r) for r in regimes} - {None}
    if not words:
        return ""
    return f"{'decoy strength' if words == {'decoy strength'} else 'strength'} {strength:g}"


FAILURE_KINDS = {
    "target": "the regime's target",
    "listed": "a failure the regime also lists",
    "not listed": "a failure the regime does not list",
    "baseline": "the baseline",
}
"""Why a method sits below ``claims.FOOLED_BELOW``, in a word (the key) and a phrase (the value)."""

FAILURE_NOTES = {  # the rank figure's footnote: each kind in a few words
    "target": "what the regime is built to fool",
    "listed": "another failure it lists",
    "not listed": "a failure it does not plant",
    "baseline": "the chance floor",
}


def failure_kind(regime: str, method: str, auroc: float) -> str | None:
    """``None`` when ``auroc`` is not below ``claims.FOOLED_BELOW``; else which kind of failure
    (a key of ``FAILURE_KINDS``): the regime's target (``CIRCUITS[regime].target``), another
    method its ``fools`` lists (a side effect such as saturation), the random baseline, or a
    failure the regime does not list."""
    if not auroc < FOOLED_BELOW:
        return None
    listing = _listing(regime, method)
    if listing:
        return listing
    if method in METHODS and METHODS[method].family == "baseline":
        return "baseline"
    return "not listed"


# --- ranked importances -------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One block of a strip: the features a method puts at one rank.

    ``rank``: the shared rank (1 = top), the position of the block's first column;
    ``start``: that column (0-based); ``features``: the feature indices in the block, by
    index. More than one feature is a tie (:func:`neurotrace.scoring.tie_groups`): the block
    is drawn as one, with no order inside it.
    """

    rank: int
    start: int
    features: tuple

    @property
    def tied(self) -> bool:
        return len(self.features) > 1

    @property
    def stop(self) -> int:
        """One past the block's last column."""
        return self.start + len(self.features)


TIE_FILL = "#FFFFFF"  # a tie of mixed roles: white, so the role-coloured names inside read
TIE_EDGE = "#303030"
ROLE_INK = {"causal": ROLE_COLORS["causal"], "decoy": "#B84A00", "other": "#505050"}  # text on white


class RankStrips:
    """Every method's ranking as one strip per method, redrawn in place.

    Row *i* is method *i*. Its features are laid out by rank, rank 1 on the left, in blocks
    (:class:`Block`): a feature ranked on its own gets one cell, labelled with its name and
    coloured by its role (causal / decoy / other); features the method scores the same
    (:func:`neurotrace.scoring.tie_groups`, the grouping the AUROC uses) get ONE block spanning
    their columns, outlined, labelled "tied ×k" with its members (causal and decoy features by
    name, noise counted), so a tie never reads as an order. The shade says how important the
    method finds a block (its score over the method's top score): a score of 0 is pale. The
    method's AUROC ends the strip; below ``claims.FOOLED_BELOW`` it is marked ▼ with the kind
    of failure (:func:`failure_kind`). ``blocks[i]`` holds row *i*'s blocks.

    ``update(results)`` takes a one-seed ``Results`` for one circuit (``nt.evaluate(...,
    seeds=1)``) and changes the existing artists. The layout is fixed in inches, so nothing
    shifts between frames. ``png()`` is the slider's fast path: the static parts (method
    names, rank numbers, legend) are rendered once per legend and cached; a redraw paints one
    collection of blocks, pastes the labels and AUROCs from a bitmap cache and renders the title.
    """

    # Layout, in inches; fonts in points (>= 12: the strips are read on a projector). A cell is
    # CELL_WIDTH wide, narrower (down to MIN_CELL_WIDTH) when the features would not fit COLUMN_INCHES.
    CELL_WIDTH, MIN_CELL_WIDTH, CELL_HEIGHT = 0.5, 0.4, 0.42
    LEFT, RIGHT, TOP, BOTTOM = 2.1, 1.85, 0.95, 1.3
    NAME_SIZE, SCORE_SIZE, TAG_SIZE, HEAD_SIZE = 12, 14, 12, 12
    INSET_X, INSET_Y = 0.045, 0.06  # data units: the white gap around each block

    def __init__(self, methods, n_features: int, *, title: str | None = None, dpi: int = 80):
        self.methods = tuple(methods)
        self.n_features = int(n_features)
        self.title = title
        m, d = len(self.methods), self.n_features
        self.cell_width = max(self.MIN_CELL_WIDTH, min(self.CELL_WIDTH, (COLUMN_INCHES - self.LEFT - self.RIGHT) / d))
        grid_w, grid_h = self.cell_width * d, self.CELL_HEIGHT * m
        width, height = self.LEFT + grid_w + self.RIGHT, self.TOP + grid_h + self.BOTTOM
        self._height = height
        with matplotlib.rc_context(STYLE):
            self.figure = BookFigure(figsize=(width, height), dpi=dpi)
            FigureCanvasAgg(self.figure)
            ax = self.figure.add_axes((self.LEFT / width, self.BOTTOM / height, grid_w / width, grid_h / height))
            ax.set_xlim(-0.5, d - 0.5)
            ax.set_ylim(m - 0.5, -0.5)
            ax.set_axis_off()
            self.ax = ax
            self.cells = ax.add_collection(PolyCollection([], facecolors=ROLE_COLORS["other"]), autolim=False)
            # Each row's label pool: a tie block takes at most 4 pieces for its >= 2 columns, a
            # single feature 1 for its column, so 2 per column always suffice.
            self.labels = [[ax.text(0, r, "", ha="left", va="center", fontsize=self.NAME_SIZE)
                            for _ in range(2 * d)] for r in range(m)]
            self.scores_text = [ax.text(d - 0.5 + 0.2, r, "", ha="left", va="center", fontsize=self.SCORE_SIZE)
                                for r in range(m)]
            self.tags = [ax.text(d - 0.5 + 1.25, r, "", ha="left", va="center", fontsize=self.TAG_SIZE)
                         for r in range(m)]
            for r, method in enumerate(self.methods):
                ax.text(-0.5 - 0.15, r, method, ha="right", va="center", fontsize=13)
            grey = "#505050"
            for c in range(d):
                ax.text(c, -0.6, str(c + 1), ha="center", va="bottom", fontsize=self.HEAD_SIZE, color=grey)
            ax.text(-0.5 - 0.15, -0.6, "rank →", ha="right", va="bottom", fontsize=self.HEAD_SIZE, color=grey)
            ax.text(d - 0.5 + 0.2, -0.6, "AUROC", ha="left", va="bottom", fontsize=self.HEAD_SIZE, color=grey)
            self.suptitle = self.figure.text(0.5, 1 - 0.15 / height, title or "", ha="center", va="top",
                                             fontsize=15, fontweight="bold")
        self.blocks = [[] for _ in self.methods]
        self._pasted = [t for row in self.labels for t in row] + self.scores_text + self.tags
        self._key = None  # what the legend shows: (roles present, any tie, any failure)
        self._legend = self._note = None
        self._legends = {}  # legend key -> (legend, footnote)
        self._backgrounds = {}  # legend key -> the rendered static parts
        self._sprites, self._widths, self._layouts = {}, {}, {}
        self._shown = []  # the texts with something to paste
        self._to_px = None  # the axes' data -> pixel affine, read once the figure is drawn

    # --- the state ---------------------------------------------------------------------------

    def update(self, results, *, title: str | None = None):
        """Show ``results`` (one circuit, seed 0): blocks, labels, AUROCs and failure marks."""
        regime = results.circuits[0]
        circuit = make_circuit(regime, strength=results.strength, seed=0)
        roles = feature_roles(circuit)
        names = feature_names(circuit)
        auroc = results.auroc[:, 0, 0]
        verts, faces, edges, widths, shown = [], [], [], [], []
        any_tie, failures = False, set()
        for r, method in enumerate(self.methods):
            k = results.methods.index(method)
            scores = results.importances[k, 0, 0]
            top = float(scores.max())
            pool = iter(self.labels[r])
            self.blocks[r] = []
            start = 0
            for group in tie_groups(scores):
                block = Block(rank=start + 1, start=start, features=tuple(int(j) for j in group))
                self.blocks[r].append(block)
                shade = 0.2 + 0.8 * (float(scores[group[0]]) / top if top > 0 else 0.0)  # a zero stays visible
                kinds = {str(roles[j]) for j in group}
                x0, x1 = block.start - 0.5 + self.INSET_X, block.stop - 0.5 - self.INSET_X
                y0, y1 = r - 0.5 + self.INSET_Y, r + 0.5 - self.INSET_Y
                verts.append([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
                if len(kinds) == 1:
                    role = kinds.pop()
                    faces.append((*to_rgb(ROLE_COLORS[role]), shade))
                    ink = "white" if role != "other" and shade > 0.55 else "#202020"
                else:
                    faces.append((*to_rgb(TIE_FILL), 1.0))
                    ink = None  # each role in its own ink
                edges.append((*to_rgb(TIE_EDGE), 1.0) if block.tied else (0.0, 0.0, 0.0, 0.0))
                widths.append(2.0 if block.tied else 0.0)
                any_tie |= block.tied
                members = tuple((names[j], str(roles[j])) for j in block.features)
                for text, x, colour, weight in self._layout(block.start, members, ink):
                    label = next(pool)
                    label.set_text(text)
                    label.set_position((x, r))
                    label.set_color(colour)
                    label.set_fontweight(weight)
                    shown.append(label)
                start = block.stop
            for text in pool:
                if text.get_text():
                    text.set_text("")
            kind = failure_kind(regime, method, float(auroc[k]))
            failures.add(kind)
            self.scores_text[r].set_text(f"{auroc[k]:.2f}")
            self.scores_text[r].set_fontweight("bold" if kind else "normal")
            self.tags[r].set_text(f"▼ {kind}" if kind else "")
        self._shown = shown + [t for t in self.scores_text + self.tags if t.get_text()]
        self.cells.set_verts(verts)
        self.cells.set_facecolor(faces)
        self.cells.set_edgecolor(edges)
        self.cells.set_linewidth(widths)
        present = tuple(role for role in ROLE_COLORS if (roles == role).any())
        self._set_legend((present, any_tie, tuple(k for k in FAILURE_KINDS if k in failures)))
        self.suptitle.set_text(title or self.title or f"{setting_label(regime, results.strength)}: "
                                                      "every method's ranking")
        self.figure.alt = (f"{self.suptitle.get_text()}: one row per method, its features from rank 1 on the "
                           "left, coloured causal, decoy or other, ties drawn as one block. AUROC: "
                           + ", ".join(f"{m} {auroc[results.methods.index(m)]:.2f}" for m in self.methods) + ".")
        return self.figure

    @property
    def legend(self):
        """The legend shown now (one per set of roles, ties and failure kinds, built once)."""
        return self._legend

    def _layout(self, start: int, members: tuple, ink) -> list:
        """A block's label: ``(text, x, colour, weight)`` pieces, the longest form that fits.

        ``members``: ``(name, role)`` of the block's features; ``ink``: the text colour on a
        one-role block, ``None`` for a mixed tie (each role in its own ink). Cached.
        """
        key = (start, members, ink)
        if key in self._layouts:
            return self._layouts[key]
        by_role = [(role, [name for name, r in members if r == role]) for role in ROLE_COLORS]
        by_role = [(role, names) for role, names in by_role if names]
        room = len(members) * self.cell_width * self.figure.dpi - 10  # px, inside the inset
        gap = 0.3 * self.NAME_SIZE * self.figure.dpi / 72
        for pieces in self._forms(len(members), by_role):
            size = [self._width(text, self._weight(role), self.NAME_SIZE) for text, role in pieces]
            total = sum(size) + gap * (len(pieces) - 1)
            if total <= room:
                break  # else the last, shortest form
        per_px = 1.0 / (self.cell_width * self.figure.dpi)  # data units per pixel
        x = start + (len(members) - 1) / 2 - total / 2 * per_px
        out = []
        for (text, role), w in zip(pieces, size, strict=True):
            colour = ink if ink is not None else ROLE_INK.get(role, "#202020")
            out.append((text, x, colour, self._weight(role)))
            x += (w + gap) * per_px
        self._layouts[key] = out
        return out

    @staticmethod
    def _weight(role) -> str:
        return "bold" if role in ("causal", "decoy") else "normal"

    @staticmethod
    def _forms(k, members):
        """Candidate labels for a block of ``k`` features, most explicit first: lists of ``(text,
        role or None)``. ``members``: ``(role, names)`` of the roles present, in ``ROLE_COLORS`` order."""
        if k == 1:
            role, (name,) = members[0]
            return [[(name, role)]]
        head = (f"tied ×{k}:", None)

        def joined(sep, piece):
            return [(t if i == 0 else f"{sep} {t}", role) for i, (t, role) in enumerate(piece)]

        if len(members) == 1 and members[0][0] == "other":  # noise alone: no count to repeat
            named = counted = [("other (noise)", "other")]
        else:
            named = [(" ".join(ms) if role != "other" or len(ms) <= 2 else f"{len(ms)} other", role)
                     for role, ms in members]
            counted = [(f"{len(ms)} {role}", role) for role, ms in members]
        forms = [joined("=", [(" = ".join(ms), role) for role, ms in members])] if k <= 4 else []
        forms += [[head, *joined("+", named)], [head, *joined("+", counted)], [(f"tied ×{k}", None)], [("=", None)]]
        return forms

    def _width(self, text, weight, size) -> float:
        """Width in pixels of ``text`` as the figure renders it."""
        key = (text, weight, size)
        if key not in self._widths:
            font = get_font(findfont(FontProperties(weight=weight, size=size)))
            font.clear()
            font.set_size(size, self.figure.dpi)
            font.set_text(text, 0, flags=get_hinting_flag())  # as the Agg renderer lays it out
            self._widths[key] = font.get_width_height()[0] / 64
        return self._widths[key]

    def _set_legend(self, key):
        """Show the legend for ``key`` = (roles present, any tie, kinds of failure): only what the frame has."""
        if key == self._key:
            return
        for artist in self._legends.get(self._key, ()):
            artist.set_visible(False)
        self._key = key
        if key in self._legends:
            for artist in self._legends[key]:
                artist.set_visible(True)
            self._legend, self._note = self._legends[key]
            return
        present, any_tie, failures = key
        handles = role_legend_handles(present)
        if any_tie:
            handles.append(Patch(facecolor=TIE_FILL, edgecolor=TIE_EDGE, linewidth=2,
                                 label="tied: one block, one rank"))
        with matplotlib.rc_context(STYLE):
            self._legend = self.figure.legend(handles=handles, loc="lower center", ncol=len(handles),
                                              frameon=False, bbox_to_anchor=(0.5, 0.62 / self._height),
                                              handlelength=1.6, columnspacing=1.2)
            self._note = self.figure.text(0.5, 0.1 / self._height, self._note_text(failures), ha="center",
                                          va="bottom", fontsize=12, color="#303030", linespacing=1.3)
        self._legends[key] = (self._legend, self._note)

    def _note_text(self, failures) -> str:
        """The footnote for the kinds of failure shown: one line, or two if one is too wide."""
        if not failures:
            return ""
        head = f"▼ fooled (AUROC below {FOOLED_BELOW:g}): "
        items = [f"{kind} = {FAILURE_NOTES[kind]}" for kind in failures]
        room = self.figure.get_figwidth() * self.figure.dpi - 24
        if self._width(head + "; ".join(items), "normal", 12) <= room:
            return head + "; ".join(items)
        for cut in range(len(items) - 1, 0, -1):
            first, second = head + "; ".join(items[:cut]) + ";", "; ".join(items[cut:])
            if self._width(first, "normal", 12) <= room:
                return f"{first}\n{second}"
        return head + "\n" + "; ".join(items)

    # --- the fast redraw ------------------------------------------------------------------------

    def rgba(self) -> np.ndarray:
        """Render the current state: ``(height_px, width_px, 4)`` uint8, reusing the static parts."""
        canvas = self.figure.canvas
        changing = [self.cells, self.suptitle] + self._pasted
        background = self._backgrounds.get(self._key)
        if background is None:
            for artist in changing:
                artist.set_visible(False)
            canvas.draw()
            background = self._backgrounds[self._key] = canvas.copy_from_bbox(self.figure.bbox)
            for artist in changing:
                artist.set_visible(True)
        if self._to_px is None:
            self._to_px = self.ax.transData.get_affine().get_matrix()[:2].tolist()
        canvas.restore_region(background)
        self.figure.draw_artist(self.cells)
        self.figure.draw_artist(self.suptitle)
        pixels = np.asarray(canvas.buffer_rgba())
        for text in self._shown:
            self._paste(pixels, text)
        return pixels

    def _sprite(self, text):
        """A text rendered once as (1 - alpha, colour x alpha), each ``(h, w, 1|3)``, cached by its look."""
        key = (text.get_text(), text.get_color(), text.get_fontweight(), text.get_fontsize())
        if key not in self._sprites:
            font = get_font(findfont(text.get_fontproperties()))
            font.clear()
            font.set_size(key[3], self.figure.dpi)
            font.set_text(key[0], 0, flags=get_hinting_flag())
            font.draw_glyphs_to_bitmap(antialiased=True)
            alpha = np.asarray(font.get_image(), dtype=float)[:, :, None] / 255.0
            self._sprites[key] = (1.0 - alpha, alpha * (255.0 * np.array(to_rgb(key[1]))))
        return self._sprites[key]

    def _paste(self, pixels, text):
        """Alpha-blend ``text``'s cached bitmap where the Text artist itself would be drawn."""
        if not text.get_text():
            return
        keep, ink = self._sprite(text)
        (a, b, e), (c, d, f) = self._to_px  # the axes' data -> pixel affine (fixed: the layout is)
        u, v = text.get_position()
        x, y = a * u + b * v + e, c * u + d * v + f
        h, w = keep.shape[:2]
        left = x - {"left": 0, "center": w / 2, "right": w}[text.get_horizontalalignment()]
        top = pixels.shape[0] - y - {"top": 0, "center": h / 2, "bottom": h,
                                     "baseline": h, "center_baseline": h / 2}[text.get_verticalalignment()]
        top, left = int(round(top)), int(round(left))
        region = pixels[top:top + h, left:left + w, :3]
        rh, rw = region.shape[:2]
        region[...] = (region * keep[:rh, :rw] + ink[:rh, :rw]).astype(np.uint8)

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


def _listing(regime: str, method: str) -> str | None:
    """``"target"`` if ``method`` is ``regime``'s target, ``"listed"`` if its ``fools`` lists it
    otherwise (read from the registry, nothing is built), else ``None``."""
    fools = CIRCUITS[regime].fools
    if method not in fools:
        return None
    return "target" if method == CIRCUITS[regime].target else "listed"


@_styled
def auroc_bars(results, *, title: str | None = None) -> Figure:
    """Mean AUROC (± standard error over seeds) per method: one panel per circuit.

    A dashed line marks chance (0.5). The regime's target (``CIRCUITS[c].target``) gets a
    hatched bar, the other methods its ``fools`` lists a dotted one, so the planted failures
    stand out; a bar below ``claims.FOOLED_BELOW`` that the regime does not list (the random
    baseline aside) says so next to its value.
    """
    mean, sem = results.mean(), results.sem()
    n_m, n_c = mean.shape
    nrows, ncols = _grid(n_c, 2)  # two panels a row stay within COLUMN_INCHES
    fig = BookFigure(figsize=(max(7.5, 3.4 * ncols + 2.6), (0.42 * n_m + 1.2) * nrows + 0.8), layout="constrained")
    grid = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
    axes = grid.ravel()
    for ax in axes[n_c:]:
        ax.set_visible(False)
    y = np.arange(n_m)
    shown = set()
    for j, (ax, circuit) in enumerate(zip(axes, results.circuits, strict=False)):
        for i, method in enumerate(results.methods):
            listing = _listing(circuit, method)
            shown.add(listing)
            ax.barh(y[i], mean[i, j], xerr=sem[i, j], height=0.7, capsize=3,
                    color=method_style(method)["color"], alpha=0.9,
                    # vermillion hatching, visible on any method colour
                    edgecolor=ROLE_COLORS["decoy"] if listing else "black",
                    linewidth=2 if listing else 0.6, hatch={"target": "//", "listed": ".."}.get(listing))
            unlisted = failure_kind(circuit, method, float(mean[i, j])) == "not listed"
            ax.text(mean[i, j] + sem[i, j] + 0.03, y[i], f"{mean[i, j]:.2f}" + (" ▼ not listed" if unlisted else ""),
                    va="center", fontsize=12)
        ax.axvline(0.5, color="black", linestyle="--", linewidth=1)
        ax.set_xlim(0, 1.3)
        ax.set_xticks([0, 0.5, 1])
        ax.set_title(circuit if strength_word(circuit) else f"{circuit} (control)")
        ax.set_xlabel("AUROC vs true circuit")
    axes[0].set_yticks(y, results.methods)
    axes[0].set_ylim(n_m - 0.5, -0.5)
    at = _strength_phrase(results.circuits, results.strength)
    key = [text for listing, text in (("target", "hatched: its target"), ("listed", "dotted: also listed"))
           if listing in shown]
    fig.suptitle(title or f"Mean AUROC ± s.e. over {results.seeds} seeds{', ' + at if at else ''}\n"
                          f"({'; '.join(key + ['dashed: chance'])})", fontweight="bold")
    fig.alt = (f"Bar chart of each method's mean AUROC over {results.seeds} seeds{', ' + at if at else ''}, "
               "with its standard error, against chance at 0.5. " + _auroc_listing(results))
    return fig


def _auroc_listing(results) -> str:
    """Every cell of ``results`` in words, regime by regime, the listed failures marked (for alt text)."""
    mean = results.mean()
    parts = []
    for j, regime in enumerate(results.circuits):
        cells = [f"{m} {mean[i, j]:.2f}" + {"target": " (its target)", "listed": " (also listed)"}.get(
            _listing(regime, m) or "", "") for i, m in enumerate(results.methods)]
        parts.append(f"{regime}: " + ", ".join(cells))
    return "; ".join(parts) + "."


@_styled
def auroc_table(results, *, title: str | None = None) -> Figure:
    """Mean AUROC of every method on every regime as an annotated grid (methods x regimes).

    The shade runs from chance (0.5, light) to a recovered circuit (1.0, dark), on the
    colour-blind-safe ``cividis`` map. A cell whose regime lists the method in its ``fools``
    gets a vermillion frame: solid and thick for the regime's target, dashed for the others.
    """
    from matplotlib.patches import Rectangle

    mean = results.mean()
    n_m, n_c = mean.shape
    fig = BookFigure(figsize=(2.4 + 1.35 * n_c, 0.48 * n_m + 1.6), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(mean, cmap="cividis", vmin=0.5, vmax=1.0, aspect="auto")
    for i in range(n_m):
        for j in range(n_c):
            value = mean[i, j]
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=13,
                    color="black" if value > 0.8 else "white")
    for j, circuit in enumerate(results.circuits):
        for i, method in enumerate(results.methods):
            listing = _listing(circuit, method)
            if listing:
                ax.add_patch(Rectangle((j - 0.46, i - 0.44), 0.92, 0.88, fill=False,
                                       edgecolor=ROLE_COLORS["decoy"], linewidth=3.5 if listing == "target" else 2,
                                       linestyle="-" if listing == "target" else "--"))
    ax.set_xticks(range(n_c), [c if strength_word(c) else f"{c}\n(control)" for c in results.circuits])
    ax.set_yticks(range(n_m), results.methods)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.6, ticks=[0.5, 0.75, 1.0])
    bar.set_label("mean AUROC (0.5 = chance)")
    at = _strength_phrase(results.circuits, results.strength)
    fig.suptitle(title or f"Mean AUROC over {results.seeds} seeds{', ' + at if at else ''}\n"
                          "(framed: the regime's target; dashed frame: another failure it lists)", fontweight="bold")
    fig.alt = (f"Grid of mean AUROC over {results.seeds} seeds{', ' + at if at else ''}, methods in rows and "
               "regimes in columns, shaded from chance (0.5) to a recovered circuit (1). " + _auroc_listing(results))
    return fig


# --- regime mechanisms ------------------------------------------------------------------------------


@_styled
def confounded_mechanism(circuit, X=None, *, title: str | None = None) -> Figure:
    """The decoy against the output next to a causal feature: correlated, yet zero weight.

    Draws :func:`neurotrace.analysis.confounded_picture` on ``X (n, n_features)`` (default:
    the 512 samples ``evaluate`` draws for the circuit's seed): left, the causal feature with
    the highest |corr| with the output; right, the decoy with the highest. Each panel states
    the feature's |corr| (the ``correlation`` method's score, the numbers the page quotes) and
    its largest weight into the network.
    """
    X = default_data(circuit) if X is None else np.asarray(X, dtype=float)
    picture = confounded_picture(circuit, X)
    y = circuit.forward(X)
    j_causal = picture["causal"]
    j_decoy = picture["decoy"] if picture["decoy"] is not None else int(np.flatnonzero(~circuit.causal)[0])
    corr = {j_causal: picture["causal_corr"],
            j_decoy: picture["decoy_corr"] if picture["decoy"] is not None
            else abs(float(np.corrcoef(X[:, j_decoy], y)[0, 1]))}
    fig = BookFigure(figsize=(COLUMN_INCHES, 4.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    roles = feature_roles(circuit)
    for ax, j in zip(axes, (j_causal, j_decoy), strict=True):
        ax.scatter(X[:, j], y, s=9, alpha=0.45, color=ROLE_COLORS[roles[j]], linewidths=0)
        ax.set_xlabel(f"f{j} ({roles[j]})")
        ax.set_title(f"f{j}: |corr| with output {corr[j]:.2f}\n"
                     f"largest weight into network {np.abs(circuit.W[:, j]).max():.2f}")
    axes[0].set_ylabel("network output y")
    fig.suptitle(title or (f"Decoy f{j_decoy} tracks the output (|corr| {corr[j_decoy]:.2f} vs "
                           f"{corr[j_causal]:.2f}) yet the network never reads it"), fontweight="bold")
    return fig


@_styled
def suppressor_mechanism(circuit, x=None, *, feature: int | None = None, title: str | None = None) -> Figure:
    """The output along a decoy feature: steep local slopes, ~zero net change, and the IG path.

    Draws :func:`neurotrace.analysis.suppressor_picture` (``x`` defaults to all ones,
    ``feature`` to the first decoy). Left: f as the decoy sweeps its data range, the other
    features held at ``x``; the stretch the IG path crosses, from the baseline 0 to ``x_j``, is
    shaded and drawn on top in black, its two ends labelled. Right: along that path, the running
    IG integral of the decoy (it climbs the gates and cancels back to ~0) next to the causal
    feature with the largest weight.
    """
    p = suppressor_picture(circuit, x, feature=feature)
    j, j_causal, x = p["decoy"], p["causal"], p["x"]
    grid, y = p["grid"], p["outputs"]
    lo, hi = min(0.0, x[j]), max(0.0, x[j])
    on_path = (grid >= lo) & (grid <= hi)

    fig = BookFigure(figsize=(COLUMN_INCHES, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.axvspan(lo, hi, color="#D9D9D9", alpha=0.6, linewidth=0, zorder=0)
    left.plot(grid, y, color=ROLE_COLORS["decoy"], linewidth=2, zorder=2, label=f"y as f{j} moves")
    left.plot(grid[on_path], y[on_path], color="black", linewidth=2.5, linestyle=(0, (4, 2)), zorder=3,
              label=f"IG path, 0 to {x[j]:g}")
    for value, name in ((0.0, "baseline"), (float(x[j]), "input")):
        at = float(y[np.argmin(np.abs(grid - value))])
        left.plot([value], [at], "o", color="black", markersize=8, zorder=4)
        outward = (value > 0) if value != 0 or x[j] == 0 else (x[j] < 0)  # each label away from the other
        left.annotate(f"{name}\nf{j} = {value:g}", (value, at), xytext=(8 if outward else -8, 10),
                      textcoords="offset points", ha="left" if outward else "right", va="bottom", fontsize=12,
                      zorder=4)
    left.set_xlabel(f"decoy f{j} (other features held at x)")
    left.set_ylabel("network output y")
    left.set_title(f"Steepest slope |dy/df{j}| = {p['steepest_slope']:.0f}\n"
                   f"net change from 0 to {x[j]:g}: {_signed(p['net_change'])}")
    left.legend(loc="center left", frameon=False)  # beside the narrow gate, above the baseline level

    right.plot(p["alphas"], p["running"][:, j], color=ROLE_COLORS["decoy"], linewidth=2.5, label=f"decoy f{j}")
    right.plot(p["alphas"], p["running"][:, j_causal], color=ROLE_COLORS["causal"], linewidth=2.5,
               label=f"causal f{j_causal}")
    right.axhline(0, color="black", linewidth=0.8)
    right.set_xlabel("α along the IG path (0: baseline, 1: input)")
    right.set_ylabel("running integral of slope")
    right.set_title(f"IG for f{j} climbs, then cancels: {_signed(p['ig_decoy'])}\n"
                    f"causal f{j_causal} keeps its effect: {_signed(p['ig_causal'])}")
    right.legend(loc="best", frameon=False)
    fig.suptitle(title or f"Decoy f{j}: steep local slopes, yet no net effect on the output", fontweight="bold")
    return fig


@_styled
def weights(circuit, *, title: str | None = None) -> Figure:
    """How strongly the network reads each feature: ``sum_h |v_h W_hj|``, bars coloured by role."""
    reads = np.abs(circuit.v[:, None] * circuit.W).sum(axis=0)
    roles = feature_roles(circuit)
    fig = BookFigure(figsize=(10, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.bar(np.arange(circuit.n_features), reads, color=[ROLE_COLORS[r] for r in roles], edgecolor="black",
           linewidth=0.5)
    ax.set_xticks(np.arange(circuit.n_features), feature_names(circuit))
    ax.set_xlabel("input feature")
    ax.set_ylabel("weight read by the network")
    present = [r for r in ("causal", "decoy", "other") if (roles == r).any()]
    ax.legend(handles=role_legend_handles(present), loc="upper right", frameon=False)
    n_read = int((reads > 0).sum())
    ax.set_title(title or f"{circuit.name}: the network reads exactly {n_read} features", fontweight="bold")
    read = [f"f{j} {reads[j]:.2f} ({roles[j]})" for j in np.flatnonzero(reads > 0)]
    fig.alt = (f"Bar chart of how much the {circuit.name} network reads each of its {circuit.n_features} input "
               f"features, the sum over hidden units of |v_h W_hj|: {', '.join(read) or 'none'}; every other "
               "feature 0.")
    return fig


def switch_moves(circuit) -> list[dict]:
    """The move that fools each switch pair's single-feature method, read off its truth table.

    One dict per pair of :func:`neurotrace.analysis.switch_pairs`: the ``pair``, its
    ``table`` (:func:`neurotrace.analysis.switch_table`), the move as table cells ``start`` ->
    ``end`` (row = first switch, column = second, index 0/1/2 = -1/absent/+1), what it does
    (``move``), the output ``change`` it causes and whether that is ``none`` (within the tie
    tolerance of the table's largest |output|). ``redundant``: knock the backup out while its
    primary is +1; ``interaction``: restore the first switch alone into the all-absent reference.
    """
    out = []
    for a, b in switch_pairs(circuit):
        table = switch_table(circuit, (a, b))
        if circuit.name == "redundant":
            start, end, move = (2, 2), (2, 1), f"knock out f{b} (f{a} at +1)"
        else:
            start, end, move = (1, 1), (2, 1), f"restore f{a} alone"
        change = float(table[end] - table[start])
        scale = float(np.abs(table).max())
        out.append({"pair": (a, b), "table": table, "start": start, "end": end, "move": move, "change": change,
                    "none": abs(change) <= TIE_TOLERANCE * scale})
    return out


@_styled
def switch_mechanism(circuit, *, title: str | None = None) -> Figure:
    """The switch regimes' pairs as truth tables, with the single-feature move that fools.

    Each panel is the output over ``x_a, x_b in {-1, absent, +1}`` (everything else absent).
    Outlined: the cells the data visit. The arrow is the move of :func:`switch_moves` --
    knocking out a backup (``redundant``) or restoring one input of an AND into the all-absent
    reference (``interaction``) -- labelled with the change it makes at this strength: none
    once the gate is complete, a real change below. Works at any strength.
    """
    from matplotlib.patches import FancyArrowPatch, Rectangle

    moves = switch_moves(circuit)
    lim = max(float(np.abs(m["table"]).max()) for m in moves) or 1.0
    fig = BookFigure(figsize=(min(COLUMN_INCHES, 4.4 * len(moves) + 1.2), 4.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(moves)))
    X = default_data(circuit)
    labels = ["−1", "absent", "+1"]
    for ax, m in zip(axes, moves, strict=True):
        (a, b), table = m["pair"], m["table"]
        image = ax.imshow(table, cmap="PuOr", vmin=-lim, vmax=lim)
        for r in range(3):
            for c in range(3):
                ax.text(c, r, _signed(table[r, c]), ha="center", va="center", fontsize=13,
                        color="white" if abs(table[r, c]) > 0.6 * lim else "black")
        visited = {(int(ra) + 1, int(rb) + 1) for ra, rb in np.unique(X[:, [a, b]], axis=0)}
        for r, c in visited:
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=ROLE_COLORS["causal"],
                                   linewidth=3))
        (r0, c0), (r1, c1) = m["start"], m["end"]
        dr, dc = (0.3, 0.0) if c0 != c1 else (0.0, 0.3)  # beside the numbers, not through them
        ax.add_patch(FancyArrowPatch((c0 + dc, r0 + dr), (c1 + dc, r1 + dr), arrowstyle="-|>", mutation_scale=22,
                                     color="black", linewidth=2, shrinkA=6, shrinkB=6))
        ax.set_xticks(range(3), labels)
        ax.set_yticks(range(3), labels)
        ax.set_xlabel(f"f{b}")
        ax.set_ylabel(f"f{a}")
        ax.set_title(f"{m['move']}: " + ("no change" if m["none"] else f"output changes by {_signed(m['change'])}"))
        ax.spines[:].set_visible(False)
    fig.colorbar(image, ax=list(axes), label="network output y (rest absent)", shrink=0.85)
    share, _ = switch_share(circuit.strength)
    kind = "an OR with a backup" if circuit.name == "redundant" else "an AND"
    complete = CIRCUITS[circuit.name].complete if circuit.name in CIRCUITS else None
    at = f"{circuit.name}, strength {circuit.strength:.2f}"
    tail = "outlined cells are where the data live"
    if share >= 1:
        head = f"{at}: each pair is {kind}"
    elif share == 0:
        head = f"{at}: no gate yet, every switch has its own pathway"
    else:
        head = f"{at}: the gate carries {share:.0%} of each pair's output"
        tail = (f"it becomes {kind} from strength {complete:g}; " if complete else "") + tail
    fig.suptitle(title or f"{head}\n{tail}", fontweight="bold")
    return fig


# --- the network diagram -------------------------------------------------------------------------------

UNIT_COLORS = {"core": ROLE_COLORS["causal"], "decoy": ROLE_COLORS["decoy"], "other": ROLE_COLORS["other"],
               "idle": "#FFFFFF"}
UNIT_LABELS = {"core": "unit of the causal core", "decoy": "unit reading a decoy",
               "other": "unit reading noise", "idle": "unit with output weight 0"}
_UNIT_PLURALS = {"core": "Units of the causal core", "decoy": "Units reading a decoy",
                 "other": "Units reading noise", "idle": "Units with output weight 0"}
NETWORK_INCHES = 8.0  # narrower than the column: shown near full size, its labels stay legible projected
CHANGE_COLOR = "#F0E442"  # Okabe-Ito yellow: a halo behind what the strength changes
DATA_LINK_COLOR = "#6E6E6E"


def unit_kinds(circuit) -> np.ndarray:
    """Each hidden unit's kind for the diagram, ``(n_hidden,)``: ``"idle"`` (output weight 0),
    ``"decoy"`` (reads a decoy feature), ``"core"`` (reads a causal feature), else ``"other"``."""
    reads = circuit.W != 0
    decoy = (reads & circuit.decoy).any(axis=1)
    causal = (reads & circuit.causal).any(axis=1)
    return np.where(circuit.v == 0, "idle", np.where(decoy, "decoy", np.where(causal, "core", "other")))


def _names(prefix: str, indices) -> str:
    """Names for a list of indices, a run of three or more as a range: ``"f0–f5, f8, f9"``."""
    indices = sorted(int(i) for i in indices)
    runs = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ", ".join(f"{prefix}{r[0]}–{prefix}{r[-1]}" if len(r) > 2 else ", ".join(f"{prefix}{i}" for i in r)
                     for r in runs)


def strength_summary(circuit, changes=None) -> str:
    """What the strength changes, in words, from :func:`neurotrace.analysis.strength_changes`."""
    from .analysis import strength_changes

    changes = strength_changes(circuit) if changes is None else changes
    parts = []
    units = np.flatnonzero(changes["units"])
    if len(units):
        what = [name for name, key in (("input weights", "W"), ("biases", "b"), ("output weights", "v"))
                if changes[key][units].any()]
        parts.append(f"the {', '.join(what[:-1]) + ' and ' + what[-1] if len(what) > 1 else what[0]} "
                     f"of units {_names('h', units)}")
    features = np.flatnonzero(changes["features"])
    if len(features):
        parts.append(f"how the data generate {_names('f', features)}")
    return "the strength changes " + (" and ".join(parts) if parts else "nothing")


@_styled
def network(circuit, *, reference: float = 0.0, title: str | None = None) -> Figure:
    """The circuit's network ``y = v · φ(W x + b)`` as a diagram, drawn from its weights.

    Left, the input features (coloured by role: causal, decoy, other); middle, the hidden units
    (:func:`unit_kinds`: the causal core, units reading a decoy, units reading noise, units with
    output weight 0); right, the output. A line is a non-zero weight, as thick as its size
    (log-scaled; faint into a unit whose output weight is 0); ``+``/``−`` beside a unit is the sign
    of its output weight. Dotted arcs on the left: a feature generated from another in the data
    (the ``mixing``), not a weight. Yellow halos mark what the strength changes
    (:func:`neurotrace.analysis.strength_changes` against ``reference``, the control 0 by default).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    from .analysis import strength_changes

    changes = strength_changes(circuit, reference)
    h, d = circuit.W.shape
    roles, kinds = feature_roles(circuit), unit_kinds(circuit)
    reads = circuit.W != 0
    # Units in the order of the features they read (units reading nothing last): few crossings.
    order = sorted(range(h), key=lambda u: (np.flatnonzero(reads[u]).mean() if reads[u].any() else d, u))
    top, bottom = 0.0, -1.0
    y_in = np.linspace(top, bottom, d)
    y_hid = np.empty(h)
    y_hid[order] = np.linspace(top, bottom, h)
    x_in, x_hid, x_out = 0.0, 1.0, 2.0

    fig = BookFigure(figsize=(NETWORK_INCHES, 0.33 * max(d, h) + 2.6), layout="constrained")
    ax = fig.subplots()
    w_max = float(np.abs(circuit.W).max()) or 1.0
    v_max = float(np.abs(circuit.v).max()) or 1.0

    def width(value, largest):
        return 0.8 + 3.4 * np.log1p(abs(value)) / np.log1p(largest)

    for u, j in zip(*np.nonzero(reads), strict=True):
        lw = width(circuit.W[u, j], w_max)
        xs, ys = (x_in, x_hid), (y_in[j], y_hid[u])
        ax.plot(xs, ys, color=ROLE_COLORS[roles[j]] if roles[j] != "other" else "#8C8C8C", linewidth=lw,
                alpha=0.3 if kinds[u] == "idle" else 0.9, zorder=2)
    for u in np.flatnonzero(circuit.v != 0):
        lw = width(circuit.v[u], v_max)
        xs, ys = (x_hid, x_out), (y_hid[u], 0.5 * (top + bottom))
        if changes["v"][u]:
            ax.plot(xs, ys, color=CHANGE_COLOR, linewidth=lw + 7, solid_capstyle="round", zorder=1)
        ax.plot(xs, ys, color=UNIT_COLORS[kinds[u]] if kinds[u] != "other" else "#8C8C8C", linewidth=lw,
                alpha=0.9, zorder=2)
        ax.text(x_hid + 0.1, y_hid[u] + 0.015, "+" if circuit.v[u] > 0 else "−", ha="left", va="bottom",
                fontsize=12, fontweight="bold", zorder=5)
    # A dead output weight the strength switched off still changed: mark it at the unit.
    for u in np.flatnonzero(changes["v"] & (circuit.v == 0)):
        ax.plot([x_hid, x_hid + 0.12], [y_hid[u]] * 2, color=CHANGE_COLOR, linewidth=7, solid_capstyle="round",
                zorder=1)
    # The data: feature i generated from feature j (off-diagonal mixing), on the left.
    links = sorted(((i, j) for i, j in zip(*np.nonzero(circuit.mixing), strict=True) if i != j),
                   key=lambda link: (abs(link[0] - link[1]), link))  # short links inside longer ones
    for k, (i, j) in enumerate(links):
        arm = 20 + 8 * k  # points: each link a bracket out to the left of the column, nested
        style = f"arc,angleA=180,angleB=180,armA={arm},armB={arm},rad=5"
        if changes["mixing"][i, j]:
            ax.add_patch(FancyArrowPatch((x_in, y_in[j]), (x_in, y_in[i]), connectionstyle=style,
                                         arrowstyle="-", color=CHANGE_COLOR, linewidth=6, alpha=0.9, zorder=1,
                                         shrinkA=9, shrinkB=9))
        ax.add_patch(FancyArrowPatch((x_in, y_in[j]), (x_in, y_in[i]), connectionstyle=style, arrowstyle="-|>",
                                     mutation_scale=12, color=DATA_LINK_COLOR, linewidth=1.4, linestyle=(0, (2, 2)),
                                     zorder=2, shrinkA=9, shrinkB=9))
    node = {"s": 700, "linewidths": 1.2, "edgecolors": "#303030", "zorder": 4}
    halo = {"s": 1300, "color": CHANGE_COLOR, "zorder": 3, "linewidths": 0}
    ax.scatter(np.full(d, x_in), y_in, c=[ROLE_COLORS[r] for r in roles], **node)
    for j in range(d):
        ax.text(x_in, y_in[j], f"f{j}", ha="center", va="center", fontsize=12 if j < 10 else 11, zorder=5,
                color="white" if roles[j] != "other" else "black", fontweight="bold")
    changed_units = np.flatnonzero(changes["units"])
    if len(changed_units):
        ax.scatter(np.full(len(changed_units), x_hid), y_hid[changed_units], **halo)
    ax.scatter(np.full(h, x_hid), y_hid, c=[UNIT_COLORS[k] for k in kinds], **node)
    for u in range(h):
        ax.text(x_hid, y_hid[u], f"h{u}", ha="center", va="center", fontsize=12 if u < 10 else 11, zorder=5,
                color="white" if kinds[u] in ("core", "decoy") else "black", fontweight="bold")
    ax.scatter([x_out], [0.5 * (top + bottom)], s=900, c="#303030", zorder=4)
    ax.text(x_out, 0.5 * (top + bottom), "y", ha="center", va="center", fontsize=14, color="white",
            fontweight="bold", zorder=5)
    phi = circuit.activation
    for x, text in ((x_in, "inputs x"), (x_hid, f"hidden units\nh = {phi}(W x + b)"), (x_out, "output\ny = v · h")):
        ax.text(x, top + 0.06, text, ha="center", va="bottom", fontsize=13, color="#303030")
    ax.set_xlim(-0.55, 2.25)
    ax.set_ylim(bottom - 0.05, top + 0.17)
    ax.set_axis_off()

    present_roles = [r for r in ("causal", "decoy", "other") if (roles == r).any()]
    handles = [Line2D([], [], marker="o", linestyle="", markersize=11, markerfacecolor=ROLE_COLORS[r],
                      markeredgecolor="#303030", label=f"{r} feature") for r in present_roles]
    handles += [Line2D([], [], marker="o", linestyle="", markersize=11, markerfacecolor=UNIT_COLORS[k],
                       markeredgecolor="#303030", label=UNIT_LABELS[k])
                for k in ("core", "decoy", "other", "idle") if (kinds == k).any()]
    if links:
        handles.append(Line2D([], [], color=DATA_LINK_COLOR, linestyle=(0, (2, 2)), linewidth=1.4,
                              label="generated from, in the data (not a weight)"))
    if changes["units"].any() or changes["features"].any():
        handles.append(Line2D([], [], color=CHANGE_COLOR, linewidth=7, label="changes with the strength"))
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False, fontsize=13,
               handletextpad=0.4, columnspacing=1.2)
    import textwrap

    summary = strength_summary(circuit, changes)
    word = strength_word(circuit.name) if circuit.name in CIRCUITS else None
    at = f"seed {circuit.seed}" + (f", {word} {circuit.strength:.2f}" if word else "")
    head = f"The {circuit.name} network ({at})"
    fig.suptitle(title or head + "\n" + textwrap.fill(summary[0].upper() + summary[1:], 60), fontweight="bold",
                 fontsize=15)
    fig.alt = network_alt_text(circuit, changes)
    return fig


def network_alt_text(circuit, changes=None) -> str:
    """A sentence-by-sentence description of :func:`network`'s diagram, for its alt text."""
    from .analysis import strength_changes

    changes = strength_changes(circuit) if changes is None else changes
    h, d = circuit.W.shape
    roles, kinds = feature_roles(circuit), unit_kinds(circuit)
    reads = circuit.W != 0
    sentences = [f"Diagram of the {circuit.name} network y = v · {circuit.activation}(W x + b): {d} input features "
                 f"on the left, {h} hidden units in the middle, the output y on the right"]
    for kind in ("core", "decoy", "other", "idle"):
        units = np.flatnonzero(kinds == kind)
        if not len(units):
            continue
        features = np.flatnonzero(reads[units].any(axis=0))
        read = f"read {_names('f', features)}" if len(features) else "read no feature"
        sentences.append(f"{_UNIT_PLURALS[kind]} ({_names('h', units)}) {read}"
                         + ("" if kind == "idle" else ", and their output weights reach y"))
    unread = np.flatnonzero(~reads.any(axis=0))
    if len(unread):
        sentences.append(f"No unit reads {_names('f', unread)}")
    links = [(i, j) for i, j in zip(*np.nonzero(circuit.mixing), strict=True) if i != j]
    for i in sorted({i for i, _ in links}):
        sources = [j for k, j in links if k == i]
        sentences.append(f"In the data, f{i} is generated from {_names('f', sources)}")
    causal, decoy = np.flatnonzero(roles == "causal"), np.flatnonzero(roles == "decoy")
    sentences.append(f"Causal features: {_names('f', causal)}" + (f"; decoys: {_names('f', decoy)}" if len(decoy)
                                                                  else "; no decoy"))
    summary = strength_summary(circuit, changes)
    sentences.append(summary[0].upper() + summary[1:])
    return ". ".join(sentences) + "."


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

    fig = BookFigure(figsize=(COLUMN_INCHES, 4.6), layout="constrained")
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
    right.set_title(f"Completeness over {len(X)} inputs ({steps} nodes)\nlargest gap "
                    + (f"{err:.2f}" if err >= 0.01 else scientific(err)))
    fig.suptitle(title or "Integrated gradients: the gradient integrated from a baseline", fontweight="bold")
    return fig


# --- AUROC versus decoy strength ------------------------------------------------------------------


SWEEP_KEY = ("line: mean over seeds\nband: middle 80% of seeds\ndashed: chance (0.5)\n"
             "thin vertical: strength 1\nshaded panel: a failure\nthe regime lists (darker:\nits target)")
"""What a panel of :func:`sweep_curves` shows, written in the grid's first free slot ..."""
SWEEP_KEY_LINE = "band: middle 80% of seeds; shaded: a listed failure (darker: the target)"
"""... or, when no slot is free, this line under the title."""


@_styled
def sweep_curves(sweep, *, ncols: int = 3, title: str | None = None) -> Figure:
    """AUROC against strength on one regime: one small panel per method.

    Small multiples rather than one crowded panel, because several methods sit at exactly 1.0
    and their lines would hide each other. Each panel: the mean over seeds (line), the middle
    80% of seeds (band, ``Sweep.band()``), chance (dashed) and the tuned strength 1 (thin
    vertical). A method the regime's ``fools`` lists gets a tinted panel, its target a
    stronger tint and "(target)" in the panel's title. Three panels a row (``ncols``) keep the
    figure within ``COLUMN_INCHES`` with every title whole and fonts legible when projected;
    the key (``SWEEP_KEY``) fills the grid's first free slot, or follows the title if none is free.
    """
    mean = sweep.mean()
    low, high = sweep.band()
    word = strength_word(sweep.circuit)
    nrows, ncols = _grid(len(sweep.methods), ncols)
    width = min(COLUMN_INCHES, 3.0 * ncols + 0.7)
    fig = BookFigure(figsize=(width, 1.95 * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    free = axes[len(sweep.methods):]
    for ax in free:
        ax.set_visible(False)
    for i, (ax, method) in enumerate(zip(axes, sweep.methods, strict=False)):
        style = method_style(method)
        listing = _listing(sweep.circuit, method)
        if listing:  # pale vermillion: a planted failure; stronger for the regime's target
            ax.set_facecolor("#F7CDB5" if listing == "target" else "#FBE3D6")
        ax.axhline(0.5, color="black", linewidth=0.8, linestyle="--", alpha=0.6)
        ax.axvline(1.0, color="black", linewidth=0.8, alpha=0.3)
        ax.fill_between(sweep.strengths, low[i], high[i], color=style["color"], alpha=0.25, linewidth=0)
        ax.plot(sweep.strengths, mean[i], linewidth=2.4, **style)
        ax.set_title(method + (" (target)" if listing == "target" else ""), fontsize=13,
                     fontweight="bold" if listing == "target" else "normal")
        ax.set_ylim(0.3, 1.05)
        ax.set_yticks([0.5, 0.75, 1.0])
    for ax in axes[::ncols]:
        ax.set_ylabel("AUROC")
    for k, ax in enumerate(axes[: len(sweep.methods)]):
        if k + ncols >= len(sweep.methods):
            ax.set_xlabel(word or "strength (no effect)")
            ax.xaxis.set_tick_params(labelbottom=True)
    name = sweep.circuit if word else f"{sweep.circuit} (control)"
    head = title or f"{name}: AUROC vs {word or 'strength'} ({sweep.seeds} seeds)"
    if len(free):
        key = free[0]
        key.set_visible(True)
        key.set_axis_off()
        key.text(0.04, 0.97, SWEEP_KEY, transform=key.transAxes, ha="left", va="top", fontsize=12,
                 color="#303030", linespacing=1.25)
        fig.suptitle(head, fontweight="bold")
    else:
        fig.suptitle(f"{head}\n{SWEEP_KEY_LINE}", fontweight="bold")
    grid = np.asarray(sweep.strengths, dtype=float)
    lines = []
    for i, method in enumerate(sweep.methods):
        below = np.flatnonzero(mean[i] < FOOLED_BELOW)
        listing = {"target": " (the target)", "listed": " (listed)"}.get(_listing(sweep.circuit, method) or "", "")
        where = f", below {FOOLED_BELOW:g} from {grid[below[0]]:g}" if len(below) else ""
        lines.append(f"{method}{listing} {mean[i, 0]:.2f} at {grid[0]:g}{where}, {mean[i, -1]:.2f} at {grid[-1]:g}")
    fig.alt = (f"Small line charts, one per method, of the mean AUROC on {name} over {sweep.seeds} seeds against "
               f"the {word or 'strength'} from {grid[0]:g} to {grid[-1]:g}: " + "; ".join(lines) + ".")
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

    fig = BookFigure(figsize=(min(COLUMN_INCHES, 4.8 * len(features) + 0.4), 9.0), layout="constrained")
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
        top.legend(loc="best", frameon=False)

        lim = float(max(np.abs(exact[:, j]).max(), np.abs(estimate[:, j]).max())) * 1.05 or 1.0
        bottom.axhline(0, color="#808080", linewidth=0.6)
        bottom.axvline(0, color="#808080", linewidth=0.6)
        bottom.plot([-lim, lim], [-lim, lim], color="black", linewidth=1, label="estimate = exact")
        bottom.scatter(exact[:, j], estimate[:, j], s=14, color=colour, alpha=0.6, linewidths=0)
        bottom.set_xlim(-lim, lim)
        bottom.set_ylim(-lim, lim)
        bottom.set_xlabel(f"exact change when f{j} is patched")
        bottom.set_ylabel("first-order estimate")
        bottom.legend(loc="upper left", frameon=False)
        bottom.set_title(f"{len(X)} patches: error {error[j]:.2f} × the effect\n"
                         f"score {np.abs(estimate[:, j]).mean():.2f} (first order) vs "
                         f"{np.abs(exact[:, j]).mean():.2f} (patching)")
    fig.suptitle(title or f"{circuit.name}: attribution patching's tangent vs the patch it estimates",
                 fontweight="bold")
    return fig
