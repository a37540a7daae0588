"""The Methods page's attribution-patching figure and the calculations it draws (neurotrace.analysis):
exact patches vs the tangent."""

import numpy as np
import pytest
from matplotlib.colors import to_rgb

import neurotrace as nt
from neurotrace import analysis, plots


@pytest.fixture(scope="module")
def suppressor():
    circuit = nt.make_circuit("suppressor")
    X = circuit.sample(512, nt.make_rng("data", 0))
    return circuit, X


def test_first_order_patches_against_patched_forwards_and_gradient(tiny):
    c = tiny([[1.5, -0.7, 0.0], [0.3, 0.9, 0.0]], b=[0.2, -0.1], v=[1.0, -0.6], activation="tanh")
    rng = nt.make_rng("tests", "first-order")
    X, X_patch = rng.standard_normal((40, 3)), rng.standard_normal((40, 3))
    exact, estimate = analysis.first_order_patches(c, X, X_patch)
    for j in range(3):
        moved = X.copy()
        moved[:, j] = X_patch[:, j]
        np.testing.assert_allclose(exact[:, j], c.forward(moved) - c.forward(X), atol=1e-12)
    # The hand-derived gradient: dy/dx_j = sum_u v_u (1 - tanh(z_u)^2) W_uj.
    Z = X @ c.W.T + c.b
    grad = ((1 - np.tanh(Z) ** 2) * c.v) @ c.W
    np.testing.assert_allclose(estimate, grad * (X_patch - X), atol=1e-12)
    assert np.all(exact[:, 2] == 0) and np.all(estimate[:, 2] == 0)  # zero weight: no effect either way


def test_first_order_is_exact_on_a_linear_circuit(tiny, X3):
    c = tiny([[2.0, -3.0, 0.0], [1.0, 1.0, 0.0]], b=[0.5, -1.0], activation="linear")
    X_patch = X3[::-1]
    exact, estimate = analysis.first_order_patches(c, X3, X_patch)
    np.testing.assert_allclose(estimate, exact, atol=1e-12)
    # y = 3 x0 - 2 x1 + const, so a patch of x0 by d changes y by exactly 3 d.
    np.testing.assert_allclose(exact[:, 0], 3 * (X_patch[:, 0] - X3[:, 0]), atol=1e-12)
    error = analysis.first_order_error(exact, estimate)
    assert error[0] == pytest.approx(0, abs=1e-12) and error[1] == pytest.approx(0, abs=1e-12)
    assert np.isnan(error[2])  # a feature whose patches change nothing has no relative error


def test_first_order_error_is_mean_gap_over_mean_effect():
    exact = np.array([[1.0, 0.0], [-3.0, 0.0]])
    estimate = np.array([[2.0, 0.5], [-3.0, -0.5]])
    error = analysis.first_order_error(exact, estimate)
    assert error[0] == pytest.approx((1.0 + 0.0) / 2 / ((1.0 + 3.0) / 2))  # 0.25
    assert np.isnan(error[1])


def test_helpers_reproduce_both_methods_scores_on_evaluates_patches(suppressor):
    circuit, X = suppressor
    exact, estimate = analysis.first_order_patches(circuit, X, analysis.resample_patches(circuit, X))
    # resample_patches is the draw attribution_patching gets in evaluate() at seed 0 ...
    same_stream = nt.make_rng("method", "attribution_patching", 0)
    np.testing.assert_allclose(np.abs(estimate).mean(axis=0),
                               nt.attribute("attribution_patching", circuit, X, rng=same_stream), rtol=1e-12)
    # ... and noising patching given the same draw averages the exact effects.
    same_stream = nt.make_rng("method", "attribution_patching", 0)
    np.testing.assert_allclose(np.abs(exact).mean(axis=0),
                               nt.attribute("patching", circuit, X, rng=same_stream), rtol=1e-12)
    results = nt.evaluate("attribution_patching", "suppressor", seeds=1)
    np.testing.assert_allclose(results.importances[0, 0, 0], np.abs(estimate).mean(axis=0), rtol=1e-12)


def test_the_tangent_fails_on_the_suppressor_gate_and_roughly_holds_on_the_causal_core(suppressor):
    circuit, X = suppressor
    exact, estimate = analysis.first_order_patches(circuit, X, analysis.resample_patches(circuit, X))
    error = analysis.first_order_error(exact, estimate)
    assert np.all(error[circuit.decoy] > 5)  # off by several times the effect itself
    assert np.all(error[circuit.causal] < 0.6)  # the tanh bends over a patch, but not that much
    live = circuit.causal | circuit.decoy
    ratio = np.abs(estimate[:, live]).mean(axis=0) / np.abs(exact[:, live]).mean(axis=0)
    assert np.all(ratio[circuit.decoy[live]] > 5)  # attribution patching inflates the decoy's score
    assert np.all((0.6 < ratio[circuit.causal[live]]) & (ratio[circuit.causal[live]] < 1))  # shrinks a cause's a bit
    # The causal core is the clean circuit's: its features' patches are identical there.
    clean = nt.make_circuit("clean")
    exact_clean, estimate_clean = analysis.first_order_patches(clean, X, analysis.resample_patches(clean, X))
    np.testing.assert_array_equal(exact_clean[:, circuit.causal], exact[:, circuit.causal])
    np.testing.assert_array_equal(estimate_clean[:, circuit.causal], estimate[:, circuit.causal])


def test_figure_plots_each_features_patches_in_its_role_colour(suppressor):
    circuit, X = suppressor
    fig = plots.attribution_patching_figure(circuit)
    axes = np.array(fig.axes).reshape(2, 2)
    exact, estimate = analysis.first_order_patches(circuit, X, analysis.resample_patches(circuit, X))
    error = analysis.first_order_error(exact, estimate)
    decoy = int(np.flatnonzero(circuit.decoy)[0])
    causal_features = np.flatnonzero(circuit.causal)
    causal = int(causal_features[np.argmax(np.linalg.norm(circuit.W[:, causal_features], axis=0))])
    for col, (j, role) in enumerate(((decoy, "decoy"), (causal, "causal"))):
        top, bottom = axes[:, col]
        points = bottom.collections[0]
        np.testing.assert_allclose(points.get_offsets(), np.column_stack([exact[:, j], estimate[:, j]]))
        assert np.allclose(points.get_facecolor()[0, :3], to_rgb(plots.ROLE_COLORS[role]))
        assert f"error {error[j]:.2f} × the effect" in bottom.get_title()
        assert top.get_xlabel().startswith(f"f{j} ({role})")
        # The exact patched point sits on the output curve; the estimate on the tangent.
        curve, tangent, start, patched, first_order = top.get_lines()[:5]
        i = int(top.get_xlabel().split("sample ")[-1])
        x_new = patched.get_xdata()[0]
        moved = X[i].copy()
        moved[j] = x_new
        assert patched.get_ydata()[0] == pytest.approx(circuit.forward(moved[None])[0], abs=1e-9)
        assert first_order.get_ydata()[0] == pytest.approx(start.get_ydata()[0] + estimate[i, j], abs=1e-9)
        assert np.interp(x_new, tangent.get_xdata(), tangent.get_ydata()) == pytest.approx(
            first_order.get_ydata()[0], abs=1e-6)
    assert error[decoy] > 5 > 1 > error[causal]  # so the two titles tell the two stories


def test_figure_without_a_decoy_shows_two_causal_features():
    clean = nt.make_circuit("clean")
    fig = plots.attribution_patching_figure(clean)
    labels = [ax.get_xlabel() for ax in fig.axes[:2]]
    assert all("(causal)" in label for label in labels)
    assert labels[0].split()[0] != labels[1].split()[0]
