"""How the figures, sliders and captions name a setting and a failure.

A regime's strength is a "decoy strength" where it plants a decoy, a "strength" where it rewires
the causal features, and nothing at all for the control (:func:`strength_word`,
:func:`setting_label`). A method below ``claims.FOOLED_BELOW`` fails in one of four ways
(:data:`FAILURE_KINDS`, :func:`failure_kind`): the regime's target, another failure the regime
lists (:func:`listing_of`), the random baseline, or a failure the regime does not list. Everything is
read off the registries (``CIRCUITS``, ``METHODS``); no plotting.
"""

from __future__ import annotations

from .circuits import CIRCUITS, make_circuit
from .claims import FOOLED_BELOW
from .methods import METHODS


def feature_names(circuit) -> list[str]:
    """``["f0", "f1", ...]``: the name of each of ``circuit``'s features, as every figure writes it."""
    return [f"f{j}" for j in range(circuit.n_features)]


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
    otherwise (read from the registry, nothing is built), else ``None``."""
    fools = CIRCUITS[regime].fools
    if method not in fools:
        return None
    return "target" if method == CIRCUITS[regime].target else "listed"


def failure_kind(regime: str, method: str, auroc: float) -> str | None:
    """``None`` when ``auroc`` is not below ``claims.FOOLED_BELOW``; else which kind of failure
    (a key of ``FAILURE_KINDS``): the regime's target (``CIRCUITS[regime].target``), another
    method its ``fools`` lists (a side effect such as saturation), the random baseline, or a
    failure the regime does not list."""
    if not auroc < FOOLED_BELOW:
        return None
    listed = listing_of(regime, method)
    if listed:
        return listed
    if method in METHODS and METHODS[method].family == "baseline":
        return "baseline"
    return "not listed"
