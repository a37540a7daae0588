"""Your own torch model and Captum's conventions (issue 15, items 2 and 5), and the Captum findings the
book's "Evaluate your own method" chapter states (``claims.captum_findings``).

Skipped where torch or captum is missing (the optional ``[torch]`` extra), with the reason saying how to run it.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import claims

TORCH_MISSING = ("torch/captum are not installed (the optional [torch] extra). To run these tests, from the "
                 "clone: python -m pip install -e \".[torch]\" (a CPU build of torch is enough), then "
                 "python -m pytest tests/test_torch_own.py")
torch = pytest.importorskip("torch", reason=TORCH_MISSING)
attr = pytest.importorskip("captum.attr", reason=TORCH_MISSING)
bridge = pytest.importorskip("neurotrace.torch", reason=TORCH_MISSING)
nn = torch.nn

CASES = [(name, seed, strength) for name in nt.CIRCUITS for seed in (0, 1) for strength in (0.0, 1.0)]
SAMPLES = 96


@pytest.fixture(params=CASES, ids=[f"{n}-seed{s}-strength{st:g}" for n, s, st in CASES])
def case(request):
    name, seed, strength = request.param
    circuit = nt.make_circuit(name, strength=strength, seed=seed)
    return circuit, circuit.sample(SAMPLES, nt.make_rng("data", seed))


def tensor(X):
    return torch.from_numpy(np.array(X, dtype=np.float64))


def _sequential(h=7, d=5, activation=nn.Tanh, dtype=torch.float32, seed=0, bias=False):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, h, dtype=dtype), activation(), nn.Linear(h, 1, bias=bias, dtype=dtype))


# --- item 2: from_module ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("activation, name", [(nn.Tanh, "tanh"), (nn.Sigmoid, "sigmoid"), (nn.ReLU, "relu"),
                                              (nn.Identity, "linear")])
def test_from_module_converts_any_width_and_round_trips_exactly(dtype, activation, name):
    for h in (1, 7, 40):
        module = _sequential(h=h, activation=activation, dtype=dtype)
        c = bridge.from_module(module, causal=[0, 2], name="trained")
        assert (c.name, c.activation, c.n_hidden, c.n_features) == ("trained", name, h, 5)
        assert c.causal.tolist() == [True, False, True, False, False]
        X = c.sample(32, nt.make_rng("data", 0))
        with torch.no_grad():
            y = module(torch.from_numpy(X).to(dtype)).double().numpy()[:, 0]
        np.testing.assert_allclose(c.forward(X), y, rtol=0, atol=1e-12 if dtype == torch.float64 else 1e-5)
        back = bridge.to_module(c)  # module -> circuit -> module: the same numbers, in float64
        assert torch.equal(back.hidden.weight, module[0].weight.double())
        assert torch.equal(back.hidden.bias, module[0].bias.double())
        assert torch.equal(back.readout.weight, module[2].weight.double())


def test_circuit_to_module_and_back_is_bit_for_bit(case):
    circuit, X = case
    again = bridge.from_module(bridge.to_module(circuit), circuit.causal, name=circuit.name)
    for field in ("W", "b", "v", "causal"):
        np.testing.assert_array_equal(getattr(again, field), getattr(circuit, field))
    assert again.activation == circuit.activation
    np.testing.assert_array_equal(again.forward(X), circuit.forward(X))


def test_a_converted_module_is_scored_like_any_circuit():
    module = _sequential(h=9, d=6, dtype=torch.float64, seed=3)
    with torch.no_grad():
        module[0].weight[:, 3:] = 0.0  # features 3-5 read by no unit: the truth is f0-f2
    c = bridge.from_module(module, causal=[0, 1, 2], sampler=lambda n, rng: rng.uniform(-2, 2, (n, 6)))
    X = c.sample(1000, nt.make_rng("data", 0))
    assert X.min() >= -2 and X.max() <= 2  # the user's sampler, not the default
    res = nt.evaluate(["gradient", "patching", "shapley"], [c], seeds=2, samples=64)
    np.testing.assert_array_equal(res.auroc, 1.0)


@pytest.mark.parametrize("module, message", [
    (nn.Sequential(nn.Linear(5, 4), nn.GELU(), nn.Linear(4, 1, bias=False)),
     r"activation GELU has no neurotrace counterpart \(convertible: Tanh, Sigmoid, ReLU, Identity\)"),
    (nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1)),
     r"found 5 layers \(Linear, Tanh, Linear, Tanh, Linear\)"),
    (nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 2, bias=False)), r"its last Linear has 2 outputs"),
    (nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 1)), r"its last Linear has a bias.*ignore_output_bias"),
    (nn.Sequential(nn.Linear(5, 4), nn.Linear(4, 1)), r"Linear, Linear with no activation between"),
    (nn.Sequential(nn.Tanh(), nn.Linear(5, 4), nn.Linear(4, 1)), r"its first layer is Tanh, not Linear"),
])
def test_what_cannot_be_converted_is_named(module, message):
    with pytest.raises(ValueError, match=message) as info:
        bridge.from_module(module, causal=[0])
    assert "\n" not in str(info.value) and "tensor(" not in str(info.value)


def test_a_forward_that_is_not_the_chain_is_refused():
    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.act, self.b = nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 1, bias=False)

        def forward(self, x):
            return self.b(self.act(self.a(x))) + x[:, :1]  # a skip connection

    with pytest.raises(ValueError, match=r"its forward is not its three layers chained"):
        bridge.from_module(Skip(), causal=[0])
    with pytest.raises(TypeError, match="needs a torch.nn.Module"):
        bridge.from_module(np.zeros((3, 3)), causal=[0])


def test_an_output_bias_can_be_dropped():
    module = _sequential(bias=True, dtype=torch.float64)
    c = bridge.from_module(module, causal=[0], ignore_output_bias=True)
    X = c.sample(16, nt.make_rng("data", 0))
    with torch.no_grad():
        y = module(tensor(X)).numpy()[:, 0]
    np.testing.assert_allclose(c.forward(X) + float(module[2].bias.detach()[0]), y, rtol=0, atol=1e-12)


# --- item 5: Captum's conventions, each checked ----------------------------------------------------


def test_feature_ablation_zero_baseline_is_zero_patching(case):
    circuit, X = case
    for baselines in (0.0, "zero"):
        fn = bridge.captum_method(attr.FeatureAblation, baselines=baselines)
        np.testing.assert_allclose(fn(circuit, X), nt.attribute("patching", circuit, X, corruption="zero"),
                                   rtol=0, atol=1e-12)
    occlusion = bridge.captum_method(attr.Occlusion, sliding_window_shapes=(1,), baselines=0.0)
    # Occlusion's scores agree to ~1e-7 relative, not to 1e-12 as FeatureAblation's: its own arithmetic
    np.testing.assert_allclose(occlusion(circuit, X), nt.attribute("patching", circuit, X, corruption="zero"),
                               rtol=1e-6, atol=1e-12)


def test_deeplift_is_exact_integrated_gradients(case):
    circuit, X = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = attr.DeepLift(bridge.to_module(circuit)).attribute(tensor(X)).detach().numpy()
    np.testing.assert_allclose(theirs, nt.ig_attributions(circuit, X, rule="exact"), rtol=0, atol=1e-10)


def test_feature_permutation_approximates_resample_patching():
    """Both put another sample's value in feature j; Captum permutes the batch (a sample may keep its own
    value), neurotrace draws a derangement: the same AUROCs, importances within sampling error."""
    names = {"captum_feature_permutation": bridge.captum_methods("captum_feature_permutation")}
    fn, family = names["captum_feature_permutation"]["captum_feature_permutation"]
    with nt.registered_method("captum_feature_permutation", fn, family=family):
        res = nt.evaluate(["captum_feature_permutation", "patching"], seeds=8, samples=256)
    np.testing.assert_array_equal(res.mean()[0], res.mean()[1])
    ours, theirs = np.nanmean(res.importances[1], axis=1), np.nanmean(res.importances[0], axis=1)
    big = ours > 0.05 * ours.max(axis=1, keepdims=True)
    np.testing.assert_allclose(theirs[big], ours[big], rtol=0.15)
    np.testing.assert_array_equal(theirs[ours == 0], 0.0)


def test_integrated_gradients_needs_64_steps_at_strength_2():
    """Captum's default n_steps=50 under-resolves the suppressor's steeper gates at strength 2; 64 steps hold."""
    chosen = bridge.captum_methods(["captum_integrated_gradients", "captum_integrated_gradients_50"])
    with nt.registered_method("ig64", chosen["captum_integrated_gradients"][0], family="causal"), \
            nt.registered_method("ig50", chosen["captum_integrated_gradients_50"][0], family="causal"):
        res = nt.evaluate(["ig64", "ig50", "integrated_gradients"], "suppressor", strength=2.0,
                          seeds=claims.SEEDS, samples=claims.SAMPLES)
    mean = dict(zip(res.methods, res.mean()[:, 0], strict=True))
    assert mean["ig64"] == mean["integrated_gradients"] == 1.0
    assert mean["ig50"] < claims.HOLDS_AT
    np.testing.assert_array_equal(res.cell("ig64", "suppressor"), res.cell("integrated_gradients", "suppressor"))
    assert "n_steps=64" in bridge.captum_method.__doc__ and "n_steps=50" in bridge.captum_method.__doc__


def test_noise_tunnel_noise_is_absolute_smoothgrad_noise_is_relative():
    """Record the noisy inputs NoiseTunnel feeds the model: their spread is ``stdevs`` for every feature,
    however spread out the feature is; neurotrace's SmoothGrad scales its noise by each feature's spread."""
    circuit = nt.make_circuit("clean")
    X = circuit.sample(256, nt.make_rng("data", 0)) * np.array([10.0] + [1.0] * 11)  # f0 ten times wider
    seen = []

    def recording(model):
        model.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].detach().clone()))
        return attr.NoiseTunnel(attr.Saliency(model))

    bridge.captum_method(recording, nt_type="smoothgrad", nt_samples=8, stdevs=0.15)(circuit, X)
    assert len(seen) == 1  # one forward over every noisy copy: each sample repeated nt_samples times, in a row
    noise = (seen[0].numpy().reshape(len(X), 8, 12) - X[:, None, :]).reshape(-1, 12)
    np.testing.assert_allclose(noise.std(axis=0), 0.15, rtol=0.05)  # f0's too: absolute
    scale = 0.15 * X.std(axis=0)  # the spread of smoothgrad(noise=0.15)'s noise: relative
    assert scale[0] > 9 * scale[1:].max()
    assert "absolute" in bridge.captum_method.__doc__ and "relative" in bridge.captum_method.__doc__


def test_captum_method_takes_rng_none_and_seeds_every_draw():
    circuit = nt.make_circuit("suppressor", seed=1)
    X = circuit.sample(64, nt.make_rng("data", 1))
    fn = bridge.captum_method(attr.GradientShap, baselines="data", n_samples=4)  # numpy's global RNG
    numpy_state, torch_state = np.random.get_state(), torch.random.get_rng_state()
    a, b, c = fn(circuit, X), fn(circuit, X, None), fn(circuit, X, 5)
    np.testing.assert_array_equal(a, b)  # rng=None: a fixed stream, like the built-ins
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(c, fn(circuit, X, np.random.default_rng(5)))
    assert np.array_equal(np.random.get_state()[1], numpy_state[1])  # the caller's generators are untouched
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    shapley = bridge.captum_method(attr.ShapleyValueSampling, n_samples=2)  # torch's global RNG
    np.testing.assert_array_equal(shapley(circuit, X, 3), shapley(circuit, X, 3))


def test_a_background_data_set_is_drawn_from_the_data_with_rng(case):
    """DeepLiftShap over a background = the mean over those baselines of DeepLift = exact IG."""
    circuit, X = case
    fn = bridge.captum_method(attr.DeepLiftShap, baselines="data", background=8)
    rows = np.sort(np.random.default_rng(7).choice(len(X), size=8, replace=False))
    expected = np.mean([nt.ig_attributions(circuit, X, baseline=X[r], rule="exact") for r in rows], axis=0)
    np.testing.assert_allclose(fn(circuit, X, 7), np.abs(expected).mean(axis=0), rtol=0, atol=1e-10)
    own = bridge.captum_method(attr.DeepLiftShap, baselines=X[rows])  # your own background, as an array
    np.testing.assert_allclose(own(circuit, X, 0), np.abs(expected).mean(axis=0), rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match=r"unknown baselines 'median'.*zero, mean, data"):
        bridge.captum_method(attr.FeatureAblation, baselines="median")
    with pytest.raises(ValueError, match="background must be a positive integer"):
        bridge.captum_method(attr.DeepLiftShap, baselines="data", background=0)


def test_one_thread_while_it_works_then_the_setting_is_back():
    seen = []

    def spy(model):
        seen.append(torch.get_num_threads())
        return attr.Saliency(model)

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        bridge.captum_method(spy)(nt.make_circuit("clean"), nt.make_circuit("clean").sample(8, nt.make_rng("d", 0)))
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)


def test_deeplift_hook_warning_stays_out_of_the_output():
    circuit = nt.make_circuit("clean")
    X = circuit.sample(16, nt.make_rng("data", 0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bridge.captum_method(attr.DeepLift)(circuit, X)
    assert not [w for w in caught if "hooks" in str(w.message)]


# --- the library pieces the chapter calls ----------------------------------------------------------


def test_every_configuration_builds_and_names_a_real_built_in():
    assert len(bridge.CAPTUM_METHODS) == 15
    assert len({spec[0] for spec in bridge.CAPTUM_METHODS.values()}) == 13
    for name, (class_name, _, family, builtin) in bridge.CAPTUM_METHODS.items():
        assert hasattr(attr, class_name) and family in ("proxy", "causal", "baseline")
        assert builtin is None or builtin.split(" ")[0] in nt.METHODS, name
    assert set(bridge.captum_methods()) == set(bridge.CAPTUM_METHODS)


def test_lime_and_kernel_shap_run_with_the_extra():
    pytest.importorskip("sklearn", reason="Lime and KernelShap need scikit-learn, which the [torch] extra installs: "
                                          "python -m pip install -e \".[torch]\"")
    res = bridge.captum_table(["captum_lime", "captum_kernel_shap"], ["clean"], seeds=1, samples=8)
    assert res.methods == ("captum_lime", "captum_kernel_shap") and res.auroc.shape == (2, 1, 1)
    assert "captum_lime" not in nt.METHODS  # registered for the call only


def test_max_samples_attributes_the_first_rows_only():
    circuit = nt.make_circuit("suppressor")
    X = circuit.sample(64, nt.make_rng("data", 0))
    np.testing.assert_array_equal(bridge.captum_method(attr.Saliency, max_samples=8)(circuit, X),
                                  bridge.captum_method(attr.Saliency)(circuit, X[:8]))
    np.testing.assert_array_equal(bridge.captum_method(attr.Saliency, max_samples=500)(circuit, X),
                                  bridge.captum_method(attr.Saliency)(circuit, X))  # more than X has: all of X
    assert "the first 8 samples" in bridge.captum_method(attr.Lime, max_samples=8).__doc__
    for bad in (0, -3, 2.5, True, "8"):
        with pytest.raises(ValueError, match=r"max_samples must be a positive integer or None"):
            bridge.captum_method(attr.Lime, max_samples=bad)


@pytest.mark.parametrize("name", ["captum_shapley_sampling", "captum_kernel_shap", "captum_lime"])
def test_batching_the_forward_passes_changes_no_attribution(name):
    """CAPTUM_METHODS passes perturbations_per_eval to these three: only speed, not the draws or the result."""
    pytest.importorskip("sklearn", reason="Lime and KernelShap need scikit-learn, which the [torch] extra installs")
    class_name, options = bridge.CAPTUM_METHODS[name][:2]
    assert options["perturbations_per_eval"] > 1
    circuit = nt.make_circuit("redundant", seed=1)
    X = circuit.sample(12, nt.make_rng("data", 1))
    batched = bridge.captum_methods(name)[name][0]
    one_by_one = bridge.captum_method(getattr(attr, class_name),
                                      **{k: v for k, v in options.items() if k != "perturbations_per_eval"})
    np.testing.assert_array_equal(batched(circuit, X, 3), one_by_one(circuit, X, 3))


def test_shapley_sampling_and_kernel_shap_approximate_exact_shapley_values():
    """The conventions table says both estimate the exact Shapley values (zero reference) of ``shapley``."""
    pytest.importorskip("sklearn", reason="KernelShap needs scikit-learn, which the [torch] extra installs")
    from neurotrace.methods import shapley_values

    for name in ("suppressor", "redundant"):
        circuit = nt.make_circuit(name)
        X = circuit.sample(4, nt.make_rng("data", 0))
        exact = np.abs(shapley_values(circuit, X)).mean(axis=0)
        svs = bridge.captum_method(attr.ShapleyValueSampling, n_samples=200, perturbations_per_eval=200)(circuit, X)
        ks = bridge.captum_method(attr.KernelShap, n_samples=600, perturbations_per_eval=600)(circuit, X)
        for estimate in (svs, ks):
            np.testing.assert_allclose(estimate, exact, rtol=0, atol=0.1 * exact.max())


def test_the_table_with_its_built_in_rows_puts_each_above_its_captum_rows():
    chosen = ["captum_saliency", "captum_gradient_shap", "captum_feature_ablation", "captum_occlusion"]
    assert bridge.builtin_rows(chosen) == ["gradient", "patching"]
    assert bridge.builtin_rows() == ["gradient", "input_x_gradient", "integrated_gradients", "patching", "shapley",
                                     "smoothgrad"]
    res = bridge.captum_table(chosen, ["clean", "redundant"], seeds=2, samples=32, builtins=True)
    assert res.methods == ("gradient", "captum_saliency", "captum_gradient_shap", "patching",
                           "captum_feature_ablation", "captum_occlusion")
    assert [res.family(m) for m in res.methods] == ["proxy", "proxy", "causal", "causal", "causal", "causal"]
    alone = nt.evaluate(["gradient", "patching"], ["clean", "redundant"], seeds=2, samples=32)
    for method in ("gradient", "patching"):  # the built-in rows are the built-ins at the same settings
        np.testing.assert_array_equal(res.importances[res.methods.index(method)],
                                      alone.importances[alone.methods.index(method)])
    np.testing.assert_array_equal(res.auroc[1], res.auroc[0])  # Saliency = gradient, seed for seed
    assert bridge.captum_table(chosen[:1], ["clean"], seeds=1, samples=8).methods == ("captum_saliency",)


def test_the_conventions_table_covers_every_configuration_as_the_docstring_does():
    conventions, methods = bridge.CAPTUM_CONVENTIONS, bridge.CAPTUM_METHODS
    assert set(conventions) == set(methods)
    doc = " ".join(bridge.captum_method.__doc__.split())
    for name, (relation, how) in conventions.items():
        class_name, _, _, builtin = methods[name]
        assert (relation is None) == (builtin is None) and relation in (None, "=", "~") and how, name
        if relation == "=":  # every exact correspondence is one the docstring states (and a test checks)
            assert f"``{class_name}``" in doc and f"``{builtin.split(' ')[0]}``" in doc, name
    table = bridge.captum_conventions().splitlines()
    assert len(table) == 2 + len(methods)
    for name, line in zip(methods, table[2:], strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0].startswith(f"`{name}`: `") and len(cells) == 3
        relation, builtin = conventions[name][0], methods[name][3]
        assert cells[1] == "none" if builtin is None else cells[1].startswith(
            f"{'=' if relation == '=' else '≈'} `{builtin.split(' ')[0]}`")
    assert "on the first 16 samples" in bridge.captum_conventions("captum_lime")
    with pytest.raises(ValueError, match="unknown Captum configuration"):
        bridge.captum_conventions("captum_nope")


def test_require_captum_names_what_is_missing(monkeypatch):
    bridge.require_captum()  # all there, with the extra
    import sys

    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)
    with pytest.raises(ImportError, match=r"scikit-learn \(for Lime and KernelShap\) is not installed.*\[torch\]"):
        bridge.require_captum()
    monkeypatch.setitem(sys.modules, "captum.attr", None)
    with pytest.raises(ImportError, match=r"^captum is not installed \(the \[torch\] extra installs it"):
        bridge.require_captum()


@pytest.fixture(scope="module")
def findings_inputs():
    """The chapter's two findings at the chapter's own settings (claims.CAPTUM_SEEDS x CAPTUM_SAMPLES)."""
    settings = {"seeds": claims.CAPTUM_SEEDS, "samples": claims.CAPTUM_SAMPLES}
    table = bridge.captum_table(["captum_saliency", "captum_deeplift", "captum_gradient_shap",
                                 "captum_feature_ablation", "captum_occlusion"], **settings)
    both = nt.combine(nt.evaluate(["gradient", "patching"], **settings), table)
    return both, bridge.gradient_shap_draws(**settings)


def test_captum_findings_hold(findings_inputs):
    both, draws = findings_inputs
    facts = claims.captum_findings(both, draws, figure="fig-name").check()
    assert facts["gradient_shap_suppressor"] == 0.75 and facts["expected_gradients_suppressor"] == 1.0
    assert facts["gradient_shap_upto_64_low"] == facts["gradient_shap_upto_64_high"] == 0.75
    assert facts["captum_feature_ablation_redundant"] == facts["captum_occlusion_redundant"] == 0.5
    assert facts["patching_redundant"] == 0.75
    assert draws["draws"] == [1, 4, 16, 64, 256] and len(draws["decoy_importance"]) == 5
    assert facts["decoy_importance_most"] < facts["decoy_importance_fewest"]
    assert facts["decoy_inflation"] > 2 > 1.05 > facts["causal_inflation"] > 0.95  # the decoys' estimates inflate
    text = facts["discussion"]
    for value in ("expected_gradients_suppressor", "gradient_shap_at_max"):  # computed here: three digits
        assert f"{facts[value]:.3f}" in text, value
    for value in ("gradient_shap_suppressor", "patching_redundant", "captum_feature_ablation_redundant"):
        assert f"{facts[value]:.2f}" in text, value  # read off the table, which shows two
    assert f"{facts['decoy_inflation']:.1f} times" in text and "{numref}`fig-name`" in text
    assert f"with 1 draw to {facts['decoy_importance_most']:.2f} with 256" in text
    assert "{numref}" not in claims.captum_findings(both, draws).check()["discussion"]  # no figure, no reference
    assert claims.captum_section(both).failed() == []


def test_captum_findings_refuse_what_is_not_so(findings_inputs):
    both, draws = findings_inputs
    rescued = dict(draws, auroc=[0.75, 0.75, 0.75, 1.0, 1.0])  # a GradientShap the draws would rescue
    assert "GradientShap is fooled on the suppressor at every number of draws from the fewest to 64" in \
        claims.captum_findings(both, rescued).failed()
    flat = dict(draws, decoy_importance=[1.0] * 5)  # more draws not shrinking the decoys
    assert "more draws shrink GradientShap's importance of the decoys" in claims.captum_findings(both, flat).failed()
    i, j = both.methods.index("captum_occlusion"), both.circuits.index("redundant")
    importances = both.importances.copy()
    importances[i, j, 0, 0] = 1e-9  # one zeroed feature that moved the output after all
    moved = replace(both, importances=importances)
    assert any(c.startswith("setting any one feature of redundant to 0 changes no output")
               for c in claims.captum_findings(moved, draws).failed())


def test_the_chapter_says_where_captum_is_missing_and_why_its_settings_are_smaller():
    said = claims.captum_missing(ImportError("captum is not installed (the [torch] extra installs it)"))
    assert max(len(line) for line in said.splitlines()) <= 80  # wrapped: no sideways scrolling on the page
    text = " ".join(said.split())
    assert text.startswith("No Captum section here: captum is not installed") and "no table, no figure" in text
    res = bridge.captum_table(["captum_saliency"], ["clean"], seeds=1, samples=8)
    lead = claims.captum_lead(res)
    assert "over 1 seed of 8 samples, fewer than the reference 16 seeds of 512 samples" in lead
    assert "fewer" not in claims.captum_lead(replace(res, seeds=claims.SEEDS, samples=claims.SAMPLES))
