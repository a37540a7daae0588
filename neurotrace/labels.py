"""How the figures, sliders and captions name a setting and a failure.

A regime's strength is a "decoy strength" where it plants a decoy, a "strength" where it rewires
the causal features, and nothing at all for the control (:func:`strength_word`,
:func:`setting_label`). A method below ``claims.FOOLED_BELOW`` fails in one of four ways
(:data:`FAILURE_KINDS`, :func:`failure_kind`): the regime's target, another failure the regime
lists (:func:`listing_of`), the random baseline, or a failure the regime does not list. Everything is
read off the registries, and serves both levels: a feature-level regime is looked up in ``CIRCUITS``
with its methods in ``METHODS``, an edge-level one in ``deep.EDGE_CIRCUITS`` with its methods in
``discovery.EDGE_METHODS`` (:func:`level_of`); no plotting. The kinds of failure are computed in
:mod:`neurotrace.claims.expectations`, which holds the threshold, and named here.
"""

from __future__ import annotations

# The kinds of failure are the claims' (they read the threshold); the words for them live here too.
from .claims.expectations import FAILURE_KINDS as FAILURE_KINDS
from .claims.expectations import failure_kind as failure_kind
from .claims.expectations import level_of as level_of
from .claims.expectations import listing_of as listing_of


def feature_names(circuit) -> list[str]:
    """``["f0", "f1", ...]``: the name of each of ``circuit``'s features, as every figure writes it."""
    return [f"f{j}" for j in range(circuit.n_features)]


def strength_word(regime: str) -> str | None:
    """How to name ``regime``'s strength: ``"decoy strength"`` where it plants a decoy feature,
    ``"strength"`` where it rewires the causal features (the switch regimes: the gate's share) and
    for every edge-level regime (a deep circuit has no decoy features), ``None`` where it changes
    nothing (``Regime.complete == 0``: the control)."""
    regimes, _ = level_of(regime)
    if regimes[regime].is_control:
        return None
    decoy = getattr(regimes[regime](), "decoy", None)
    return "decoy strength" if decoy is not None and decoy.any() else "strength"


def setting_label(regime: str, strength: float) -> str:
    """``"confounded, decoy strength 1.00"``, ``"redundant, strength 0.25"``, ``"clean (control)"``,
    ``"backup_path, strength 1.00"``."""
    word = strength_word(regime)
    return f"{regime} (control)" if word is None else f"{regime}, {word} {strength:.2f}"


def strength_phrase(regimes, strength: float) -> str:
    """The strength of a figure over several regimes, named as its regimes name it ("" if none has one)."""
    words = {strength_word(r) for r in regimes} - {None}
    if not words:
        return ""
    return f"{'decoy strength' if words == {'decoy strength'} else 'strength'} {strength:g}"
