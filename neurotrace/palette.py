"""The book's colours, written once: features by role, methods by registry position, and the few
marks the figures share.

Roles (:func:`neurotrace.analysis.feature_roles`): causal and decoy features take Okabe-Ito blue and
vermillion, every other feature a neutral grey, so a reader who cannot tell red from green still
tells them apart. ``method_style(name)`` gives a method the same colour and line style on every
page. The figures (:mod:`neurotrace.plots`, :mod:`neurotrace.rank_strips`) and the sliders
(:mod:`neurotrace.widgets`) draw with these; :mod:`neurotrace.plots` re-exports them.

Needs the ``[book]`` extra (matplotlib, for the legend patches); the core library never imports it.
"""

from __future__ import annotations

from matplotlib.patches import Patch

from .methods import METHODS

# Okabe & Ito (2008), the colour-blind-safe palette; grey for the features that are neither.
ROLE_COLORS = {"causal": "#0072B2", "decoy": "#D55E00", "other": "#B0B0B0"}
ROLE_LABELS = {"causal": "causal (the true circuit)", "decoy": "decoy (planted)", "other": "other (noise)"}

# Method colours: the Okabe-Ito hues not taken by the roles, then Paul Tol's muted ones (also
# colour-blind safe); line styles cycle on top, so a long registry keeps every pair distinct.
METHOD_COLORS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#8C6D00", "#AA4499", "#44AA99",
                 "#882255")
METHOD_LINESTYLES = ("-", "--", "-.", ":")
BASELINE_COLOR = "#808080"

# The rank strips (:mod:`neurotrace.rank_strips`): a tie of mixed roles, and role-coloured text on white.
TIE_FILL = "#FFFFFF"  # a tie of mixed roles: white, so the role-coloured names inside read
TIE_EDGE = "#303030"
ROLE_INK = {"causal": ROLE_COLORS["causal"], "decoy": "#B84A00", "other": "#505050"}  # text on white

# The network diagram (:func:`neurotrace.plots.network`): hidden units by kind
# (:func:`neurotrace.analysis.unit_kinds`), what the strength changes, and a link in the data.
UNIT_COLORS = {"core": ROLE_COLORS["causal"], "decoy": ROLE_COLORS["decoy"], "other": ROLE_COLORS["other"],
               "idle": "#FFFFFF"}
CHANGE_COLOR = "#F0E442"  # Okabe-Ito yellow: a halo behind what the strength changes
DATA_LINK_COLOR = "#6E6E6E"


def role_legend_handles(roles=("causal", "decoy", "other")) -> list:
    """Legend patches for ``roles``, each in its colour with its label (``ROLE_LABELS``)."""
    return [Patch(facecolor=ROLE_COLORS[r], label=ROLE_LABELS[r]) for r in roles]


def method_style(method: str, registry=METHODS) -> dict:
    """``color`` and ``linestyle`` of a method: fixed by its position in ``registry`` (``METHODS``;
    the edge level passes ``EDGE_METHODS``), a baseline grey and dotted."""
    if method in registry and registry[method].family == "baseline":
        return {"color": BASELINE_COLOR, "linestyle": ":"}
    others = [m for m in registry if registry[m].family != "baseline"]
    k = others.index(method) if method in others else len(others)
    return {"color": METHOD_COLORS[k % len(METHOD_COLORS)],
            "linestyle": METHOD_LINESTYLES[(k // len(METHOD_COLORS)) % len(METHOD_LINESTYLES)]}
