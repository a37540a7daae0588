"""Every fast path equals its formula (``neurotrace.formulas``), and the formulas mean what they say.

The fast paths (``neurotrace.methods``, ``neurotrace.hidden``) batch, chunk, skip the zero
weights, share coalitions between units and take IG's path in pre-activation space; the
formulas do none of that. Both compute the same float64 sums in a different order, so they
agree to rounding, not bit for bit. ``ATOL = 1e-11`` bounds that rounding. Scores and
attributions here are at most about 7, where floats are 1e-15 apart; the longest sum,
Shapley's 2^11 pairs of coalitions per feature, stays near that. The most rounding comes
from the steepest units: the suppressor's gates at strength 2 have input weight 64, so a
pre-activation rounded differently (``z' + a (z - z')`` against ``W (x' + a (x - x')) + b``)
moves a slope, and an attribution, by up to about 100 times the rounding. The largest difference
over this file's cases is 2.5e-13 (IG at strength 2 with a baseline per sample), 40 times
below ``ATOL``; a wrong partner sample, sign, quadrature node or coalition weight moves a
score by orders of magnitude more.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import formulas as F
from neurotrace import hidden as Hd
from neurotrace import methods as M
from neurotrace.circuits import BUILTIN_CIRCUITS

ATOL = 1e-11
REGIMES = sorted(BUILTIN_CIRCUITS)
STRENGTHS = (0.0, 0.5, 1.0, 2.0)  # the control, the phase change, the reference table, beyond
SEEDS = (0, 1, 2)
SAMPLES = 96

# Each method's options to try besides its defaults (the defaults are always tried).
OPTIONS = {
    "smoothgrad": [{"noise": 0.5, "copies": 3}],
    "integrated_gradients": [{"rule": "exact"}, {"rule": "riemann_middle", "steps": 16, "baseline": "mean"},
                             {"rule": "riemann_trapezoid", "steps": 9}, {"rule": "exact", "baseline": "mean"}],
    "patching": [{"corruption": c} for c in ("mean", "zero")],
    "denoising_patching": [{"corruption": c} for c in ("resample", "mean")],
    "attribution_patching": [{"corruption": c} for c in ("mean", "zero")],
    "shapley": [{"reference": "mean"}],
}
HIDDEN_OPTIONS = {"patching": [{"corruption": c} for c in ("mean", "zero")],
                  "joint_patching": [{"corruption": c} for c in ("mean", "zero")]}


def circuit_and_data(regime, strength, seed, samples=SAMPLES):
    c = nt.make_circuit(regime, strength=strength, seed=seed)
    return c, c.sample(samples, nt.make_rng("data", seed))


def rng(*parts):
    return nt.make_rng("tests", "formulas", *parts)


# --- the registries -----------------------------------------------------------------------------


def test_every_builtin_method_has_a_formula_with_the_same_options():
    assert set(F.FORMULAS) == set(M.BUILTIN_METHODS)
    assert set(F.HIDDEN_FORMULAS) == set(nt.HIDDEN_METHODS)
    for registry, formulas in ((nt.METHODS, F.FORMULAS), (nt.HIDDEN_METHODS, F.HIDDEN_FORMULAS)):
        for name, formula in formulas.items():
            fast = inspect.signature(registry[name].fn).parameters
            mine = inspect.signature(formula).parameters
            options = {k: p.default for k, p in fast.items() if p.kind is p.KEYWORD_ONLY}
            assert options == {k: p.default for k, p in mine.items() if p.kind is p.KEYWORD_ONLY}, name


def test_formula_looks_up_by_method_and_level():
    assert F.formula("patching") is F.patching
    assert F.formula("patching", "hidden") is F.unit_patching
    with pytest.raises(ValueError, match="unknown method 'pathcing'; did you mean 'patching'"):
        F.formula("pathcing")
    with pytest.raises(ValueError, match="unknown level 'edge'"):
        F.formula("patching", "edge")


# --- each fast path equals its formula ---------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strength", STRENGTHS)
@pytest.mark.parametrize("regime", REGIMES)
def test_fast_paths_equal_their_formulas(regime, strength, seed):
    c, X = circuit_and_data(regime, strength, seed)
    for name, formula in F.FORMULAS.items():
        if name == "shapley":
            continue  # every coalition of 12 features: fewer samples, below
        for options in [{}, *OPTIONS.get(name, [])]:
            fast = nt.attribute(name, c, X, rng=rng(name, seed), **options)
            np.testing.assert_allclose(fast, formula(c, X, rng(name, seed), **options), rtol=0, atol=ATOL,
                                       err_msg=f"{name} {options}")
    for name, formula in F.HIDDEN_FORMULAS.items():
        for options in [{}, *HIDDEN_OPTIONS.get(name, [])]:
            fast = nt.attribute_hidden(name, c, X, rng=rng(name, seed), **options)
            np.testing.assert_allclose(fast, formula(c, X, rng(name, seed), **options), rtol=0, atol=ATOL,
                                       err_msg=f"hidden {name} {options}")


@pytest.mark.parametrize("strength", STRENGTHS)
@pytest.mark.parametrize("regime", REGIMES)
def test_shapley_equals_enumerating_every_coalition(regime, strength):
    c, X = circuit_and_data(regime, strength, seed=1, samples=12)
    for options in ({}, {"reference": "mean"}, {"reference": "data", "background": 3}):
        fast = M.shapley_values(c, X, rng=rng("shapley"), **options)
        np.testing.assert_allclose(fast, F.shapley_values(c, X, rng=rng("shapley"), **options), rtol=0, atol=ATOL,
                                   err_msg=str(options))  # signed, per sample: no sign can hide in |.|
    fast = nt.attribute("shapley", c, X, rng=rng("s"))
    np.testing.assert_allclose(fast, F.shapley(c, X, rng("s")), rtol=0, atol=ATOL)


@pytest.mark.parametrize("strength", STRENGTHS)
@pytest.mark.parametrize("regime", REGIMES)
def test_signed_attributions_equal_their_formulas(regime, strength):
    # Signed, per sample: a sign error or a swapped sample would hide in the mean of |.|.
    c, X = circuit_and_data(regime, strength, seed=2)
    per_sample = X[::-1].copy()  # a baseline per sample: another sample
    for options in ({}, {"rule": "exact"}, {"rule": "riemann_left", "steps": 7, "baseline": "mean"},
                    {"rule": "exact", "baseline": per_sample}, {"steps": 5, "baseline": per_sample}):
        np.testing.assert_allclose(nt.ig_attributions(c, X, **options), F.ig_attributions(c, X, **options),
                                   rtol=0, atol=ATOL, err_msg=str(sorted(options)))
    for corruption in M.CORRUPTIONS:
        X_patch = np.asarray(M.corrupted_values(X, corruption, rng("patch")))
        np.testing.assert_allclose(M.patch_effects(c, X, X_patch), F.patch_effects(c, X, X_patch), rtol=0, atol=ATOL)


# --- the formulas mean what they say -------------------------------------------------------------------


def test_patch_effects_is_one_forward_pass_per_feature(tiny, X3):
    c = tiny([[1.5, -0.7, 0.0], [0.3, 0.9, 0.0]], b=[0.2, -0.1], v=[1.0, -0.6], activation="tanh")
    X_patch = X3[::-1]
    effects = F.patch_effects(c, X3, X_patch)
    Xj = X3.copy()
    Xj[:, 1] = X_patch[:, 1]
    np.testing.assert_array_equal(effects[:, 1], c.forward(Xj) - c.forward(X3))
    assert np.all(effects[:, 2] == 0.0)  # no weight, no effect: exactly


@pytest.mark.parametrize("regime", REGIMES)
def test_shapley_formula_is_efficient_and_symmetric(regime):
    c, X = circuit_and_data(regime, 1.0, seed=0, samples=6)
    phi = F.shapley_values(c, X)
    # Efficiency: the values add up to f(x) - f(reference).
    np.testing.assert_allclose(phi.sum(axis=1), c.forward(X) - c.forward(np.zeros((1, c.n_features))), atol=1e-12)
    # Symmetry: swapping two features' weights and values swaps their Shapley values.
    order = np.arange(c.n_features)
    order[[0, 1]] = [1, 0]
    swapped = nt.circuit_from_weights(c.W[:, order], c.b, c.v, c.activation, c.causal[order])
    np.testing.assert_allclose(F.shapley_values(swapped, X[:, order]), phi[:, order], atol=1e-12)


def test_shapley_formula_of_a_linear_network_is_weight_times_input(linear3, X3):
    np.testing.assert_allclose(F.shapley_values(linear3, X3), X3 * np.array([3.0, -2.0, 0.0]), atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_exact_ig_formula_is_complete_and_the_limit_of_quadrature(tiny, X3, activation):
    c = tiny([[1.0, -2.0, 0.0], [0.5, 0.5, 1.0]], b=[0.3, -0.2], v=[1.5, -1.0], activation=activation)
    exact = F.ig_attributions(c, X3, rule="exact")
    np.testing.assert_allclose(exact.sum(axis=1), c.forward(X3) - c.forward(np.zeros((1, 3))), atol=1e-12)
    fine = F.ig_attributions(c, X3, steps=4096, rule="riemann_middle")
    # relu's kink: a node's error is at most the slope's jump (|v_u W_uj| <= 3) times |x_j| (< 4) / steps.
    np.testing.assert_allclose(exact, fine, atol=3e-3 if activation == "relu" else 1e-6)


def test_secant_at_equal_preactivations_is_the_slope(tiny):
    # A sample on the baseline: z = z' for every unit, and the secant's limit phi'(z) stands in.
    c = tiny([[1.0, -2.0], [0.5, 0.5]], b=[0.3, -0.2], v=[1.5, -1.0], activation="tanh")
    X = np.array([[0.0, 0.0], [0.4, -0.1]])
    np.testing.assert_allclose(F.secant_gradient(c, X, np.zeros(2))[0], c.gradient(X[:1])[0], rtol=1e-15)


def test_a_group_of_units_is_patched_from_one_other_sample():
    groups = np.array([0, 1, 1, 2, 2, 2])
    H = np.repeat(np.arange(40.0)[:, None], len(groups), axis=1)  # each value names its sample
    source = Hd.corrupted_units(H, "resample", rng("groups"), groups)
    for g in range(3):
        members = source[:, groups == g]
        assert np.all(members == members[:, :1])  # one partner sample for the whole group...
        assert np.all(members[:, 0] != np.arange(40))  # ...never the sample itself
        np.testing.assert_array_equal(np.sort(members[:, 0]), np.arange(40))  # and each sample lends once
    assert len({tuple(source[:, groups == g][:, 0]) for g in range(3)}) == 3  # groups draw their own partners


# --- the methods page shows them ------------------------------------------------------------------------


def test_source_shows_the_formula_and_the_helpers_it_calls():
    src = F.source("integrated_gradients")
    assert src.method == "integrated_gradients"
    code = str(src)
    assert code.startswith("def integrated_gradients(")
    assert "def ig_attributions(" in code and "def secant_gradient(" in code  # the helpers, in call order
    assert code.index("def ig_attributions(") < code.index("def secant_gradient(")
    assert "def patch_effects(" not in code
    # A helper called inside a comprehension is found; an attribute that shares a helper's name is not.
    assert "def replaced(" in str(F.source("patching"))
    assert "def gradient(" not in str(F.source("input_x_gradient"))  # circuit.gradient is not formulas.gradient
    folded = src._repr_markdown_()
    assert folded.startswith("<details><summary>") and "```python\n" + code + "\n```" in folded
    assert str(F.source("patching", "hidden")).startswith("def unit_patching(")
    for name in F.FORMULAS:
        compile(str(F.source(name)), name, "exec")  # whole functions, nothing cut off
