"""Every method's ranking as strips of role-coloured blocks, redrawn fast enough for a slider.

:class:`RankStrips` lays one circuit's one-seed ``Results`` out as one strip per method, features
by rank, ties as one block (:class:`Block`), each method's AUROC and kind of failure at the end.
It keeps its figure and changes the artists in place; :meth:`RankStrips.png` renders a frame by
restoring the cached static parts, painting the blocks and pasting each label from a cached
glyph bitmap (``_sprite``, ``_paste``), so the live explorer and the static slider
(:mod:`neurotrace.widgets`) redraw without a full matplotlib render. :func:`neurotrace.plots.importances`
is the same picture as a book figure.

Needs the ``[book]`` extra (matplotlib); the core library never imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, get_hinting_flag
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.patches import Patch

from .analysis import feature_roles
from .book_figure import COLUMN_INCHES, STYLE, BookFigure
from .circuits import make_circuit
from .claims import FOOLED_BELOW
from .labels import FAILURE_KINDS, failure_kind, feature_names, setting_label
from .palette import ROLE_COLORS, ROLE_INK, TIE_EDGE, TIE_FILL, role_legend_handles
from .scoring import tie_groups

FAILURE_NOTES = {  # the rank figure's footnote: each kind in a few words
    "target": "what the regime is built to fool",
    "listed": "another failure it lists",
    "not listed": "a failure it does not plant",
    "baseline": "the chance floor",
}


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
    of failure (:func:`neurotrace.labels.failure_kind`). ``blocks[i]`` holds row *i*'s blocks.

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
