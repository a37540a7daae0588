"""Decoy-strength sliders: a live ipywidgets explorer and a kernel-free static slider.

Both show the same picture -- every method's ranked importances on one regime, with its
AUROC -- and both get it from the same library call, :func:`first_seed` (``nt.evaluate``
with seed 0 alone). The live :class:`Explorer` recomputes on every slider move (needs a running
kernel). :func:`static_slider` precomputes a grid of strengths and returns self-contained
HTML (PNG frames inlined as base64, a few lines of plain JavaScript): it works in the
published book with no kernel, no network and no CDN.

Needs the ``[book]`` extra (matplotlib, ipywidgets); the core library never imports this module.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import itertools
import json
import time

import numpy as np

from ._checks import check_choice, check_names, check_strength
from .circuits import CIRCUITS, make_circuit
from .claims import FOOLED_BELOW, explain
from .evaluate import evaluate
from .labels import FAILURE_KINDS, failure_kind, setting_label, strength_word
from .methods import METHODS
from .rank_strips import RankStrips

# Dense where the proxies collapse (0 to 0.5), sparser beyond the tuned point 1.
DEFAULT_STRENGTHS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0)


def first_seed(circuit: str, strength: float, *, methods=None, samples: int = 512):
    """Every method on ``circuit`` at ``strength`` on seed 0 alone: ``nt.evaluate`` with ``seeds=1``.

    ``results.importances[:, 0, 0]`` is ``(n_methods, n_features)``; ``results.auroc[:, 0, 0]``
    is ``(n_methods,)``. This is the only computation behind both sliders.
    """
    return evaluate(methods, circuit, seeds=1, samples=samples, strength=strength)


def aurocs(results) -> dict:
    """``{method: AUROC}`` (plain floats) of a one-seed, one-circuit ``Results``."""
    return {m: float(a) for m, a in zip(results.methods, results.auroc[:, 0, 0], strict=True)}


@functools.lru_cache(maxsize=1024)
def failure_reason(regime: str, method: str, strength: float, samples: int = 512) -> str:
    """Why ``method`` falls below ``claims.FOOLED_BELOW`` on ``regime`` at ``strength`` (seed 0):
    :func:`neurotrace.claims.explain` (the regime's listed reason, or a diagnosis such as IG's
    quadrature error), or, for a baseline, its registered summary. Cached: the live explorer
    asks again on every redraw."""
    if method in METHODS and METHODS[method].family == "baseline":
        return METHODS[method].summary
    return explain(regime, method, strength, samples=samples)


def failures(results, *, samples: int = 512) -> list[dict]:
    """Every method of a one-seed ``Results`` below ``claims.FOOLED_BELOW``, with its reason.

    One dict per failure, in the results' method order: ``method``, ``auroc``, ``kind`` (a key
    of :data:`neurotrace.labels.FAILURE_KINDS`: the regime's ``target``, another ``listed``
    failure, ``not listed``, or the ``baseline``) and ``reason`` (:func:`failure_reason`).
    """
    regime = results.circuits[0]
    out = []
    for method, value in aurocs(results).items():
        kind = failure_kind(regime, method, value)
        if kind:
            out.append({"method": method, "auroc": value, "kind": kind,
                        "reason": failure_reason(regime, method, float(results.strength), samples)})
    return out


def slider_caption(head: str, aurocs: dict, target: str | None, below: list[dict], also=()) -> str:
    """A slider frame's caption, at either level: ``head`` and every AUROC (▼ where ``below`` lists
    the method, "(target)" after ``target``), then the lines ``also``, then why each failure in
    ``below`` (:func:`failures`' dicts) falls, its kind in words (:data:`~neurotrace.labels.FAILURE_KINDS`)."""
    marked = {f["method"] for f in below}
    parts = [f"{m} {a:.2f}" + (" ▼" if m in marked else "") + (" (target)" if m == target else "")
             for m, a in aurocs.items()]
    lines = [head + " · ".join(parts), *also]
    if below:
        lines.append(f"▼ below {FOOLED_BELOW:g}, and why:")
        lines += [f"{f['method']} {f['auroc']:.2f} ({FAILURE_KINDS[f['kind']]}): {f['reason']}" for f in below]
    return "\n".join(lines)


def _caption(results, samples: int = 512) -> str:
    regime = results.circuits[0]
    return slider_caption(f"{setting_label(regime, results.strength)}. AUROC: ", aurocs(results),
                         CIRCUITS[regime].target, failures(results, samples=samples))


# --- the live explorer ------------------------------------------------------------------------


class Explorer:
    """Live ipywidgets explorer: a regime menu and a strength slider over every method's ranking.

    Moving the slider calls :meth:`show`, which recomputes :func:`first_seed`, updates the
    existing figure (:class:`~neurotrace.rank_strips.RankStrips`: no rebuilt figure, cached static
    parts) and swaps the PNG in an ``ipywidgets.Image``. Above it, ``table`` shows every
    AUROC, each one below ``claims.FOOLED_BELOW`` marked ▼ with its kind; below it, ``why``
    gives the reason for each (:func:`failures`). ``seconds`` holds the last redraw's
    timings (``compute``: the library, ``draw``: the figure, ``total``), shown under the figure.
    Display it by making it the last expression of a cell.

    The controls, the redraw and the table are written here once for every level: another level's
    explorer (:class:`neurotrace.edge_figures.EdgeExplorer`) sets ``REGIMES``, ``METHODS`` and
    ``WHAT`` and overrides the hooks :meth:`_prepare`, :meth:`_compute`, :meth:`_draw`,
    :meth:`_failures`, :meth:`_shown` and :meth:`_value_html` (and :meth:`_slider_label`).
    """

    REGIMES = CIRCUITS
    """The regimes the menu offers."""
    METHODS = METHODS
    """The registry ``methods`` are checked against (all of it by default)."""
    WHAT = "circuit"
    """What the error message for an unknown regime calls one."""
    HEAD = "AUROC"
    """The table's heading."""

    def __init__(self, circuit: str = "confounded", strength: float = 1.0, *, methods=None,
                 samples: int = 512, max_strength: float = 3.0, step: float = 0.05):
        import ipywidgets as w

        check_choice(circuit, self.REGIMES, self.WHAT)
        strength = check_strength(strength)
        self.methods = check_names(methods, self.METHODS, "method")
        self.samples = samples
        self._prepare(circuit)
        self.regime = w.Dropdown(options=list(self.REGIMES), value=circuit, description="regime")
        self.slider = w.FloatSlider(
            value=strength, min=0.0, max=max(float(max_strength), strength), step=step,
            description=self._slider_label(circuit), readout_format=".2f", continuous_update=True,
            style={"description_width": "initial"}, layout=w.Layout(width="28em"))
        # − and + step the strength by `step`: in Notebook 7 a focused slider loses ArrowLeft to the
        # heading-collapse shortcut, so the explorer does not rely on the arrow keys (dragging the
        # slider and typing a value into its readout work everywhere too).
        self.down, self.up = (w.Button(description=sign, tooltip=f"strength {sign} {step:g}",
                                       layout=w.Layout(width="2.6em")) for sign in ("−", "+"))
        self.down.on_click(lambda _: self.nudge(-1))
        self.up.on_click(lambda _: self.nudge(+1))
        self.table = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.why = w.HTML()
        self.status = w.HTML()
        # The reasons go under the image, so the image stays put while their number changes.
        controls = w.HBox([self.regime, self.down, self.slider, self.up])
        self.widget = w.VBox([controls, self.table, self.image, self.why, self.status])
        self.slider.observe(self._changed, names="value")
        self.regime.observe(self._changed, names="value")
        self.failures = []
        self.seconds = {}
        self.show()

    # --- the hooks: what a level computes and draws --------------------------------------------

    def _prepare(self, circuit: str) -> None:
        """Before the first :meth:`show`: the drawing, and no result yet."""
        self.strips = RankStrips(self.methods, make_circuit(circuit).n_features)
        self.results = None

    def _compute(self, circuit: str, strength: float) -> None:
        self.results = first_seed(circuit, strength, methods=self.methods, samples=self.samples)

    def _draw(self, circuit: str) -> bytes:
        """The computed state as PNG bytes."""
        self.strips.update(self.results)
        return self.strips.png()

    def _failures(self) -> list[dict]:
        return failures(self.results, samples=self.samples)

    def _shown(self) -> str:
        """The regime on screen."""
        return self.results.circuits[0]

    def _value_html(self, method: str, auroc: float) -> str:
        """A method's cell in the table, under its name."""
        return f"<b>{auroc:.2f}</b>"

    def _slider_label(self, circuit: str) -> str:
        return _slider_label(circuit)

    # --- written once ------------------------------------------------------------------------------

    def _changed(self, change):
        self.show()

    def nudge(self, steps: int) -> None:
        """Move the strength by ``steps`` slider steps, within the slider's range (the − and + buttons)."""
        s = self.slider
        s.value = min(s.max, max(s.min, round(s.value + steps * s.step, 10)))

    def show(self, circuit: str | None = None, strength: float | None = None):
        """Recompute and redraw for ``circuit``/``strength`` (default: the widgets' values)."""
        circuit = self.regime.value if circuit is None else circuit
        strength = self.slider.value if strength is None else strength
        t0 = time.perf_counter()
        self._compute(circuit, strength)
        t1 = time.perf_counter()
        self.image.value = self._draw(circuit)
        self.failures = self._failures()
        self.table.value, self.why.value = self._table_html(), self._why_html()
        self.slider.description = self._slider_label(circuit)
        t2 = time.perf_counter()
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
        """Every AUROC; each one below ``claims.FOOLED_BELOW`` marked ▼ with its kind."""
        target = self.REGIMES[self._shown()].target
        kinds = {f["method"]: f["kind"] for f in self.failures}
        cells = "".join(
            f"<div>{html.escape(m)}<br>{self._value_html(m, a)}"
            + (f" ▼&nbsp;{html.escape(kinds[m])}" if m in kinds else " (target)" if m == target else "") + "</div>"
            for m, a in self.aurocs.items())
        return (f"<div style='display:flex;flex-wrap:wrap;gap:0.3em 1.4em;font-size:1.05em'>"
                f"<div><b>{self.HEAD}</b></div>{cells}</div>")  # wraps on a narrow screen

    def _why_html(self) -> str:
        """The reason for each AUROC below ``claims.FOOLED_BELOW`` (:func:`failures`)."""
        if not self.failures:
            return ""
        items = "".join(
            f"<li><b>{html.escape(f['method'])} {f['auroc']:.2f}</b>, {html.escape(FAILURE_KINDS[f['kind']])}: "
            f"{html.escape(f['reason'])}</li>" for f in self.failures)
        return (f"<div class='nt-failures' style='font-size:1.05em'><b>▼ below {FOOLED_BELOW:g}, and why:</b>"
                f"<ul style='margin:0.2em 0'>{items}</ul></div>")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _slider_label(regime: str) -> str:
    return strength_word(regime) or "strength (no effect)"


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
  var view = root.querySelector(".nt-slider-view");
  var zoom = root.querySelector("button.nt-slider-zoom");
  var word = range.getAttribute("data-word");
  function show(i) {
    var text = data.strengths[i].toFixed(2);
    frame.src = "data:image/png;base64," + data.frames[i];
    frame.alt = data.captions[i];
    value.textContent = text;
    range.setAttribute("aria-valuetext", word + " " + text);
    caption.textContent = data.captions[i];
    root.setAttribute("data-frame", String(i));
  }
  function fit() {  /* the full-size button only where the fitted figure is smaller than its pixels */
    var zoomed = root.getAttribute("data-zoom") === "1";
    zoom.hidden = !zoomed && frame.naturalWidth <= view.clientWidth + 1;
  }
  zoom.addEventListener("click", function () {
    var on = root.getAttribute("data-zoom") !== "1";
    root.setAttribute("data-zoom", on ? "1" : "0");
    frame.style.maxWidth = on ? "none" : "100%%";
    frame.style.width = on ? frame.naturalWidth + "px" : "";
    zoom.textContent = on ? "Fit figure to width" : "Show figure full size";
    zoom.setAttribute("aria-pressed", on ? "true" : "false");
    fit();
  });
  range.addEventListener("input", function () { show(Number(range.value)); });
  frame.addEventListener("load", fit);
  window.addEventListener("resize", fit);
  fit();
})();
"""

# The range's thumb centre runs from half a thumb in from the left end to half a thumb in from the
# right; a tick label under frame i sits at that fraction of the way (Chromium's thumb: 16 px).
_THUMB_PX = 16


def _tick_label(strength: float) -> str:
    """A strength as a tick label: ``0``, ``0.1``, ``0.75``, ``1``, ``1.5``."""
    return f"{strength:g}"


class StaticSlider:
    """Precomputed frames over a grid of strengths, shown as self-contained HTML.

    ``strengths (k,)``, ``frames``: k base64 PNGs, ``captions``: k strings with every AUROC and,
    for each below ``claims.FOOLED_BELOW``, why (shown under the frame), ``html``: the slider (an
    ``<input type=range>`` swapping an ``<img>``; no external files).

    The range steps through the frames one grid point at a time, and the grid need not be evenly
    spaced (the default is dense where the proxies collapse), so the track is labelled by
    strength: a tick mark and a label under every frame's position (:attr:`ticks`), and the
    strength shown beside it and announced to screen readers (``aria-valuetext``). A button
    shows the figure at its full pixel size, scrolling sideways inside its box, whenever the
    column is narrower than the figure (a phone); it is hidden otherwise. ``word`` labels the
    range (default: how the regime names its strength, ``"decoy strength"`` or ``"strength"``);
    a slider over something else -- another level's regimes, a threshold -- passes its own.
    """

    def __init__(self, circuit, strengths, frames, captions, start: int, uid: str, word: str | None = None):
        self.circuit = circuit
        self.strengths = tuple(float(s) for s in strengths)
        self.frames = list(frames)
        self.captions = list(captions)
        self.start = start
        self.id = uid
        self.word = word

    @property
    def ticks(self) -> list[tuple[float, str]]:
        """``(position, label)`` per frame: where frame i's tick sits along the track (0 = the
        left end, 1 = the right end: i / (k - 1)) and its strength as written under it."""
        k = len(self.strengths)
        return [(i / (k - 1) if k > 1 else 0.5, _tick_label(s)) for i, s in enumerate(self.strengths)]

    def _ticks_html(self) -> str:
        half = _THUMB_PX / 2
        labels = "".join(
            f'<span style="position:absolute;left:calc({half:g}px + (100% - {_THUMB_PX}px) * {f:.4f});'
            f'transform:translateX(-50%);white-space:nowrap">{html.escape(label)}</span>'
            for f, label in self.ticks)
        options = "".join(f'<option value="{i}" label="{html.escape(label)}"></option>'
                          for i, (_, label) in enumerate(self.ticks))
        return (f'<datalist id="{self.id}-ticks">{options}</datalist>'
                f'<div class="nt-slider-ticks" aria-hidden="true" style="position:relative;height:1.3em;'
                f'font-size:0.75em;line-height:1.3em;color:#555">{labels}</div>')

    @property
    def html(self) -> str:
        data = json.dumps({"strengths": self.strengths, "frames": self.frames, "captions": self.captions})
        data = data.replace("<", "\\u003c")  # nothing inside may close the <script> early
        i = self.start
        caption = html.escape(self.captions[i])
        word = _slider_label(self.circuit) if self.word is None else self.word
        value = f"{self.strengths[i]:.2f}"
        return (
            f'<div class="nt-static-slider" id="{self.id}" data-frame="{i}" data-zoom="0" style="max-width:100%">\n'
            f'<div style="display:flex;align-items:center;gap:0.4em 0.8em;font-size:1.1em;flex-wrap:wrap">'
            f'<label for="{self.id}-range"><b>{html.escape(word)}</b></label>'
            f'<div class="nt-slider-track" style="flex:1 1 16em;min-width:min(100%,16em);max-width:32em">'
            f'<input type="range" id="{self.id}-range" min="0" max="{len(self.frames) - 1}" step="1" '
            f'value="{i}" list="{self.id}-ticks" data-word="{html.escape(word)}" '
            f'aria-valuetext="{html.escape(word)} {value}" style="width:100%;margin:0;display:block">'
            f"{self._ticks_html()}</div>"
            f'<output for="{self.id}-range" style="font-weight:bold;min-width:3em">{value}</output>'
            f'<button type="button" class="nt-slider-zoom" aria-pressed="false" hidden '
            f'style="font-size:0.8em">Show figure full size</button></div>\n'
            f'<div class="nt-slider-view" style="overflow-x:auto;max-width:100%">'
            f'<img class="nt-slider-frame" alt="{caption}" style="max-width:100%;height:auto;display:block" '
            f'src="data:image/png;base64,{self.frames[i]}"></div>\n'
            # Below the frame, so the frame stays put while the caption's length changes.
            f'<p class="nt-slider-caption" style="margin:0.4em 0;white-space:pre-line">{caption}</p>\n'
            f'<script type="application/json" class="nt-slider-data">{data}</script>\n'
            f"<script>{_SCRIPT % {'id': self.id}}</script>\n</div>"
        )

    def _repr_html_(self) -> str:
        return self.html


def strength_grid(strengths) -> list[float]:
    """A slider's strengths, each checked (:func:`~neurotrace._checks.check_strength`); at least one."""
    grid = [check_strength(s) for s in np.atleast_1d(strengths)]
    if not grid:
        raise ValueError("strengths must hold at least one strength (got none)")
    return grid


def frames_slider(regime: str, values, frame, *, start: float, key, word: str | None = None) -> StaticSlider:
    """A :class:`StaticSlider` over ``values`` at any level: ``frame(value) -> (png, caption)`` draws
    each frame (PNG bytes, inlined as base64); the frame nearest ``start`` is shown first; ``key``
    (what the frames depend on) makes the element's id, ``nt-slider-<regime>-<hash>-<n>``, unique
    on the page; ``word`` labels the range (:class:`StaticSlider`)."""
    frames, captions = [], []
    for value in values:
        png, caption = frame(value)
        frames.append(base64.b64encode(png).decode("ascii"))
        captions.append(caption)
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:8]
    first = int(np.argmin(np.abs(np.array(values) - start)))
    return StaticSlider(regime, values, frames, captions, first, f"nt-slider-{regime}-{digest}-{next(_ids)}",
                        word=word)


def static_slider(circuit: str, strengths=DEFAULT_STRENGTHS, *, start: float = 1.0, methods=None,
                  samples: int = 512) -> StaticSlider:
    """Kernel-free slider for ``circuit``: one frame per strength, each from :func:`first_seed`.

    ``start`` is the strength shown first (the grid point nearest to it).
    """
    check_choice(circuit, CIRCUITS, "circuit")
    grid = strength_grid(strengths)
    start = check_strength(start)
    methods = check_names(methods, METHODS, "method")
    strips = RankStrips(methods, make_circuit(circuit).n_features)

    def frame(strength):
        results = first_seed(circuit, strength, methods=methods, samples=samples)
        strips.update(results)
        return strips.png(compress_level=6), _caption(results, samples)

    return frames_slider(circuit, grid, frame, start=start, key=(circuit, grid, methods, samples))
