"""Neuron-level attribution: which hidden units carry the circuit?

The ground truth is ``Circuit.hidden_causal``: the units whose output weight is non-zero
and that read the causal features (idle units and the suppressor's gate pair are not
causal: the gates cancel as a pair). Each method here scores every hidden unit and
returns ``(n_hidden,)``; ``evaluate(..., level="hidden")`` scores them with AUROC, like the
input-level methods.

Because the output is linear in the hidden activations, ``y = v . h``, the unit-level
quantities are exact and cheap: the gradient of y with respect to ``h_u`` is ``v_u``, and
patching unit u changes y by exactly ``v_u (h_u' - h_u)``.

Where the stories differ: each suppressor gate alone moves the output a lot -- only the
pair cancels -- so unit patching and the unit gradient rank the gates above the causal
units, while input-level patching of the decoy feature (which moves both gates at once)
correctly finds no effect.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_choice
from ._rng import make_rng
from .methods import CORRUPTIONS, Method, abs_correlation, derangements


def _random(circuit, H, y, rng):
    return rng.uniform(size=circuit.n_hidden)


def unit_correlation(circuit, H, y, rng=None):
    """``|corr(h_u, y)|`` over the samples; a constant unit scores 0."""
    return abs_correlation(H, y)


def unit_gradient(circuit, H, y, rng=None):
    """Mean ``|dy/dh_u|`` -- exactly ``|v_u|`` at every sample, since y is linear in h."""
    return np.abs(circuit.v).astype(float)


def unit_activation_x_gradient(circuit, H, y, rng=None):
    """Mean ``|h_u * dy/dh_u|`` = mean ``|v_u h_u|``: the unit's direct contribution to y."""
    return np.abs(H * circuit.v).mean(axis=0)


def unit_patching(circuit, H, y, rng=None, *, corruption: str = "resample"):
    """Activation patching of one unit: mean ``|v_u (h_u' - h_u)|``.

    ``h_u'`` is the unit's activation on another sample (``"resample"``, a derangement per
    unit), its mean (``"mean"``) or 0 (``"zero"``, zero-ablation).
    """
    check_choice(corruption, CORRUPTIONS, "corruption")
    if corruption == "zero":
        patched = np.zeros_like(H)
    elif corruption == "mean":
        patched = np.broadcast_to(H.mean(axis=0), H.shape)
    else:
        patched = np.take_along_axis(H, derangements(len(H), H.shape[1], rng), axis=0)
    return np.abs((patched - H) * circuit.v).mean(axis=0)


HIDDEN_METHODS = {
    m.name: m
    for m in (
        Method("random", _random, "baseline", "uniform random scores per unit", "hidden"),
        Method("correlation", unit_correlation, "proxy", "|corr(h_u, y)|", "hidden"),
        Method("gradient", unit_gradient, "proxy", "|dy/dh_u| = |v_u|", "hidden"),
        Method("activation_x_gradient", unit_activation_x_gradient, "proxy", "mean |v_u h_u|", "hidden"),
        Method("patching", unit_patching, "causal", "mean |v_u (h_u' - h_u)|: patch one unit", "hidden"),
    )
}


def attribute_hidden(method: str, circuit, X, *, rng=None, **options) -> np.ndarray:
    """Importances ``(n_hidden,)`` of a hidden-unit ``method`` at samples ``X (n, n_features)``."""
    check_choice(method, HIDDEN_METHODS, "hidden-unit method")
    X = circuit._check_X(X)
    H = circuit.hidden(X)
    rng = make_rng("attribute_hidden", method, 0) if rng is None else rng
    scores = np.asarray(HIDDEN_METHODS[method].fn(circuit, H, H @ circuit.v, rng, **options), dtype=float)
    if scores.shape != (circuit.n_hidden,):
        raise ValueError(f"hidden-unit method {method!r} returned shape {scores.shape}; "
                         f"expected ({circuit.n_hidden},)")
    return scores
