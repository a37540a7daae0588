"""Activation functions and their derivatives: ``name -> (phi, dphi)``.

``dphi`` takes the pre-activation ``z`` (not ``phi(z)``) so every pair has one signature.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(z):
    # tanh form: no overflow warning for large |z|, unlike 1 / (1 + exp(-z)).
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _dsigmoid(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _dtanh(z):
    t = np.tanh(z)
    return 1.0 - t * t


ACTIVATIONS = {
    "tanh": (np.tanh, _dtanh),
    "sigmoid": (_sigmoid, _dsigmoid),
    # The derivative at exactly 0 is taken as 0, like torch.
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "linear": (lambda z: np.asarray(z, dtype=float), lambda z: np.ones_like(z, dtype=float)),
}
