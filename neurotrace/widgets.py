"""Decoy-strength sliders: a live ipywidgets explorer and a kernel-free static slider.

Both show the same picture -- every method's ranked importances on one regime, with its
AUROC -- and both get it from the same library call, :func:`snapshot` (``nt.evaluate`` with
one seed). The live :class:`Explorer` recomputes on every slider move (needs a running
kernel). :func:`static_slider` precomputes a grid of strengths and returns self-contained
HTML (PNG frames inlined as base64, a few lines of plain JavaScript): it works in the
published book with no kernel, no network and no CDN.

Needs the ``[book]`` extra (matplotlib, ipywidgets); the core library never imports this module.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import time

import numpy as np

from ._checks import check_choice, check_strength
from .circuits import CIRCUITS, make_circuit
from .evaluate import evaluate
from .methods import METHODS
from .plots import RankStrips

# Dense where the proxies collapse (0 to 0.5), sparser beyond the tuned point 1.
DEFAULT_STRENGTHS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0)


def snapshot(circuit: str, strength: float, *, methods=None, samples: int = 512):
    """Every method on ``circuit`` at decoy ``strength``, seed 0: a one-seed ``Results``.

    ``results.importances[:, 0, 0]`` is ``(n_methods, n_features)``; ``results.auroc[:, 0, 0]``
    is ``(n_methods,)``. This is the only computation behind both sliders.
    """
    return evaluate(methods, circuit, seeds=1, samples=samples, strength=strength)


def aurocs(results) -> dict:
    """``{method: AUROC}`` (plain floats) of a one-seed, one-circuit ``Results``."""
    return {m: float(a) for m, a in zip(results.methods, results.auroc[:, 0, 0], strict=True)}


def _caption(results) -> str:
    fools = make_circuit(results.circuits[0]).fools
    parts = [f"{m} {a:.2f}" + (" (targeted)" if m in fools else "") for m, a in aurocs(results).items()]
    return f"{results.circuits[0]}, strength {results.strength:.2f}. AUROC: " + " · ".join(parts)


def _methods(methods) -> tuple:
    if methods is None:
        return tuple(METHODS)
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    return tuple(check_choice(m, METHODS, "method") for m in methods)


# --- the live explorer ------------------------------------------------------------------------


class Explorer:
    """Live ipywidgets explorer: a regime menu and a strength slider over every method's ranking.

    Moving the slider calls :meth:`show`, which recomputes :func:`snapshot`, updates the
    existing figure (:class:`~neurotrace.plots.RankStrips`: no rebuilt figure, cached static
    parts) and swaps the PNG in an ``ipywidgets.Image``. ``seconds`` holds the last redraw's
    timings (about 30 ms for ten methods on an idle 2-core machine: 7 ms library, 22 ms figure).
    Display it by making it the last expression of a cell.
    """

    def __init__(self, circuit: str = "confounded", strength: float = 1.0, *, methods=None,
                 samples: int = 512, max_strength: float = 3.0, step: float = 0.05):
        import ipywidgets as w

        check_choice(circuit, CIRCUITS, "circuit")
        strength = check_strength(strength)
        self.methods = _methods(methods)
        self.samples = samples
        self.strips = RankStrips(self.methods, make_circuit(circuit).n_features)
        self.regime = w.Dropdown(options=list(CIRCUITS), value=circuit, description="regime")
        self.slider = w.FloatSlider(
            value=strength, min=0.0, max=max(float(max_strength), strength), step=step,
            description="decoy strength", readout_format=".2f", continuous_update=True,
            style={"description_width": "initial"}, layout=w.Layout(width="28em"))
        self.table = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.status = w.HTML()
        self.widget = w.VBox([w.HBox([self.regime, self.slider]), self.table, self.image, self.status])
        self.slider.observe(self._changed, names="value")
        self.regime.observe(self._changed, names="value")
        self.results = None
        self.seconds = {}
        self.show()

    def _changed(self, change):
        self.show()

    def show(self, circuit: str | None = None, strength: float | None = None):
        """Recompute and redraw for ``circuit``/``strength`` (default: the widgets' values)."""
        circuit = self.regime.value if circuit is None else circuit
        strength = self.slider.value if strength is None else strength
        t0 = time.perf_counter()
        self.results = snapshot(circuit, strength, methods=self.methods, samples=self.samples)
        t1 = time.perf_counter()
        self.strips.update(self.results)
        self.image.value = self.strips.png()
        t2 = time.perf_counter()
        self.table.value = self._table_html()
        self.seconds = {"compute": t1 - t0, "draw": t2 - t1, "total": t2 - t0}
        self.status.value = (f"<small>redraw {1e3 * self.seconds['total']:.0f} ms (library "
                             f"{1e3 * self.seconds['compute']:.0f} ms, figure "
                             f"{1e3 * self.seconds['draw']:.0f} ms)</small>")
        return self

    @property
    def aurocs(self) -> dict:
        """``{method: AUROC}`` currently displayed."""
        return aurocs(self.results)

    def _table_html(self) -> str:
        fools = make_circuit(self.results.circuits[0]).fools
        cells = "".join(
            f"<td style='padding:0 0.8em'>{html.escape(m)}<br><b>{a:.2f}</b>"
            + (" <span title='this regime targets it'>(targeted)</span>" if m in fools else "") + "</td>"
            for m, a in self.aurocs.items())
        return f"<table style='font-size:1.05em'><tr><td><b>AUROC</b></td>{cells}</tr></table>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def explorer(circuit: str = "confounded", strength: float = 1.0, **options) -> Explorer:
    """The live explorer for ``circuit`` (see :class:`Explorer`); needs a running kernel."""
    return Explorer(circuit, strength, **options)


# --- the kernel-free slider -----------------------------------------------------------------------

_ids = itertools.count()

_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  var data = JSON.parse(root.querySelector("script.nt-slider-data").textContent);
  var range = root.querySelector("input[type=range]");
  var value = root.querySelector("output");
  var caption = root.querySelector(".nt-slider-caption");
  var frame = root.querySelector("img.nt-slider-frame");
  function show(i) {
    frame.src = "data:image/png;base64," + data.frames[i];
    frame.alt = data.captions[i];
    value.textContent = data.strengths[i].toFixed(2);
    caption.textContent = data.captions[i];
    root.setAttribute("data-frame", String(i));
  }
  range.addEventListener("input", function () { show(Number(range.value)); });
})();
"""


class StaticSlider:
    """Precomputed frames over a grid of strengths, shown as self-contained HTML.

    ``strengths (k,)``, ``frames``: k base64 PNGs, ``captions``: k strings with every AUROC,
    ``html``: the slider (an ``<input type=range>`` swapping an ``<img>``; no external files).
    """

    def __init__(self, circuit, strengths, frames, captions, start: int, uid: str):
        self.circuit = circuit
        self.strengths = tuple(float(s) for s in strengths)
        self.frames = list(frames)
        self.captions = list(captions)
        self.start = start
        self.id = uid

    @property
    def html(self) -> str:
        data = json.dumps({"strengths": self.strengths, "frames": self.frames, "captions": self.captions})
        data = data.replace("<", "\\u003c")  # nothing inside may close the <script> early
        i = self.start
        caption = html.escape(self.captions[i])
        return (
            f'<div class="nt-static-slider" id="{self.id}" data-frame="{i}" style="max-width:100%">\n'
            f'<div style="display:flex;align-items:center;gap:0.8em;font-size:1.1em;flex-wrap:wrap">'
            f'<label for="{self.id}-range"><b>decoy strength</b></label>'
            f'<input type="range" id="{self.id}-range" min="0" max="{len(self.frames) - 1}" step="1" '
            f'value="{i}" style="flex:1;min-width:12em;max-width:30em">'
            f'<output for="{self.id}-range" style="font-weight:bold;min-width:3em">'
            f'{self.strengths[i]:.2f}</output></div>\n'
            f'<p class="nt-slider-caption" style="margin:0.4em 0">{caption}</p>\n'
            f'<img class="nt-slider-frame" alt="{caption}" style="max-width:100%;height:auto" '
            f'src="data:image/png;base64,{self.frames[i]}">\n'
            f'<script type="application/json" class="nt-slider-data">{data}</script>\n'
            f"<script>{_SCRIPT % {'id': self.id}}</script>\n</div>"
        )

    def _repr_html_(self) -> str:
        return self.html


def static_slider(circuit: str, strengths=DEFAULT_STRENGTHS, *, start: float = 1.0, methods=None,
                  samples: int = 512) -> StaticSlider:
    """Kernel-free slider for ``circuit``: one frame per strength, each from :func:`snapshot`.

    ``start`` is the strength shown first (the grid point nearest to it).
    """
    check_choice(circuit, CIRCUITS, "circuit")
    grid = [check_strength(s) for s in np.atleast_1d(strengths)]
    if not grid:
        raise ValueError("strengths must hold at least one strength (got none)")
    methods = _methods(methods)
    strips = RankStrips(methods, make_circuit(circuit).n_features)
    frames, captions = [], []
    for s in grid:
        results = snapshot(circuit, s, methods=methods, samples=samples)
        strips.update(results)
        frames.append(base64.b64encode(strips.png(compress_level=6)).decode("ascii"))
        captions.append(_caption(results))
    digest = hashlib.sha1(repr((circuit, grid, methods, samples)).encode()).hexdigest()[:8]
    uid = f"nt-slider-{circuit}-{digest}-{next(_ids)}"
    start_index = int(np.argmin(np.abs(np.array(grid) - check_strength(start))))
    return StaticSlider(circuit, grid, frames, captions, start_index, uid)
