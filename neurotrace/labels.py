"""How the figures, sliders and captions name a setting and a failure.

A regime's strength is a "decoy strength" where it plants a decoy, a "strength" where it rewires
the causal features, and nothing at all for the control (:func:`strength_word`,
:func:`setting_label`). A method below ``claims.FOOLED_BELOW`` fails in one of four ways
(:data:`FAILURE_KINDS`, :func:`failure_kind`): the regime's target, another failure the regime
lists (:func:`listing_of`), the random baseline, or a failure the regime does not list. Everything is
read off the registries, and serves both levels: a feature-level regime is looked up in ``CIRCUITS``
with its methods in ``METHODS``, an edge-level one in ``deep.EDGE_CIRCUITS`` with its methods in
``discovery.EDGE_METHODS`` (:func:`level_of`); no plotting.
"""

from __future__ import annotations

from .circuits import CIRCUITS
from .claims.expectations import FOOLED_BELOW
from .deep import EDGE_CIRCUITS
from .discovery import EDGE_METHODS
from .methods import METHODS


def feature_names(circuit) -> list[str]:
    """``["f0", "f1", ...]``: the name of each of ``circuit``'s features, as every figure writes it."""
    return [f"f{j}" for j in range(circuit.n_features)]


def level_of(regime: str) -> tuple[dict, dict]:
    """``(regimes, methods)``: the registries ``regime`` belongs to -- ``(CIRCUITS, METHODS)`` for a
    feature-level regime, ``(EDGE_CIRCUITS, EDGE_METHODS)`` for an edge-level one (a name in both is
    the feature level's). An unknown name raises ``KeyError``, as a registry does."""
    if regime not in CIRCUITS and regime in EDGE_CIRCUITS:
        return EDGE_CIRCUITS, EDGE_METHODS
    return CIRCUITS, METHODS


def strength_word(regime: str) -> str | None:
    """How to name ``regime``'s strength: ``"decoy strength"`` where it plants a decoy feature,
    ``"strength"`` where it rewires the causal features (the switch regimes: the gate's share) and
    for every edge-level regime (a deep circuit has no decoy features), ``None`` where it changes
    nothing (``Regime.complete == 0``: the control)."""
    regimes, _ = level_of(regime)
    if regimes[regime].complete == 0.0:
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


FAILURE_KINDS = {
    "target": "the regime's target",
    "listed": "a failure the regime also lists",
    "not listed": "a failure the regime does not list",
    "baseline": "the baseline",
}
"""Why a method sits below ``claims.FOOLED_BELOW``, in a word (the key) and a phrase (the value)."""


def listing_of(regime: str, method: str) -> str | None:
    """``"target"`` if ``method`` is ``regime``'s target, ``"listed"`` if its ``fools`` lists it
    otherwise (read from the registry, nothing is built), else ``None``. Either level."""
    entry = level_of(regime)[0][regime]
    if method not in entry.fools:
        return None
    return "target" if method == entry.target else "listed"


def failure_kind(regime: str, method: str, auroc: float) -> str | None:
    """``None`` when ``auroc`` is not below ``claims.FOOLED_BELOW``; else which kind of failure
    (a key of ``FAILURE_KINDS``): the regime's target (``CIRCUITS[regime].target``), another
    method its ``fools`` lists (a side effect such as saturation), the random baseline, or a
    failure the regime does not list. Either level: ``auroc`` is an edge AUROC for an edge-level
    regime, and the baseline is looked up among the edge methods."""
    if not auroc < FOOLED_BELOW:
        return None
    listed = listing_of(regime, method)
    if listed:
        return listed
    methods = level_of(regime)[1]
    if method in methods and methods[method].family == "baseline":
        return "baseline"
    return "not listed"
