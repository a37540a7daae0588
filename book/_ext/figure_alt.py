"""Sphinx extension: a figure's alt text from its notebook output, not its file name.

myst-nb writes each image output to a file named by its hash and, unless the cell's metadata
gives ``mystnb: image: alt:``, leaves the ``<img>`` with no alt text (the browser then shows
the file name). Of an output's metadata it reads only ``width`` and ``height``. The book's
figures (:class:`neurotrace.plots.BookFigure`) put their alt text in that metadata, as
``{"image/png": {"alt": ...}}``; this hook passes it on to the image. Alt text set on the cell
still wins.
"""

from __future__ import annotations

import functools


def install() -> bool:
    """Wrap myst-nb's image renderer once; False if myst-nb's renderer is not where expected."""
    try:
        from myst_nb.core.render import NbElementRenderer
    except ImportError:
        return False
    original = NbElementRenderer.render_image
    if getattr(original, "_figure_alt", False):
        return True

    @functools.wraps(original)
    def render_image(self, data):
        nodes = original(self, data)
        alt = (data.output_metadata or {}).get(data.mime_type, {}).get("alt")
        for node in nodes:
            if alt and not node.get("alt"):
                node["alt"] = str(alt)
        return nodes

    render_image._figure_alt = True
    NbElementRenderer.render_image = render_image
    return True


def setup(app):
    install()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
