"""Figures for the book: one palette, one look, every figure built from library results.

Every function returns a :class:`~neurotrace.book_figure.BookFigure` (not a pyplot figure, so a
notebook shows it once, when the cell returns it) drawing what :mod:`neurotrace.analysis`
computes. The colours are fixed across the whole book (:mod:`neurotrace.palette`):
``ROLE_COLORS`` for causal / decoy / other features (Okabe-Ito blue and vermillion, neutral
grey) and ``method_style(name)`` for methods, in registry order, so a method keeps its colour
on every page. Fonts are sized for a projector (:mod:`neurotrace.book_figure`): every figure is
at most ``COLUMN_INCHES`` wide at ``STYLE``'s 100 dpi, so in the book's text column (about 755 px
in a 1024 px window) no text falls below about 12 px. Titles and captions name a setting and a
failure as :mod:`neurotrace.labels` does; :func:`importances` is :mod:`neurotrace.rank_strips`'
picture. The palette and the style are re-exported here (``import X as X``): a figure module
imports the book's look from ``neurotrace.plots``.

Needs the ``[book]`` extra (matplotlib); the core library never imports this module.
"""

from __future__ import annotations

import functools

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from ._rng import make_rng
from .analysis import (
    confounded_picture,
    data_links,
    default_data,
    feature_roles,
    first_order_error,
    first_order_patches,
    ig_completeness,
    path_integrals,
    resample_patches,
    steepest_feature,
    strength_changes,
    suppressor_picture,
    switch_moves,
    unit_kinds,
    weight_reach,
)
from .book_figure import COLUMN_INCHES, STYLE, BookFigure
from .book_figure import figure_png as figure_png
from .circuits import CIRCUITS, switch_share
from .claims import FOOLED_BELOW, scientific
from .labels import failure_kind, feature_names, listing_of, strength_phrase, strength_word
from .methods import METHODS
from .palette import BASELINE_COLOR as BASELINE_COLOR
from .palette import (
    CHANGE_COLOR,
    DATA_LINK_COLOR,
    METHOD_COLORS,
    ROLE_COLORS,
    UNIT_COLORS,
    method_style,
    role_legend_handles,
)
from .palette import METHOD_LINESTYLES as METHOD_LINESTYLES
from .palette import ROLE_INK as ROLE_INK
from .palette import ROLE_LABELS as ROLE_LABELS
from .palette import TIE_EDGE as TIE_EDGE
from .palette import TIE_FILL as TIE_FILL
from .rank_strips import RankStrips


def _styled(fn):
    """Build the figure inside ``STYLE`` so fonts and spines match on every page."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def _signed(value: float, digits: int = 2) -> str:
    """``+0.00`` rather than ``-0.00`` for a value that rounds to zero."""
    return f"{round(float(value), digits) + 0.0:+.{digits}f}"


def _grid(n: int, ncols: int):
    ncols = max(1, min(ncols, n))
    return -(-n // ncols), ncols


def importances(results, *, title: str | None = None) -> Figure:
    """Every method's ranking of the features (one circuit, seed 0): see :class:`RankStrips`."""
    strips = RankStrips(results.methods, results.importances.shape[-1], title=title, dpi=100)
    return strips.update(results)


# --- AUROC bars ------------------------------------------------------------------------------------


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
            listing = listing_of(circuit, method)
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
    at = strength_phrase(results.circuits, results.strength)
    key = [text for listing, text in (("target", "hatched: its target"), ("listed", "dotted: also listed"))
           if listing in shown]
    fig.suptitle(title or f"Mean AUROC ± s.e. over {results.seeds} seeds{', ' + at if at else ''}\n"
                          f"({'; '.join(key + ['dashed: chance'])})", fontweight="bold")
    fig.alt = (f"Bar chart of each method's mean AUROC over {results.seeds} seeds{', ' + at if at else ''}, "
               "with its standard error, against chance at 0.5. " + _auroclisting_of(results))
    return fig


def _auroclisting_of(results) -> str:
    """Every cell of ``results`` in words, regime by regime, the listed failures marked (for alt text)."""
    mean = results.mean()
    parts = []
    for j, regime in enumerate(results.circuits):
        cells = [f"{m} {mean[i, j]:.2f}" + {"target": " (its target)", "listed": " (also listed)"}.get(
            listing_of(regime, m) or "", "") for i, m in enumerate(results.methods)]
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
            listing = listing_of(circuit, method)
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
    at = strength_phrase(results.circuits, results.strength)
    fig.suptitle(title or f"Mean AUROC over {results.seeds} seeds{', ' + at if at else ''}\n"
                          "(framed: the regime's target; dashed frame: another failure it lists)", fontweight="bold")
    fig.alt = (f"Grid of mean AUROC over {results.seeds} seeds{', ' + at if at else ''}, methods in rows and "
               "regimes in columns, shaded from chance (0.5) to a recovered circuit (1). " + _auroclisting_of(results))
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
    reads = weight_reach(circuit)
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

UNIT_LABELS = {"core": "unit of the causal core", "decoy": "unit reading a decoy",
               "other": "unit reading noise", "idle": "unit with output weight 0"}
_UNIT_PLURALS = {"core": "Units of the causal core", "decoy": "Units reading a decoy",
                 "other": "Units reading noise", "idle": "Units with output weight 0"}
NETWORK_INCHES = 8.0  # narrower than the column: shown near full size, its labels stay legible projected
DATA_LINK_LABEL = "generated from, in the data (not a weight)"
CHANGE_LABEL = "changes with the strength"


def data_link_arrows(ax, x, y, links, changed, *, arm: int, spread: int) -> None:
    """The data's links on a network diagram: for each ``(i, j)`` of ``links``
    (:func:`neurotrace.analysis.data_links`, feature ``i`` generated from ``j``), a dotted bracket
    from node ``j`` at ``(x[j], y[j])`` to node ``i``, out to the left of the input column, the
    ``k``-th ``arm + spread * k`` points long (nested); a yellow halo under it where
    ``changed[i, j]`` (the strength changes that link). The level's diagram (features, or the
    edge level's inputs) passes its own node positions."""
    from matplotlib.patches import FancyArrowPatch

    for k, (i, j) in enumerate(links):
        length = arm + spread * k
        style = f"arc,angleA=180,angleB=180,armA={length},armB={length},rad=5"
        if changed[i, j]:
            ax.add_patch(FancyArrowPatch((x[j], y[j]), (x[i], y[i]), connectionstyle=style, arrowstyle="-",
                                         color=CHANGE_COLOR, linewidth=6, alpha=0.9, zorder=1, shrinkA=9,
                                         shrinkB=9))
        ax.add_patch(FancyArrowPatch((x[j], y[j]), (x[i], y[i]), connectionstyle=style, arrowstyle="-|>",
                                     mutation_scale=12, color=DATA_LINK_COLOR, linewidth=1.4, linestyle=(0, (2, 2)),
                                     zorder=2, shrinkA=9, shrinkB=9))


def network_legend(fig, handles, *, links: bool, changed: bool, **options) -> None:
    """A network diagram's legend, two columns under the figure: ``handles`` (its nodes and edges),
    then the data's links (:func:`data_link_arrows`) where ``links`` and the yellow halo where
    ``changed``, as every level's diagram draws them. ``options``: ``fig.legend``'s spacing and
    font size."""
    from matplotlib.lines import Line2D

    handles = list(handles)
    if links:
        handles.append(Line2D([], [], color=DATA_LINK_COLOR, linestyle=(0, (2, 2)), linewidth=1.4,
                              label=DATA_LINK_LABEL))
    if changed:
        handles.append(Line2D([], [], color=CHANGE_COLOR, linewidth=7, label=CHANGE_LABEL))
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False, **options)


def network_heading(circuit, word: str | None) -> str:
    """A network diagram's title line: ``"The suppressor network (seed 0, decoy strength 1.00)"``;
    ``word``: how its regime names the strength, ``None`` for none (the control, an unregistered circuit)."""
    at = f"seed {circuit.seed}" + (f", {word} {circuit.strength:.2f}" if word else "")
    return f"The {circuit.name} network ({at})"


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
    links = data_links(circuit)
    data_link_arrows(ax, np.full(d, x_in), y_in, links, changes["mixing"], arm=20, spread=8)
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
    network_legend(fig, handles, links=bool(links), changed=changes["units"].any() or changes["features"].any(),
                   fontsize=13, handletextpad=0.4, columnspacing=1.2)
    import textwrap

    summary = strength_summary(circuit, changes)
    head = network_heading(circuit, strength_word(circuit.name) if circuit.name in CIRCUITS else None)
    fig.suptitle(title or head + "\n" + textwrap.fill(summary[0].upper() + summary[1:], 60), fontweight="bold",
                 fontsize=15)
    fig.alt = network_alt_text(circuit, changes)
    return fig


def network_alt_text(circuit, changes=None) -> str:
    """A sentence-by-sentence description of :func:`network`'s diagram, for its alt text."""
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
    links = data_links(circuit)
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
    change, total = ig_completeness(circuit, X, baseline=base, steps=steps)
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


def sweep_panel(ax, strengths, mean, band, method: str, style: dict, listing: str | None) -> None:
    """One method's small panel of AUROC against strength, as :func:`sweep_curves` draws each.

    ``mean (k,)`` over the seeds at each of the ``k`` strengths (line), ``band = (low, high)``: the
    middle 80% of seeds (shaded), chance (dashed) and the tuned strength 1 (thin vertical), in the
    method's ``style`` (:func:`~neurotrace.palette.method_style`). ``listing``: ``"target"`` or
    ``"listed"`` when the regime's ``fools`` lists the method (:func:`~neurotrace.labels.listing_of`),
    which tints the panel (stronger for the target, named in its title), else ``None``.
    """
    low, high = band
    if listing:  # pale vermillion: a planted failure; stronger for the regime's target
        ax.set_facecolor("#F7CDB5" if listing == "target" else "#FBE3D6")
    ax.axhline(0.5, color="black", linewidth=0.8, linestyle="--", alpha=0.6)
    ax.axvline(1.0, color="black", linewidth=0.8, alpha=0.3)
    ax.fill_between(strengths, low, high, color=style["color"], alpha=0.25, linewidth=0)
    ax.plot(strengths, mean, linewidth=2.4, **style)
    ax.set_title(method + (" (target)" if listing == "target" else ""), fontsize=13,
                 fontweight="bold" if listing == "target" else "normal")
    ax.set_ylim(0.3, 1.05)
    ax.set_yticks([0.5, 0.75, 1.0])


def sweep_grid(sweep, *, ncols: int, height: float, registry, listing, ylabel: str, xlabel: str):
    """The small multiples of a sweep figure, at either level: one :func:`sweep_panel` per method of
    ``sweep`` (its colour ``method_style(method, registry)``, its tint ``listing(regime, method)``), ``ncols`` a row,
    ``ylabel`` down the left, ``xlabel`` under the bottom panel of each column; ``height``: the
    inches above and below the panels (titles). Returns ``(fig, axes)``, the unused axes hidden."""
    mean = sweep.mean()
    low, high = sweep.band()
    m = len(sweep.methods)
    nrows, ncols = _grid(m, ncols)
    fig = BookFigure(figsize=(min(COLUMN_INCHES, 3.0 * ncols + 0.7), 1.95 * nrows + height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    for ax in axes[m:]:
        ax.set_visible(False)
    for i, (ax, method) in enumerate(zip(axes, sweep.methods, strict=False)):
        sweep_panel(ax, sweep.strengths, mean[i], (low[i], high[i]), method, method_style(method, registry),
                    listing(sweep.circuit, method))
    for ax in axes[::ncols]:
        ax.set_ylabel(ylabel)
    for k, ax in enumerate(axes[:m]):
        if k + ncols >= m:
            ax.set_xlabel(xlabel)
            ax.xaxis.set_tick_params(labelbottom=True)
    return fig, axes


def sweep_alt_lines(sweep, listing) -> str:
    """Each method's curve of ``sweep`` in words, for a sweep figure's alt text: its mean at the
    first and last strengths, where it first falls below ``claims.FOOLED_BELOW``, and whether the
    regime lists it (``listing(regime, method)``)."""
    mean = sweep.mean()
    grid = np.asarray(sweep.strengths, dtype=float)
    lines = []
    for i, method in enumerate(sweep.methods):
        below = np.flatnonzero(mean[i] < FOOLED_BELOW)
        mark = {"target": " (the target)", "listed": " (listed)"}.get(listing(sweep.circuit, method) or "", "")
        where = f", below {FOOLED_BELOW:g} from {grid[below[0]]:g}" if len(below) else ""
        lines.append(f"{method}{mark} {mean[i, 0]:.2f} at {grid[0]:g}{where}, {mean[i, -1]:.2f} at {grid[-1]:g}")
    return "; ".join(lines)


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
    word = strength_word(sweep.circuit)
    fig, axes = sweep_grid(sweep, ncols=ncols, height=1.0, registry=METHODS, listing=listing_of, ylabel="AUROC",
                           xlabel=word or "strength (no effect)")
    free = axes[len(sweep.methods):]
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
    fig.alt = (f"Small line charts, one per method, of the mean AUROC on {name} over {sweep.seeds} seeds against "
               f"the {word or 'strength'} from {grid[0]:g} to {grid[-1]:g}: " + sweep_alt_lines(sweep, listing_of)
               + ".")
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


def wide_auroc_table(results, *, title: str | None = None) -> Figure:
    """:func:`auroc_table` at the text column's full width (``COLUMN_INCHES``): for rows with long names,
    such as the Captum chapter's (``neurotrace.torch.captum_table``), whose labels would otherwise
    squeeze the regimes' columns until their names overlap."""
    fig = auroc_table(results, title=title)
    fig.set_size_inches(COLUMN_INCHES, fig.get_size_inches()[1])
    return fig
