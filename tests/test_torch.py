"""The PyTorch / Captum bridge: neurotrace's methods against Captum's, per sample and feature.

Skipped where torch or captum is missing; CI installs the ``[torch]`` extra, so it runs there.
Every check runs on every registered circuit, at several seeds, at strength 0 (control) and 1.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys

import numpy as np
import pytest

import neurotrace as nt
from neurotrace.methods import ig_nodes, patch_effects

SEEDS = (0, 1, 2)
STRENGTHS = (0.0, 1.0)
SAMPLES = 96
CASES = [(name, seed, strength) for name in nt.CIRCUITS for seed in SEEDS for strength in STRENGTHS]
# Why these tests skip, and how to run them (torch and captum are the optional [torch] extra).
TORCH_MISSING = ("torch/captum are not installed (the optional [torch] extra). To run these tests, from the "
                 "clone: python -m pip install -e \".[torch]\" (a CPU build of torch is enough), then "
                 "python -m pytest tests/test_torch.py tests/test_torch_crosscheck.py")


@pytest.fixture(scope="module")
def attr():
    """``captum.attr`` (skip the test when torch or captum is not installed)."""
    pytest.importorskip("torch", reason=TORCH_MISSING)
    return pytest.importorskip("captum.attr", reason=TORCH_MISSING)


@pytest.fixture(scope="module")
def bridge(attr):
    import neurotrace.torch as bridge

    return bridge


@pytest.fixture(params=CASES, ids=[f"{n}-seed{s}-strength{st:g}" for n, s, st in CASES])
def case(request):
    """A circuit and samples from its data distribution."""
    name, seed, strength = request.param
    circuit = nt.make_circuit(name, strength=strength, seed=seed)
    return circuit, circuit.sample(SAMPLES, nt.make_rng("data", seed))


@contextlib.contextmanager
def float64_default(torch):
    """Raw Captum calls build Riemann nodes in torch's default dtype: make that float64."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


@contextlib.contextmanager
def registered(name, fn, family):
    """Register a method for the duration of a test, then remove it (no leak into other tests)."""
    nt.register_method(name, fn, family=family)
    try:
        yield
    finally:
        nt.unregister_method(name)


def tensor(bridge, X):
    return bridge.torch.from_numpy(np.array(X, dtype=np.float64))  # a copy: writable


def test_module_computes_forward(bridge, case):
    circuit, X = case
    module = bridge.to_module(circuit)
    y = module(tensor(bridge, X))
    assert y.dtype == bridge.torch.float64 and tuple(y.shape) == (len(X),)
    np.testing.assert_allclose(y.detach().numpy(), circuit.forward(X), rtol=0, atol=1e-12)


def test_module_covers_every_activation(bridge):
    """Swap in each activation: torch's layer must match neurotrace's phi, relu included."""
    base = nt.make_circuit("suppressor", seed=3)
    X = base.sample(SAMPLES, nt.make_rng("data", 3))
    for activation in nt.ACTIVATIONS:
        circuit = nt.Circuit(
            name=base.name, strength=base.strength, W=base.W, b=base.b, v=base.v, activation=activation,
            causal=base.causal, decoy=base.decoy, mixing=base.mixing, hidden_causal=base.hidden_causal,
        )
        y = bridge.to_module(circuit)(tensor(bridge, X)).numpy()
        np.testing.assert_allclose(y, circuit.forward(X), rtol=0, atol=1e-12, err_msg=activation)


def test_saliency_is_the_gradient(attr, bridge, case):
    circuit, X = case
    signed = attr.Saliency(bridge.to_module(circuit)).attribute(tensor(bridge, X).requires_grad_(), abs=False)
    np.testing.assert_allclose(signed.numpy(), circuit.gradient(X), rtol=0, atol=1e-10)
    scores = bridge.captum_method(attr.Saliency)(circuit, X, nt.make_rng("test", 0))
    np.testing.assert_allclose(scores, nt.attribute("gradient", circuit, X), rtol=0, atol=1e-10)


# Nodes depend on the rule only and the path on the baseline only: pairs cover both.
@pytest.mark.parametrize("rule, baseline", [("riemann_left", "per-sample"), ("riemann_middle", "mean"),
                                            ("riemann_right", "zero")])
def test_integrated_gradients_riemann(attr, bridge, case, rule, baseline):
    """2**k steps: Captum's float32 step weights 1/steps are exact, so the two agree to 1e-8."""
    circuit, X = case
    steps = 32
    base = _baseline(circuit, X, baseline)
    ours = nt.ig_attributions(circuit, X, baseline=base, steps=steps, rule=rule)
    with float64_default(bridge.torch):
        theirs = attr.IntegratedGradients(bridge.to_module(circuit)).attribute(
            tensor(bridge, X), baselines=tensor(bridge, np.broadcast_to(base, X.shape)), n_steps=steps, method=rule)
    np.testing.assert_allclose(theirs.numpy(), ours, rtol=0, atol=1e-8)


def test_integrated_gradients_trapezoid(attr, bridge, case):
    """Captum's trapezoid weights are 1/steps (sum (steps-1)/steps); neurotrace's the textbook 1/(steps-1)."""
    circuit, X = case
    steps = 32
    ours = nt.ig_attributions(circuit, X, steps=steps, rule="riemann_trapezoid")
    with float64_default(bridge.torch):
        theirs = attr.IntegratedGradients(bridge.to_module(circuit)).attribute(
            tensor(bridge, X), baselines=0.0, n_steps=steps, method="riemann_trapezoid")
    np.testing.assert_allclose(theirs.numpy(), ours * (steps - 1) / steps, rtol=0, atol=1e-8)


@pytest.mark.parametrize("steps, baseline", [(16, "zero"), (50, "mean")])
def test_integrated_gradients_gauss_legendre(attr, bridge, case, steps, baseline):
    """Same nodes; Captum casts the weights to float32 (``torch.tensor(step_sizes).float()``).

    That rounding is undone explicitly -- sum_k (w32_k - w_k) * gradient(path_k) * (x - x') --
    after which the two agree to 1e-8; the correction itself is below 1e-6.
    """
    circuit, X = case
    base = _baseline(circuit, X, baseline)
    ours = nt.ig_attributions(circuit, X, baseline=base, steps=steps, rule="gausslegendre")
    theirs = attr.IntegratedGradients(bridge.to_module(circuit)).attribute(
        tensor(bridge, X), baselines=tensor(bridge, base[None, :]), n_steps=steps, method="gausslegendre").numpy()
    alphas, weights = ig_nodes(steps, "gausslegendre")
    rounding = weights.astype(np.float32).astype(np.float64) - weights
    path_gradients = sum(r * circuit.gradient(base + a * (X - base)) for a, r in zip(alphas, rounding, strict=True))
    correction = (X - base) * path_gradients
    assert np.abs(correction).max() < 1e-6
    np.testing.assert_allclose(theirs, ours + correction, rtol=0, atol=1e-8)


def test_integrated_gradients_scores_through_the_adapter(attr, bridge, case):
    """``captum_method(IntegratedGradients)`` scores = mean |IG| to Captum's float32-weight precision."""
    circuit, X = case
    fn = bridge.captum_method(attr.IntegratedGradients, n_steps=64, method="riemann_middle")
    scores = fn(circuit, X, nt.make_rng("test", 0))
    expected = nt.attribute("integrated_gradients", circuit, X, steps=64, rule="riemann_middle")
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-8)


def test_feature_ablation_is_mean_patching(attr, bridge, case):
    """Captum reports f(x) - f(x ablated); neurotrace's patch effect is f(x patched) - f(x)."""
    circuit, X = case
    mean = X.mean(axis=0)
    theirs = attr.FeatureAblation(bridge.to_module(circuit)).attribute(
        tensor(bridge, X), baselines=tensor(bridge, mean[None, :])).numpy()
    ours = patch_effects(circuit, X, np.broadcast_to(mean, X.shape))
    np.testing.assert_allclose(theirs, -ours, rtol=0, atol=1e-12)
    scores = bridge.captum_method(attr.FeatureAblation, baselines="mean")(circuit, X, nt.make_rng("test", 0))
    np.testing.assert_allclose(scores, nt.attribute("patching", circuit, X, corruption="mean"), rtol=0, atol=1e-12)


def test_input_x_gradient(attr, bridge, case):
    circuit, X = case
    theirs = attr.InputXGradient(bridge.to_module(circuit)).attribute(tensor(bridge, X).requires_grad_())
    np.testing.assert_allclose(theirs.detach().numpy(), X * circuit.gradient(X), rtol=0, atol=1e-10)
    if "input_x_gradient" in nt.METHODS:
        scores = bridge.captum_method(attr.InputXGradient)(circuit, X, nt.make_rng("test", 0))
        np.testing.assert_allclose(scores, nt.attribute("input_x_gradient", circuit, X), rtol=0, atol=1e-10)


def test_registered_captum_method_is_evaluated_like_a_builtin(attr, bridge):
    """Registered, the adapter gets a row in evaluate() identical to the built-in patching row."""
    fn = bridge.captum_method(attr.FeatureAblation, baselines="mean")
    with registered("captum_ablation", fn, "causal"):
        assert nt.METHODS["captum_ablation"].summary.startswith("mean |Captum FeatureAblation(")
        res = nt.evaluate(seeds=2, samples=64)
    expected = [[nt.auroc(nt.attribute("patching", c, X, corruption="mean"), c.causal)
                 for c, X in _seeded(name, 2, 64)] for name in res.circuits]
    np.testing.assert_allclose(res.auroc[res.methods.index("captum_ablation")], expected, rtol=0, atol=1e-12)
    assert "captum_ablation" not in nt.METHODS


def test_rounding_noise_is_not_scored_as_signal(attr, bridge):
    # FeatureAblation with a mean baseline on `redundant`: knocking a switch to its mean (~0.02)
    # changes no saturated gate, so every true effect is 0; float32/float64 rounding leaves
    # scores up to ~4e-14. They are ties (TIE_FLOOR), not a ranking: chance, on every seed.
    name = "captum_feature_ablation_mean"
    nt.register_method(name, bridge.captum_method(attr.FeatureAblation, baselines="mean"), family="causal")
    try:
        res = nt.evaluate([name, "patching"], "redundant", seeds=8)
    finally:
        nt.unregister_method(name)
    noise = res.importances[0, 0]
    assert noise.max() < 1e-12 and noise.max() > 0  # rounding noise, not exact zeros
    np.testing.assert_array_equal(res.cell(name, "redundant"), 0.5)
    masks = np.broadcast_to(nt.make_circuit("redundant").causal, noise.shape)
    assert nt.auroc_rows(noise, masks, tolerance=0).mean() > 0.55  # exact ranks would score the noise


def test_sampling_methods_are_seeded_by_rng(attr, bridge):
    """Captum's samplers draw from torch's RNG: seeded from ``rng``, and the caller's state kept."""
    torch = bridge.torch
    circuit = nt.make_circuit("suppressor", seed=1)
    X = circuit.sample(32, nt.make_rng("data", 1))
    # A factory for a class whose constructor takes more than the model; SmoothGrad draws noise.
    fn = bridge.captum_method(lambda model: attr.NoiseTunnel(attr.Saliency(model)),
                              nt_type="smoothgrad", nt_samples=4, stdevs=0.5)
    state = torch.random.get_rng_state()
    first = fn(circuit, X, nt.make_rng("method", 7))
    again = fn(circuit, X, nt.make_rng("method", 7))
    other = fn(circuit, X, nt.make_rng("method", 8))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.get_default_dtype() == torch.float32


def test_bad_baselines_name_the_choices(attr, bridge):
    # refused when the method is made, before it is registered or run
    with pytest.raises(ValueError, match=r"unknown baselines 'median'.*zero, mean, data"):
        bridge.captum_method(attr.FeatureAblation, baselines="median")
    with pytest.raises(ValueError, match="needs a Captum attribution class"):
        bridge.captum_method("IntegratedGradients")


def test_core_never_imports_torch():
    code = "import sys, neurotrace, neurotrace.plugins; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_says_how_to_install():
    # sys.modules['torch'] = None makes `import torch` fail as if torch were not installed.
    code = ("import sys; sys.modules['torch'] = None\n"
            "try:\n    import neurotrace.torch\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "python -m pip install -e \".[torch]\"" in out
    assert "neurotrace[torch]" not in out  # the index's "neurotrace" is someone else's project


def _baseline(circuit, X, kind):
    if kind == "zero":
        return np.zeros(circuit.n_features)
    if kind == "mean":
        return X.mean(axis=0)
    # per sample: each row's baseline is another sample, a path that crosses the decoy gates
    return np.roll(X, 1, axis=0)


def _seeded(name, seeds, samples):
    """The (circuit, X) pairs evaluate() builds for ``name`` (same streams, see evaluate.py)."""
    for s in range(seeds):
        circuit = nt.make_circuit(name, seed=s)
        yield circuit, circuit.sample(samples, nt.make_rng("data", s))
