"""Circuits: structure, forward/gradient, data, the honesty of each decoy, and input checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import neurotrace as nt

ALL = sorted(nt.CIRCUITS)
DECOY_REGIMES = [name for name in ALL if nt.make_circuit(name).decoy.any()]
REFERENCE_SEEDS = range(16)  # the seeds of the reference table


def data(circuit, seed, n=512):
    """The samples evaluate() draws for ``seed``."""
    return circuit.sample(n, nt.make_rng("data", seed))


# --- structure -------------------------------------------------------------------------------


def test_reference_regimes_are_registered():
    assert {"clean", "confounded", "suppressor"} <= set(nt.CIRCUITS)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("seed", [0, 7])
def test_shapes_and_masks(name, seed):
    c = nt.make_circuit(name, seed=seed)
    h, d = c.W.shape
    assert (c.n_hidden, c.n_features) == (h, d)
    assert d == 12 and c.causal.sum() == 4  # as in the original brief's demo
    assert c.b.shape == c.v.shape == c.hidden_causal.shape == (h,)
    assert c.causal.shape == c.decoy.shape == (d,) and c.mixing.shape == (d, d)
    assert c.causal.dtype == c.decoy.dtype == c.hidden_causal.dtype == np.bool_
    assert not (c.causal & c.decoy).any(), "a decoy is never causal"
    assert c.activation in nt.ACTIVATIONS
    assert c.name == name and c.seed == seed and c.strength == 1.0
    assert c.description.strip()
    assert set(c.fools) <= set(nt.METHODS), f"{name}.fools names unregistered methods {c.fools}"
    # Causal features feed the causal hidden units; a decoy regime plants exactly two decoys.
    assert (c.W[c.hidden_causal][:, c.causal] != 0).any(axis=0).all()
    if c.decoy.any():
        assert c.decoy.sum() == 2 and c.fools


def test_clean_is_the_control():
    c = nt.make_circuit("clean")
    assert not c.decoy.any() and c.fools == ()
    # Non-causal features reach only idle units (output weight exactly 0): the only signal
    # that reaches y comes from f0..f3.
    live = c.v != 0
    assert np.all(c.W[live][:, ~c.causal] == 0)
    assert (c.W[~live] != 0).any(), "the idle units read noise features (live but carrying nothing)"


def test_clean_accepts_and_ignores_strength():
    a, b = nt.make_circuit("clean", strength=1.0, seed=3), nt.make_circuit("clean", strength=5.0, seed=3)
    for field in ("W", "b", "v", "mixing"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


@pytest.mark.parametrize("name", ALL)
def test_circuit_is_frozen(name):
    c = nt.make_circuit(name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.strength = 2.0
    for field in ("W", "b", "v", "causal", "mixing"):
        with pytest.raises(ValueError):  # read-only arrays: no silent edits to the weights
            getattr(c, field)[0] = 1


def test_seeds_give_different_weights_same_seed_same_weights():
    for name in ALL:
        a, b = nt.make_circuit(name, seed=0), nt.make_circuit(name, seed=1)
        assert not np.array_equal(a.W, b.W) or not np.array_equal(a.v, b.v)
        again = nt.make_circuit(name, seed=0)
        np.testing.assert_array_equal(a.W, again.W)
        np.testing.assert_array_equal(a.v, again.v)


# --- forward and gradient --------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("strength", [0.0, 1.0, 2.5])
def test_forward_is_v_dot_phi_of_Wx_plus_b(name, strength):
    c = nt.make_circuit(name, strength=strength, seed=2)
    X = data(c, 2, 64)
    phi = nt.ACTIVATIONS[c.activation][0]
    # A per-sample reference, deliberately looped: an independent reading of y = v . phi(Wx + b).
    expected = np.array([c.v @ phi(c.W @ x + c.b) for x in X])
    np.testing.assert_allclose(c.forward(X), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.hidden(X), phi(c.preactivation(X)))
    assert c.forward(X).shape == (64,) and c.hidden(X).shape == (64, c.n_hidden)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("strength", [0.0, 1.0, 2.5])
def test_gradient_matches_central_differences(name, strength):
    c = nt.make_circuit(name, strength=strength, seed=4)
    X = data(c, 4, 32)
    h = 1e-6
    numeric = np.stack([(c.forward(X + h * e) - c.forward(X - h * e)) / (2 * h) for e in np.eye(c.n_features)],
                       axis=1)
    grad = c.gradient(X)
    assert grad.shape == X.shape
    # The suppressor's gates are steep (gain 32 s), so allow the difference quotient's O(h^2) error.
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", sorted(nt.ACTIVATIONS))
def test_tiny_gradient_closed_form(tiny, activation):
    # One unit, y = 3 phi(2 x0 - x1 + 0.5): dy/dx = 3 phi'(z) [2, -1, 0].
    c = tiny([[2.0, -1.0, 0.0]], b=[0.5], v=[3.0], activation=activation)
    X = np.array([[0.3, -0.2, 5.0], [-1.0, 0.4, -2.0], [1.0, 1.0, 1.0]])
    z = X @ np.array([2.0, -1.0, 0.0]) + 0.5
    dphi = nt.ACTIVATIONS[activation][1]
    expected = 3.0 * dphi(z)[:, None] * np.array([2.0, -1.0, 0.0])
    np.testing.assert_allclose(c.gradient(X), expected, rtol=1e-14)
    assert np.all(c.gradient(X)[:, 2] == 0)


@pytest.mark.parametrize("bad", [np.zeros(12), np.zeros((5, 11)), np.zeros((2, 3, 12))])
def test_wrong_X_shape_raises(bad):
    c = nt.make_circuit("clean")
    for fn in (c.forward, c.gradient, c.hidden, c.check_inputs):
        with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 12\)"):
            fn(bad)


def test_check_inputs_gives_a_float_array_of_the_same_values():
    c = nt.make_circuit("clean")
    X = c.check_inputs([[1] * 12, [0] * 12])
    assert X.dtype == float and X.shape == (2, 12) and X[0].sum() == 12.0


def test_circuit_constructor_checks(tiny):
    with pytest.raises(ValueError, match="unknown activation 'tanhh'.*did you mean 'tanh'"):
        tiny([[1.0, 0.0]], activation="tanhh")
    with pytest.raises(ValueError, match="b and v must have shape"):
        tiny([[1.0, 0.0]], b=[0.0, 0.0])
    with pytest.raises(ValueError, match="must match the 2 features of W"):
        tiny([[1.0, 0.0]], causal=[True, False, False])
    with pytest.raises(ValueError, match="must match the 2 features of W"):
        tiny([[1.0, 0.0]], mixing=np.eye(3))


# --- data ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_sample_is_deterministic_and_shaped(name):
    c = nt.make_circuit(name)
    a, b = c.sample(100, nt.make_rng("data", 5)), c.sample(100, nt.make_rng("data", 5))
    assert a.shape == (100, 12)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c.sample(100, nt.make_rng("data", 6)))


@pytest.mark.parametrize("name", ALL)
def test_every_feature_has_unit_variance(name):
    # X = Z mixing^T with Z ~ N(0, I): feature variances are the squared row norms of mixing.
    c = nt.make_circuit(name, seed=3)
    np.testing.assert_allclose((c.mixing**2).sum(axis=1), 1.0, rtol=1e-12)
    X = c.sample(20_000, nt.make_rng("tests", "variance"))
    np.testing.assert_allclose(X.var(axis=0), 1.0, atol=0.05)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=0.05)


def test_confounder_correlation_with_drive_is_closed_form():
    # x_decoy = (a drive + noise) / sqrt(1 + a^2), a = 2 s: corr(x_decoy, drive) = a / sqrt(1 + a^2).
    for strength in (0.5, 1.0, 2.0):
        c = nt.make_circuit("confounded", strength=strength, seed=1)
        a = 2.0 * strength
        drive_dir = (c.v[:, None] * c.W).sum(axis=0)  # the linear drive sum_i v_i w_i x_i
        drive_dir /= np.linalg.norm(drive_dir)
        for j in np.flatnonzero(c.decoy):
            # Population correlation from the mixing matrix (exact), not from a sample.
            np.testing.assert_allclose(c.mixing[j] @ drive_dir, a / np.sqrt(1 + a * a), rtol=1e-12)


# --- honest decoys (checked on the weights and importances, not only the AUROC) --------------


@pytest.mark.parametrize("seed", REFERENCE_SEEDS)
def test_confounder_has_zero_weight_but_beats_causal_correlation(seed):
    c = nt.make_circuit("confounded", seed=seed)
    assert np.all(c.W[:, c.decoy] == 0.0), "the confounder must never enter the network"
    X = data(c, seed)
    # Zero weight means zero slope and zero patching effect, exactly.
    assert np.all(c.gradient(X)[:, c.decoy] == 0.0)
    assert np.all(nt.attribute("patching", c, X)[c.decoy] == 0.0)
    r = nt.attribute("correlation", c, X)
    assert r[c.decoy].min() > r[c.causal].max(), f"seed {seed}: |corr| decoy {r[c.decoy]} causal {r[c.causal]}"


@pytest.mark.parametrize("seed", REFERENCE_SEEDS)
def test_suppressor_is_steep_but_has_little_effect(seed):
    c = nt.make_circuit("suppressor", seed=seed)
    X = data(c, seed)
    grad = nt.attribute("gradient", c, X)
    patch = nt.attribute("patching", c, X, rng=nt.make_rng("method", "patching", seed))
    ig = nt.attribute("integrated_gradients", c, X)
    causal, decoy = c.causal, c.decoy
    assert grad[decoy].min() > grad[causal].max(), f"seed {seed}: mean |grad| {grad}"
    assert patch[decoy].max() < patch[causal].min(), f"seed {seed}: patching {patch}"
    assert ig[decoy].max() < ig[causal].min(), f"seed {seed}: mean |IG| {ig}"
    # The same holds whatever patching replaces the feature with.
    for corruption in ("mean", "zero"):
        p = nt.attribute("patching", c, X, corruption=corruption)
        assert p[decoy].max() < p[causal].min(), f"seed {seed}, {corruption}: {p}"


def test_suppressor_gates_cancel_outside_their_window():
    # Far from the window both gates of a pair saturate at the same value: the decoy's
    # contribution is 0 and so is its slope (to float precision).
    c = nt.make_circuit("suppressor")
    X = np.zeros((4, 12))
    X[:, c.decoy] = [[5.0, 5.0], [-5.0, -5.0], [5.0, -5.0], [-5.0, 5.0]]
    np.testing.assert_allclose(c.forward(X), nt.make_circuit("clean").forward(X), atol=1e-12)
    np.testing.assert_allclose(c.gradient(X)[:, c.decoy], 0.0, atol=1e-12)


# Issue 3's contract for its decoy regimes: strength 0 removes the decoy and leaves `clean`.
# (Regimes added later, e.g. redundant/interaction, define their own additive control.)
@pytest.mark.parametrize("name", ["clean", "confounded", "suppressor"])
@pytest.mark.parametrize("seed", [0, 5, 11])
def test_strength_zero_is_the_clean_control(name, seed):
    c0, clean = nt.make_circuit(name, strength=0.0, seed=seed), nt.make_circuit("clean", seed=seed)
    X = data(clean, seed)
    np.testing.assert_allclose(c0.forward(X), clean.forward(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(c0.gradient(X), clean.gradient(X), rtol=0, atol=1e-12)
    # The data distribution is the control's too (the confounder is gone from the data).
    np.testing.assert_allclose(data(c0, seed), X, rtol=0, atol=1e-12)


def test_suppressor_slope_grows_with_strength():
    # Raising s steepens the gates (mean |grad| of the decoys grows like s).
    circuits = [nt.make_circuit("suppressor", strength=s) for s in (0.5, 1.0, 2.0, 4.0)]
    X = data(circuits[0], 0)
    decoy_grad = [nt.attribute("gradient", c, X)[c.decoy].mean() for c in circuits]
    assert np.all(np.diff(decoy_grad) > 0), decoy_grad


# --- make_circuit input checks ---------------------------------------------------------------


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"unknown circuit 'supressor'; did you mean 'suppressor'\?") as err:
        nt.make_circuit("supressor")
    msg = str(err.value)
    assert "\n" not in msg
    for name in nt.CIRCUITS:
        assert name in msg  # the valid choices are listed


@pytest.mark.parametrize("bad", [None, 3, ["clean"]])
def test_non_string_name_raises(bad):
    with pytest.raises(ValueError, match="unknown circuit"):
        nt.make_circuit(bad)


@pytest.mark.parametrize("bad", [-0.1, -1, float("nan"), float("inf"), -float("inf"), True, "strong", None])
def test_bad_strength_raises(bad):
    with pytest.raises(ValueError, match=r"strength must be a finite number >= 0") as err:
        nt.make_circuit("confounded", strength=bad)
    assert "\n" not in str(err.value) and repr(bad) in str(err.value)


@pytest.mark.parametrize("good", [0, 0.0, 1, 2.5, "1.5", np.float32(0.5)])
def test_good_strengths_accepted(good):
    assert nt.make_circuit("suppressor", strength=good).strength == float(good)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "x"])
def test_bad_seed_raises(bad):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        nt.make_circuit("clean", seed=bad)
