"""Attribution methods against closed forms on hand-built circuits, IG quadrature, patching,
the registry, and every ValueError path of ``attribute``/``register_method``. (Each fast path
against its formula, on every regime: ``tests/test_formulas.py``.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import neurotrace as nt
from neurotrace import formulas as F
from neurotrace import methods as M

# linear3 (conftest): y = 3 x0 - 2 x1 - 0.5, so the gradient is the constant G.
G = np.array([3.0, -2.0, 0.0])


def f_linear3(X):
    return X @ G - 0.5


# --- closed forms on a linear circuit --------------------------------------------------------


def test_linear_fixture_is_what_it_says(linear3, X3):
    np.testing.assert_allclose(linear3.forward(X3), f_linear3(X3), rtol=1e-13, atol=1e-13)


def test_gradient_is_abs_v_dot_w(linear3, X3):
    np.testing.assert_allclose(nt.attribute("gradient", linear3, X3), np.abs(G), rtol=1e-14)


def test_input_x_gradient_is_mean_abs_x_times_grad(linear3, X3):
    expected = np.abs(X3 * G).mean(axis=0)
    np.testing.assert_allclose(nt.attribute("input_x_gradient", linear3, X3), expected, rtol=1e-13)


@pytest.mark.parametrize("rule", M.IG_RULES)
@pytest.mark.parametrize("steps", [2, 7, 64])
def test_ig_zero_baseline_is_input_times_weight(linear3, X3, rule, steps):
    # With a constant gradient the path integral is exact for any rule whose weights sum to 1.
    ig = nt.ig_attributions(linear3, X3, steps=steps, rule=rule)
    np.testing.assert_allclose(ig, X3 * G, rtol=1e-12, atol=1e-14)
    assert np.all(ig[:, 2] == 0.0)


def test_ig_array_baseline_is_displacement_times_weight(linear3, X3):
    base = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(nt.ig_attributions(linear3, X3, baseline=base), (X3 - base) * G,
                               rtol=1e-12, atol=1e-13)
    scores = nt.attribute("integrated_gradients", linear3, X3, baseline=base)
    np.testing.assert_allclose(scores, np.abs((X3 - base) * G).mean(axis=0), rtol=1e-12)


def test_patching_zero_is_abs_v_w_x(linear3, X3):
    expected = np.abs(G * X3).mean(axis=0)
    np.testing.assert_allclose(nt.attribute("patching", linear3, X3, corruption="zero"), expected, rtol=1e-12)


def test_patching_mean_is_abs_v_w_times_deviation(linear3, X3):
    expected = np.abs(G * (X3 - X3.mean(axis=0))).mean(axis=0)
    np.testing.assert_allclose(nt.attribute("patching", linear3, X3, corruption="mean"), expected, rtol=1e-12)


def test_patching_resample_uses_the_derangement(linear3, X3):
    partner = M.derangements(len(X3), 3, nt.make_rng("tests", "resample"))
    donors = np.take_along_axis(X3, partner, axis=0)
    expected = np.abs(G * (X3 - donors)).mean(axis=0)
    got = nt.attribute("patching", linear3, X3, rng=nt.make_rng("tests", "resample"))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_correlation_of_a_one_feature_linear_circuit_is_one(tiny):
    c = tiny([[2.0, 0.0, 0.0]], b=[1.0], v=[-1.5])
    X = nt.make_rng("tests", "corr").standard_normal((300, 3))
    r = nt.attribute("correlation", c, X)
    assert r[0] == pytest.approx(1.0, abs=1e-12)
    # The other two columns: plain |Pearson r| with x0 (y is an affine function of x0).
    for j in (1, 2):
        assert r[j] == pytest.approx(abs(np.corrcoef(X[:, 0], X[:, j])[0, 1]), abs=1e-12)
        assert r[j] < 0.3


def test_correlation_matches_corrcoef_on_a_nonlinear_circuit(tiny, X3):
    c = tiny([[1.5, -0.7, 0.2], [0.3, 0.9, -1.1]], b=[0.2, -0.1], v=[1.0, 0.6], activation="tanh")
    y = c.forward(X3)
    expected = [abs(np.corrcoef(X3[:, j], y)[0, 1]) for j in range(3)]
    np.testing.assert_allclose(nt.attribute("correlation", c, X3), expected, rtol=1e-12)


def test_constant_column_and_constant_output_score_zero_not_nan(tiny, X3):
    X = X3.copy()
    X[:, 1] = 3.7  # constant column: centred values are ~1e-16, not exactly 0
    c = tiny([[1.0, 1.0, 1.0]], activation="tanh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero / invalid warnings either
        r = nt.attribute("correlation", c, X)
        flat = nt.attribute("correlation", tiny([[1.0, 1.0, 1.0]], v=[0.0]), X3)  # y == 0 everywhere
    assert r[1] == 0.0 and r[0] > 0 and r[2] > 0
    np.testing.assert_array_equal(flat, 0.0)


# --- nonlinear references --------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(nt.ACTIVATIONS))
@pytest.mark.parametrize("corruption", M.CORRUPTIONS)
def test_patching_matches_brute_force_forwards(tiny, X3, activation, corruption):
    c = tiny([[1.5, -0.7, 0.0], [0.3, 0.9, 0.0]], b=[0.2, -0.1], v=[1.0, -0.6], activation=activation)
    # The definition, one explicit forward per patched feature, on every activation.
    expected = F.patching(c, X3, nt.make_rng("tests", "brute"), corruption=corruption)
    got = nt.attribute("patching", c, X3, rng=nt.make_rng("tests", "brute"), corruption=corruption)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert got[2] == 0.0  # zero weight: exactly zero effect, not a rounding residue


@pytest.mark.parametrize("activation", sorted(nt.ACTIVATIONS))
def test_zero_weight_feature_scores_exactly_zero(tiny, X3, activation):
    c = tiny([[1.5, -0.7, 0.0], [0.3, 0.9, 0.0]], b=[0.2, -0.1], v=[1.0, -0.6], activation=activation)
    for corruption in M.CORRUPTIONS:
        assert nt.attribute("patching", c, X3, corruption=corruption)[2] == 0.0
    for method in ("gradient", "input_x_gradient", "integrated_gradients"):
        assert nt.attribute(method, c, X3)[2] == 0.0, method
    # Any method that claims to be causal must agree: a feature with no weight has no effect.
    for name, method in nt.METHODS.items():
        if method.family == "causal":
            assert nt.attribute(name, c, X3)[2] <= 1e-12, name


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_ig_of_a_one_feature_circuit_is_the_output_change(tiny, activation):
    # With a single input, completeness pins IG down completely: IG = f(x) - f(0).
    c = tiny([[1.3], [-0.8]], b=[0.4, 0.1], v=[2.0, 1.0], activation=activation)
    X = np.linspace(-3, 3, 13)[:, None]
    ig = nt.ig_attributions(c, X)
    np.testing.assert_allclose(ig[:, 0], c.forward(X) - c.forward(np.zeros((1, 1))), atol=1e-12)


# --- IG: completeness, quadrature, baselines -------------------------------------------------


def completeness_error(circuit, X, baseline=None, **kw):
    ig = nt.ig_attributions(circuit, X, baseline=baseline, **kw)
    base = np.zeros(circuit.n_features) if baseline is None else baseline
    if isinstance(base, str):
        base = X.mean(axis=0)
    f_base = circuit.forward(np.broadcast_to(base, X.shape))
    return np.abs(ig.sum(axis=1) - (circuit.forward(X) - f_base)).max()


@pytest.fixture(scope="module")
def curved(tiny):
    return tiny([[1.5, -2.0, 0.5], [0.7, 1.0, -1.2]], b=[0.3, -0.4], v=[1.2, -0.8], activation="tanh")


@pytest.mark.parametrize("rule", ["riemann_middle", "gausslegendre"])
def test_completeness_error_shrinks_as_steps_grow(curved, rule):
    X = 1.5 * nt.make_rng("tests", "shrink").standard_normal((50, 3))
    steps = [4, 8, 16, 32]
    errors = [completeness_error(curved, X, steps=s, rule=rule) for s in steps]
    assert all(b < a / 2 for a, b in zip(errors, errors[1:], strict=False)), errors
    assert errors[0] > 1e-2  # the test circuit is curved enough for the error to be visible
    if rule == "riemann_middle":
        # Second-order rule: doubling the steps cuts the error by ~4.
        assert errors[-1] < errors[0] / 64, errors
    else:
        assert errors[-1] < 1e-10, errors  # Gauss-Legendre converges exponentially


def test_completeness_at_default_steps_on_a_smooth_circuit(curved, X3):
    assert completeness_error(curved, X3) < 1e-9


@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    activation=st.sampled_from(["tanh", "sigmoid"]),
    data=st.data(),
)
@settings(max_examples=60, deadline=None)
def test_ig_completeness_property(tiny, shape, activation, data):
    h, d = shape
    elements = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)
    W = data.draw(arrays(float, (h, d), elements=elements))
    b = data.draw(arrays(float, (h,), elements=st.floats(-1, 1, allow_subnormal=False)))
    v = data.draw(arrays(float, (h,), elements=elements))
    X = data.draw(arrays(float, (4, d), elements=elements))
    c = tiny(W, b=b, v=v, activation=activation, causal=np.arange(d) == 0)
    # |z(x) - z(0)| <= 12 here; 64 Gauss-Legendre nodes integrate that to ~1e-10.
    assert completeness_error(c, X) < 1e-8


@pytest.mark.parametrize("rule", M.IG_RULES)
@pytest.mark.parametrize("steps", [2, 3, 10, 64])
def test_quadrature_weights_sum_to_one_and_nodes_lie_in_unit_interval(rule, steps):
    alphas, weights = M.ig_nodes(steps, rule)
    assert alphas.shape == weights.shape == (steps,)
    assert weights.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.all(weights > 0)
    assert np.all((alphas >= 0) & (alphas <= 1)) and np.all(np.diff(alphas) > 0)


@pytest.mark.parametrize("steps", [2, 5, 12])
def test_gauss_legendre_is_exact_for_polynomials_up_to_degree_2n_minus_1(steps):
    alphas, weights = M.ig_nodes(steps, "gausslegendre")
    for k in range(2 * steps):
        assert weights @ alphas**k == pytest.approx(1 / (k + 1), rel=1e-12), k


def test_riemann_node_positions():
    np.testing.assert_allclose(M.ig_nodes(4, "riemann_left")[0], [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(M.ig_nodes(4, "riemann_right")[0], [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(M.ig_nodes(4, "riemann_middle")[0], [0.125, 0.375, 0.625, 0.875])
    alphas, weights = M.ig_nodes(5, "riemann_trapezoid")
    np.testing.assert_allclose(alphas, [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(weights, [0.125, 0.25, 0.25, 0.25, 0.125])


@pytest.mark.parametrize("bad", [1, 0, -4, 2.5, True, "64", None])
def test_bad_steps_raise(linear3, X3, bad):
    with pytest.raises(ValueError, match=r"steps must be an integer >= 2"):
        nt.ig_attributions(linear3, X3, steps=bad)


def test_unknown_rule_raises_with_suggestion(linear3, X3):
    with pytest.raises(ValueError, match="unknown quadrature rule 'gauss_legendre'; did you mean 'gausslegendre'"):
        nt.ig_attributions(linear3, X3, rule="gauss_legendre")


def test_baselines_zero_none_and_zeros_array_agree(curved, X3):
    ref = nt.ig_attributions(curved, X3)
    np.testing.assert_array_equal(nt.ig_attributions(curved, X3, baseline="zero"), ref)
    np.testing.assert_array_equal(nt.ig_attributions(curved, X3, baseline=np.zeros(3)), ref)


def test_mean_baseline_is_the_sample_mean(curved, X3):
    by_name = nt.ig_attributions(curved, X3, baseline="mean")
    np.testing.assert_allclose(by_name, nt.ig_attributions(curved, X3, baseline=X3.mean(axis=0)), rtol=1e-14)
    assert completeness_error(curved, X3, baseline="mean") < 1e-9


def test_per_sample_baseline_array(curved, X3):
    base = X3[::-1].copy()  # each sample's baseline is another sample
    ig = nt.ig_attributions(curved, X3, baseline=base)
    np.testing.assert_allclose(ig.sum(axis=1), curved.forward(X3) - curved.forward(base), atol=1e-9)


@pytest.mark.parametrize("bad", ["median", np.zeros(2), np.zeros((5, 3))])
def test_bad_baseline_raises(curved, X3, bad):
    with pytest.raises(ValueError, match="baseline"):
        nt.ig_attributions(curved, X3, baseline=bad)


def test_ig_options_reach_the_method_through_attribute(curved, X3):
    got = nt.attribute("integrated_gradients", curved, X3, baseline="mean", steps=16, rule="riemann_middle")
    ig = nt.ig_attributions(curved, X3, baseline="mean", steps=16, rule="riemann_middle")
    np.testing.assert_allclose(got, np.abs(ig).mean(axis=0), rtol=1e-14)


# A documented limitation, not a bug: quadrature needs enough steps to resolve the steepest
# gate on the path. 64 Gauss-Legendre steps resolve the suppressor's gates (width ~ 1/(32 s))
# up to about s = 1.5; beyond, the completeness error grows and IG can look "fooled" by its
# own quadrature. The closed form (rule="exact") has no such error.
@pytest.mark.parametrize("strength", [2.0, 4.0])
def test_exact_ig_is_complete_where_default_quadrature_is_not(strength):
    c = nt.make_circuit("suppressor", strength=strength)
    X = c.sample(512, nt.make_rng("data", 0))
    assert completeness_error(c, X) > 1.0  # the default 64 Gauss-Legendre steps
    exact = nt.ig_attributions(c, X, rule="exact")
    gap = exact.sum(axis=1) - (c.forward(X) - c.forward(np.zeros((1, c.n_features))))
    assert np.abs(gap).max() < 1e-12
    assert nt.auroc(nt.attribute("integrated_gradients", c, X, rule="exact"), c.causal) == 1.0
    many = nt.ig_attributions(c, X, steps=2048)
    np.testing.assert_allclose(many, exact, atol=1e-6)  # quadrature converges to the closed form


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_exact_ig_equals_fine_quadrature(tiny, activation):
    c = tiny([[1.0, -2.0, 0.0], [0.5, 0.5, 1.0]], b=[0.3, -0.2], v=[1.5, -1.0], activation=activation)
    X = c.sample(64, nt.make_rng("tests", "exact-ig"))
    np.testing.assert_allclose(nt.ig_attributions(c, X, rule="exact", baseline="mean"),
                               nt.ig_attributions(c, X, steps=4096, rule="riemann_middle", baseline="mean"),
                               atol=1e-3 if activation == "relu" else 1e-6)  # a kink: first-order convergence


# --- patching internals: derangements and corruptions ----------------------------------------


@pytest.mark.parametrize("n", [2, 3, 10, 257])
def test_derangement_columns_are_permutations_without_fixed_points(n):
    partner = M.derangements(n, 5, nt.make_rng("tests", "derange", n))
    assert partner.shape == (n, 5)
    for column in partner.T:
        np.testing.assert_array_equal(np.sort(column), np.arange(n))
        assert np.all(column != np.arange(n)), "a sample must never be patched with itself"
    if n == 2:
        np.testing.assert_array_equal(partner, [[1] * 5, [0] * 5])


def test_derangements_depend_on_the_rng():
    a = M.derangements(50, 3, nt.make_rng("tests", 1))
    np.testing.assert_array_equal(a, M.derangements(50, 3, nt.make_rng("tests", 1)))
    assert not np.array_equal(a, M.derangements(50, 3, nt.make_rng("tests", 2)))


def test_resample_takes_each_value_from_another_sample():
    X = np.arange(40.0).reshape(10, 4)  # all values distinct, so a value identifies its row
    Xp = M.corrupted_values(X, "resample", nt.make_rng("tests", "resample"))
    rows = (Xp - np.arange(4)) / 4  # X[i, j] = 4 i + j
    assert np.all(rows == np.round(rows)) and np.all(rows != np.arange(10)[:, None])
    for j in range(4):
        np.testing.assert_array_equal(np.sort(Xp[:, j]), X[:, j])  # every value used once


def test_mean_and_zero_corruptions():
    X = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(M.corrupted_values(X, "zero", None), 0.0)
    np.testing.assert_array_equal(M.corrupted_values(X, "mean", None), np.tile([4.5, 5.5, 6.5], (4, 1)))


def test_unknown_corruption_raises(linear3, X3):
    with pytest.raises(ValueError, match="unknown corruption 'zeros'; did you mean 'zero'.*resample, mean, zero"):
        nt.attribute("patching", linear3, X3, corruption="zeros")


def test_chunking_does_not_change_results(monkeypatch):
    c = nt.make_circuit("suppressor", seed=3)
    X = c.sample(300, nt.make_rng("data", 3))
    names = ["gradient", "input_x_gradient", "smoothgrad", "integrated_gradients", "patching", "shapley"]
    whole = {n: nt.attribute(n, c, X, rng=nt.make_rng("tests", n)) for n in names}
    monkeypatch.setattr(M, "CHUNK_ELEMENTS", 97)  # forces many tiny chunks, some of one sample
    for n in names:
        np.testing.assert_allclose(nt.attribute(n, c, X, rng=nt.make_rng("tests", n)), whole[n], rtol=1e-13)


# --- the registry and attribute() ------------------------------------------------------------


def test_required_methods_are_registered_with_families():
    required = {"random": "baseline", "correlation": "proxy", "gradient": "proxy",
                "integrated_gradients": "causal", "patching": "causal"}
    for name, family in required.items():
        assert nt.METHODS[name].family == family
    for name, method in nt.METHODS.items():
        assert method.name == name and method.family in M.FAMILIES and method.summary


def test_method_options_are_introspected():
    assert {"baseline", "steps", "rule"} <= set(nt.METHODS["integrated_gradients"].options)
    assert nt.METHODS["patching"].options == ("corruption",)
    assert nt.METHODS["gradient"].options == ()


@pytest.mark.parametrize("circuit", sorted(nt.CIRCUITS))
@pytest.mark.parametrize("method", sorted(nt.METHODS))
def test_every_method_on_every_circuit(method, circuit):
    c = nt.make_circuit(circuit, seed=1)
    X = c.sample(128, nt.make_rng("data", 1))
    scores = nt.attribute(method, c, X, rng=nt.make_rng("method", method, 1))
    assert scores.shape == (12,) and np.all(np.isfinite(scores)) and np.all(scores >= 0)
    again = nt.attribute(method, c, X, rng=nt.make_rng("method", method, 1))
    np.testing.assert_array_equal(scores, again)  # same rng stream, bit-identical
    np.testing.assert_array_equal(nt.METHODS[method](c, X, rng=nt.make_rng("method", method, 1)), scores)
    np.testing.assert_array_equal(nt.attribute(method, c, X), nt.attribute(method, c, X))  # default rng


def test_random_is_uniform_and_follows_the_rng(linear3, X3):
    a = nt.attribute("random", linear3, X3, rng=nt.make_rng("tests", 1))
    np.testing.assert_array_equal(a, nt.attribute("random", linear3, X3, rng=nt.make_rng("tests", 1)))
    assert not np.array_equal(a, nt.attribute("random", linear3, X3, rng=nt.make_rng("tests", 2)))
    draws = np.concatenate([nt.attribute("random", linear3, X3, rng=nt.make_rng("tests", k)) for k in range(2000)])
    assert np.all((draws >= 0) & (draws < 1))
    # Uniform on [0, 1): each tenth of the interval holds a tenth of 6000 draws (binomial sd ~23).
    assert np.all(np.abs(np.histogram(draws, bins=10, range=(0, 1))[0] - 600) < 120)


def test_resample_patching_follows_the_rng(curved, X3):
    a = nt.attribute("patching", curved, X3, rng=nt.make_rng("tests", 1))
    assert not np.array_equal(a, nt.attribute("patching", curved, X3, rng=nt.make_rng("tests", 2)))


def test_unknown_method_suggests_the_closest(linear3, X3):
    with pytest.raises(ValueError, match=r"unknown method 'gradiant'; did you mean 'gradient'\?") as err:
        nt.attribute("gradiant", linear3, X3)
    assert all(name in str(err.value) for name in nt.METHODS)


def test_unknown_option_names_the_valid_ones(linear3, X3):
    with pytest.raises(ValueError, match=r"unknown option 'step' for method 'integrated_gradients' "
                                         r"\(valid options: baseline, steps, rule"):
        nt.attribute("integrated_gradients", linear3, X3, step=8)
    with pytest.raises(ValueError, match=r"unknown option 'steps' for method 'gradient' \(valid options: none\)"):
        nt.attribute("gradient", linear3, X3, steps=8)


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((5, 4)), np.zeros((1, 3)), np.zeros((0, 3))])
def test_bad_X_raises(linear3, bad):
    with pytest.raises(ValueError, match="X must"):
        nt.attribute("gradient", linear3, bad)


@pytest.mark.parametrize(("returned", "message"), [
    (np.ones(2), r"returned shape \(2,\); expected \(3,\)"),
    (np.ones((3, 1)), r"returned shape \(3, 1\)"),
    (np.array([1.0, np.nan, 0.0]), r"returned NaN or inf at features \[1\]"),
    (np.array([np.inf, 0.0, 0.0]), r"returned NaN or inf at features \[0\]"),
    (np.array([1.0, -0.5, -1e-9]), r"returned negative scores at features \[1, 2\]"),
])
def test_plugin_output_is_checked(plugin, linear3, X3, returned, message):
    name = plugin("broken", lambda circuit, X, rng: returned)
    with pytest.raises(ValueError, match=f"method 'broken' {message}"):
        nt.attribute(name, linear3, X3)


def test_plugin_joins_the_registry_and_evaluate(plugin):
    # |v| @ |W|: the total weight from each feature to the output; only f0..f3 have any in clean.
    name = plugin("abs_weight_sum", lambda circuit, X, rng: np.abs(circuit.v) @ np.abs(circuit.W), family="causal")
    assert name in nt.METHODS and nt.METHODS[name].options == ()
    res = nt.evaluate(circuits="clean", seeds=2, samples=16)  # all registered methods, the plug-in included
    assert name in res.methods
    np.testing.assert_array_equal(res.cell(name, "clean"), [1.0, 1.0])


def test_register_as_decorator_and_unregister():
    @nt.register_method("tests_decorated", family="proxy")
    def tests_decorated(circuit, X, rng, *, power=1):
        """Sum of |W| per feature."""
        return np.abs(circuit.W).sum(axis=0) ** power

    try:
        assert callable(tests_decorated)  # the decorator hands the function back
        method = nt.METHODS["tests_decorated"]
        assert method.options == ("power",) and method.summary == "Sum of |W| per feature."
    finally:
        removed = nt.unregister_method("tests_decorated")
    assert removed.name == "tests_decorated" and "tests_decorated" not in nt.METHODS


def test_registration_errors(plugin):
    fn = lambda circuit, X, rng: np.zeros(circuit.n_features)  # noqa: E731
    plugin("tests_once", fn)
    with pytest.raises(ValueError, match="method 'tests_once' is already registered"):
        nt.register_method("tests_once", fn, family="proxy")
    with pytest.raises(ValueError, match="method 'gradient' is already registered"):
        nt.register_method("gradient", fn, family="proxy")
    with pytest.raises(ValueError, match="method name must be a Python identifier"):
        nt.register_method("my-method", fn, family="proxy")
    with pytest.raises(ValueError, match="must be callable"):
        nt.register_method("tests_not_callable", 42, family="proxy")
    with pytest.raises(ValueError, match="unknown family 'causual'; did you mean 'causal'"):
        nt.register_method("tests_bad_family", fn, family="causual")
    with pytest.raises(ValueError, match="unknown method 'tests_never'"):
        nt.unregister_method("tests_never")
    assert not {"my-method", "tests_not_callable", "tests_bad_family"} & set(nt.METHODS)


@pytest.mark.parametrize("fn", [
    lambda circuit, X: np.zeros(3),  # too few positional parameters
    lambda circuit, X, rng, extra: np.zeros(3),  # a required fourth one
    lambda: np.zeros(3),
])
def test_wrong_signature_is_rejected_at_registration(fn):
    with pytest.raises(ValueError, match=r"method 'tests_sig' must accept \(circuit, X, rng, \*\*options\)"):
        nt.register_method("tests_sig", fn, family="proxy")
    assert "tests_sig" not in nt.METHODS


@pytest.mark.parametrize("returned", ["high", {"f0": 1.0}, None])
def test_non_numeric_result_names_the_method(plugin, linear3, X3, returned):
    name = plugin("tests_words", lambda circuit, X, rng: returned)
    with pytest.raises(ValueError, match="method 'tests_words' returned"):
        nt.attribute(name, linear3, X3)


def test_cached_quadrature_nodes_are_read_only():
    alphas, weights = M.ig_nodes(64)
    with pytest.raises(ValueError):
        weights[0] = 1.0  # shared between calls: an edit would corrupt every later IG
    again = M.ig_nodes(np.int64(64))
    np.testing.assert_array_equal(again[1], weights)


# --- SmoothGrad, denoising and attribution patching, Shapley values --------------------------


def test_smoothgrad_on_a_linear_circuit_is_the_gradient(linear3, X3):
    # The gradient is the same everywhere, so noise cannot change it.
    np.testing.assert_allclose(nt.attribute("smoothgrad", linear3, X3), np.abs(G), rtol=1e-13)


def test_smoothgrad_without_noise_is_the_gradient(curved, X3):
    np.testing.assert_allclose(nt.attribute("smoothgrad", curved, X3, noise=0.0),
                               nt.attribute("gradient", curved, X3), rtol=1e-13)


def test_smoothgrad_averages_gradients_at_noisy_copies(curved, X3):
    # With noise the score is a mean of |grad| at points near X: it moves away from the plain
    # gradient, yet never exceeds the largest possible slope sum_u |v_u W_uj| (|tanh'| <= 1).
    sg = nt.attribute("smoothgrad", curved, X3, noise=0.5, copies=8)
    assert not np.allclose(sg, nt.attribute("gradient", curved, X3))
    assert np.all(sg <= np.abs(curved.v) @ np.abs(curved.W) + 1e-12)  # |phi'| <= 1 for tanh


@pytest.mark.parametrize(("option", "bad"), [("noise", -0.1), ("noise", float("nan")), ("copies", 0),
                                             ("copies", 2.5), ("copies", True)])
def test_smoothgrad_bad_options(linear3, X3, option, bad):
    with pytest.raises(ValueError, match=f"{option} must be"):
        nt.attribute("smoothgrad", linear3, X3, **{option: bad})


@pytest.mark.parametrize("corruption", M.CORRUPTIONS)
def test_attribution_patching_is_exact_on_a_linear_circuit(linear3, X3, corruption):
    # First-order Taylor is exact when f is linear: the same patches give the same effects.
    rng = lambda: nt.make_rng("tests", "ap")  # noqa: E731
    np.testing.assert_allclose(
        nt.attribute("attribution_patching", linear3, X3, rng=rng(), corruption=corruption),
        nt.attribute("patching", linear3, X3, rng=rng(), corruption=corruption), rtol=1e-12)


def test_attribution_patching_is_the_slope_of_each_patch_at_its_start(curved, X3):
    # Each estimate is the derivative of f along its patch, at t = 0: f(x + t (x~_j - x_j) e_j),
    # taken here by central finite differences of the forward pass, with no gradient code at all.
    Xp = M.corrupted_values(X3, "resample", nt.make_rng("tests", "ap2"))
    h, slopes = 1e-6, np.empty(X3.shape)
    for j in range(X3.shape[1]):
        step = np.zeros(X3.shape)
        step[:, j] = h * (Xp[:, j] - X3[:, j])
        slopes[:, j] = (curved.forward(X3 + step) - curved.forward(X3 - step)) / (2 * h)
    got = nt.attribute("attribution_patching", curved, X3, rng=nt.make_rng("tests", "ap2"))
    np.testing.assert_allclose(got, np.abs(slopes).mean(axis=0), rtol=1e-7)  # O(h^2) plus rounding / h
    # ... and it is not the patch itself: the circuit bends over a patch.
    assert not np.allclose(got, nt.attribute("patching", curved, X3, rng=nt.make_rng("tests", "ap2")), rtol=1e-3)


@pytest.mark.parametrize("activation", sorted(nt.ACTIVATIONS))
def test_denoising_patching_restores_one_feature_into_the_reference(tiny, X3, activation):
    c = tiny([[1.5, -0.7, 0.0], [0.3, 0.9, 0.0]], b=[0.2, -0.1], v=[1.0, -0.6], activation=activation)
    expected = F.denoising_patching(c, X3, corruption="zero")  # from the all-zeros input, put back x_j only
    got = nt.attribute("denoising_patching", c, X3, corruption="zero")
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert got[2] == 0.0


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_shapley_matches_every_coalition_and_its_axioms(tiny, activation):
    # Units reading overlapping feature sets, one idle unit (v = 0), one zero-weight feature.
    W = [[1.2, -0.8, 0.5, 0.0, 0.0], [0.0, 0.7, -1.1, 0.9, 0.0], [0.4, 0.0, 0.0, -1.3, 0.0],
         [2.0, 0.0, 0.0, 0.0, 0.0]]
    c = tiny(W, b=[0.1, -0.3, 0.2, 0.5], v=[1.0, -0.7, 0.6, 0.0], activation=activation)
    X = nt.make_rng("tests", "shapley").standard_normal((40, 5))
    for reference, ref_row in (("zero", np.zeros(5)), ("mean", X.mean(axis=0))):
        phi = M.shapley_values(c, X, reference=reference)
        np.testing.assert_allclose(phi, F.shapley_values(c, X, reference=reference), rtol=1e-10, atol=1e-12)
        # Efficiency: the values add up to f(x) - f(reference).
        np.testing.assert_allclose(phi.sum(axis=1), c.forward(X) - c.forward(ref_row[None]), atol=1e-12)
        assert np.all(phi[:, 4] == 0.0)  # a null player scores exactly 0
    # Interventional Shapley over the data: with background >= n every row is a reference.
    small = X[:10]
    phi = M.shapley_values(c, small, reference="data", background=10, rng=nt.make_rng("tests", "bg"))
    np.testing.assert_allclose(phi, F.shapley_values(c, small, reference="data", background=10, rng=nt.make_rng("t")),
                               rtol=1e-10, atol=1e-12)  # every row is a reference row, whatever the draw


def test_shapley_of_a_linear_circuit_is_weight_times_input(linear3, X3):
    np.testing.assert_allclose(M.shapley_values(linear3, X3), X3 * G, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(nt.attribute("shapley", linear3, X3), np.abs(X3 * G).mean(axis=0), rtol=1e-12)


# --- levels: a Method runs through its own level's checked entry point -----------------------


def test_a_method_of_each_level_runs_through_its_level():
    from neurotrace import discovery
    from neurotrace.deep import make_deep_circuit

    assert set(M.LEVELS) == {"input", "hidden", "edge"}
    c = nt.make_circuit("suppressor")
    X = c.sample(64, nt.make_rng("tests", "levels"))
    rng = lambda: nt.make_rng("tests", "levels", "rng")  # noqa: E731
    np.testing.assert_array_equal(nt.METHODS["random"](c, X, rng=rng()), nt.attribute("random", c, X, rng=rng()))
    hidden = nt.HIDDEN_METHODS["random"](c, X, rng=rng())  # the same name scores units, not features
    assert hidden.shape == (c.n_hidden,)
    np.testing.assert_array_equal(hidden, nt.attribute_hidden("random", c, X, rng=rng()))
    deep = make_deep_circuit("clean_paths")
    Xd = deep.sample(32, nt.make_rng("tests", "levels", "deep"))
    np.testing.assert_array_equal(discovery.EDGE_METHODS["random"](deep, Xd, rng=rng()),
                                  discovery.attribute_edges("random", deep, Xd, rng=rng()))


def test_a_method_of_an_unknown_level_says_so(linear3, X3):
    orphan = M.Method("gradient", M.gradient, "proxy", "", level="neuron")
    with pytest.raises(ValueError, match="unknown method level 'neuron'"):
        orphan(linear3, X3)
