"""Cross-check the analytic numpy code against torch autograd (float64) and Captum.

The torch model is written here, inline, independent of ``neurotrace.torch``: if both agree,
neither copies the other's mistake. Skipped when torch is absent (the ``[torch]`` extra).
"""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt

# Why these tests skip, and how to run them (torch and captum are the optional [torch] extra).
TORCH_MISSING = ("torch/captum are not installed (the optional [torch] extra). To run these tests, from the "
                 "clone: python -m pip install -e \".[torch]\" (a CPU build of torch is enough), then "
                 "python -m pytest tests/test_torch.py tests/test_torch_crosscheck.py")
torch = pytest.importorskip("torch", reason=TORCH_MISSING)

TORCH_ACTIVATIONS = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "linear": lambda z: z,
}
SEEDS = (0, 3, 11)
STRENGTHS = (0.0, 0.5, 1.0, 2.5)
TOL = 1e-10


def torch_phi(circuit):
    if circuit.activation not in TORCH_ACTIVATIONS:
        pytest.fail(f"activation {circuit.activation!r} has no torch counterpart in this test: add one")
    return TORCH_ACTIVATIONS[circuit.activation]


def torch_forward(circuit, X):
    """``y = v . phi(W x + b)`` in torch float64: ``X (n, n_features) tensor -> (n,)``."""
    W, b, v = (torch.tensor(np.asarray(a), dtype=torch.float64) for a in (circuit.W, circuit.b, circuit.v))
    return torch_phi(circuit)(X @ W.T + b) @ v


def torch_forward_and_gradient(circuit, X):
    """Forward values and input gradients by autograd; samples are independent, so d(sum y)/dX."""
    Xt = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    y = torch_forward(circuit, Xt)
    (grad,) = torch.autograd.grad(y.sum(), Xt)
    return y.detach().numpy(), grad.numpy()


def inputs(circuit, seed, n=256):
    """The circuit's own data plus far-out points where tanh gates saturate."""
    X = circuit.sample(n, nt.make_rng("data", seed))
    far = 6.0 * nt.make_rng("tests", "far", seed).standard_normal((16, circuit.n_features))
    return np.vstack([X, far])


@pytest.mark.parametrize("name", sorted(nt.CIRCUITS))
@pytest.mark.parametrize("strength", STRENGTHS)
@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_and_forward_match_autograd(name, strength, seed):
    c = nt.make_circuit(name, strength=strength, seed=seed)
    X = inputs(c, seed)
    y, grad = torch_forward_and_gradient(c, X)
    np.testing.assert_allclose(c.forward(X), y, rtol=0, atol=TOL)
    np.testing.assert_allclose(c.gradient(X), grad, rtol=0, atol=TOL)


@pytest.mark.parametrize("activation", sorted(nt.ACTIVATIONS))
def test_every_activation_matches_autograd(tiny, activation):
    c = tiny([[1.5, -0.7, 0.0], [0.3, 0.9, -2.0]], b=[0.2, -0.1], v=[1.0, -0.6], activation=activation)
    X = np.vstack([nt.make_rng("tests", "act").standard_normal((64, 3)),
                   [[0.0, 0.0, 0.0], [0.1 / 1.5, 0.0, 0.0]]])  # includes pre-activations of exactly 0
    y, grad = torch_forward_and_gradient(c, X)
    np.testing.assert_allclose(c.forward(X), y, rtol=0, atol=TOL)
    np.testing.assert_allclose(c.gradient(X), grad, rtol=0, atol=TOL)


# Captum (Saliency, IntegratedGradients for every rule, FeatureAblation, InputXGradient) is
# compared with neurotrace in tests/test_torch.py, through neurotrace.torch.to_module; this
# file keeps the bridge-free check: an autograd model written here, independent of the package.
