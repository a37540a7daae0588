"""The book's figure: how wide it may be, its fonts, and a ``Figure`` that shows itself in a notebook.

``COLUMN_INCHES`` and ``STYLE`` size every figure for a projector: at most 10 in wide at 100 dpi,
so in the book's text column (about 755 px in a 1024 px window) no text falls below about 12 px.
:class:`BookFigure` is what every figure function returns: IPython shows it as one PNG with its
alt text when a cell returns it, with nothing registered at import and no pyplot figure kept alive.

Needs the ``[book]`` extra (matplotlib); the core library never imports this module.
"""

from __future__ import annotations

from matplotlib.figure import Figure

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
