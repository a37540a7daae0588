"""Activations: closed-form values, derivatives against finite differences, no overflow."""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt

# Points away from relu's kink at 0, where the one-sided slopes differ.
Z = np.array([-30.0, -3.0, -1.0, -0.25, 0.3, 1.0, 2.5, 30.0])


def test_required_activations_are_registered():
    assert {"tanh", "sigmoid", "relu", "linear"} <= set(nt.ACTIVATIONS)


def test_closed_form_values():
    tanh, _ = nt.ACTIVATIONS["tanh"]
    sigmoid, dsigmoid = nt.ACTIVATIONS["sigmoid"]
    relu, drelu = nt.ACTIVATIONS["relu"]
    linear, dlinear = nt.ACTIVATIONS["linear"]
    z = np.array([-2.0, 0.0, 1.0])
    np.testing.assert_allclose(tanh(z), [np.tanh(-2.0), 0.0, np.tanh(1.0)])
    np.testing.assert_allclose(sigmoid(z), [1 / (1 + np.e**2), 0.5, 1 / (1 + np.e**-1)], rtol=1e-14)
    assert dsigmoid(np.array([0.0]))[0] == 0.25
    np.testing.assert_array_equal(relu(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(drelu(z), [0.0, 0.0, 1.0])  # slope at exactly 0 is 0, as in torch
    np.testing.assert_array_equal(linear(z), z)
    np.testing.assert_array_equal(dlinear(z), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("name", sorted(nt.ACTIVATIONS))
def test_derivative_matches_central_difference(name):
    phi, dphi = nt.ACTIVATIONS[name]
    h = 1e-6
    numeric = (phi(Z + h) - phi(Z - h)) / (2 * h)
    np.testing.assert_allclose(dphi(Z), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(nt.ACTIVATIONS))
def test_shapes_preserved_and_float(name):
    phi, dphi = nt.ACTIVATIONS[name]
    z = np.arange(-6.0, 6.0).reshape(3, 4)
    for out in (phi(z), dphi(z)):
        assert out.shape == (3, 4)
        assert out.dtype == np.float64


@pytest.mark.parametrize("name", sorted(nt.ACTIVATIONS))
def test_no_overflow_at_extreme_preactivations(name):
    phi, dphi = nt.ACTIVATIONS[name]
    z = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(all="raise"):  # any overflow/invalid warning becomes an error
        values, slopes = phi(z), dphi(z)
    assert np.all(np.isfinite(slopes))
    if name in ("tanh", "sigmoid"):
        np.testing.assert_allclose(slopes, 0.0, atol=1e-300)
        lo = -1.0 if name == "tanh" else 0.0
        np.testing.assert_array_equal(values, [lo, lo, 1.0, 1.0])
