"""Cross-check the analytic numpy code against torch autograd (float64) and Captum.

The torch model is written here, inline, independent of ``neurotrace.torch``: if both agree,
neither copies the other's mistake. Skipped when torch is absent (the ``[torch]`` extra).
"""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt

torch = pytest.importorskip("torch")

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


# --- Captum: the same numbers from a reference implementation --------------------------------


@pytest.fixture(scope="module")
def captum_attr():
    return pytest.importorskip("captum.attr")


def captum_model(circuit):
    return lambda X: torch_forward(circuit, X)


@pytest.mark.parametrize("name", sorted(nt.CIRCUITS))
def test_integrated_gradients_match_captum_gauss_legendre(captum_attr, name):
    c = nt.make_circuit(name, seed=2)
    X = c.sample(64, nt.make_rng("data", 2))
    ig = captum_attr.IntegratedGradients(captum_model(c)).attribute(
        torch.tensor(X), baselines=torch.zeros(1, c.n_features, dtype=torch.float64),
        n_steps=50, method="gausslegendre")
    # Same nodes and weights; Captum multiplies by the weights cast to float32
    # (captum/attr/_core/integrated_gradients.py: torch.tensor(step_sizes).float()), so agreement
    # is to float32 precision, not 1e-10.
    np.testing.assert_allclose(nt.integrated_gradients(c, X, steps=50), ig.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("rule", ["riemann_left", "riemann_middle", "riemann_right", "riemann_trapezoid"])
def test_riemann_rules_match_captum(tiny, captum_attr, rule):
    c = tiny([[1.5, -2.0, 0.5], [0.7, 1.0, -1.2]], b=[0.3, -0.4], v=[1.2, -0.8], activation="tanh")
    X = nt.make_rng("tests", "riemann").standard_normal((32, 3))
    steps = 20
    ours = nt.integrated_gradients(c, X, steps=steps, rule=rule)
    theirs = captum_attr.IntegratedGradients(captum_model(c)).attribute(
        torch.tensor(X), baselines=torch.zeros(1, 3, dtype=torch.float64), n_steps=steps, method=rule).numpy()
    if rule == "riemann_trapezoid":
        # Documented difference: Captum's trapezoid weights are 1/steps (summing to
        # (steps-1)/steps); ours are the textbook 1/(steps-1).
        ours = ours * (steps - 1) / steps
    # Captum builds Riemann nodes with torch.linspace and weights in float32: float32 agreement.
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(nt.CIRCUITS))
def test_gradient_and_zero_patching_match_captum(captum_attr, name):
    c = nt.make_circuit(name, seed=1)
    X = c.sample(64, nt.make_rng("data", 1))
    Xt, model = torch.tensor(X), captum_model(c)
    saliency = captum_attr.Saliency(model).attribute(Xt.clone().requires_grad_(True))  # |grad| by default
    np.testing.assert_allclose(nt.attribute("gradient", c, X), saliency.numpy().mean(axis=0), rtol=0, atol=TOL)
    # FeatureAblation replaces each feature by the baseline (0) and reports f(x) - f(ablated).
    ablation = captum_attr.FeatureAblation(model).attribute(Xt, baselines=0.0)
    np.testing.assert_allclose(nt.attribute("patching", c, X, corruption="zero"),
                               np.abs(ablation.numpy()).mean(axis=0), rtol=0, atol=TOL)
