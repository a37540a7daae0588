"""Neuron level: hidden-unit ground truth, the unit methods' closed forms, evaluate(level="hidden")."""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt
from neurotrace.hidden import HIDDEN_METHODS


def data(circuit, seed=0, n=512):
    return circuit.sample(n, nt.make_rng("data", seed))


@pytest.mark.parametrize("name", list(nt.CIRCUITS))
def test_hidden_truth_marks_units_that_reach_the_output(name):
    c = nt.make_circuit(name)
    # A causal unit has a non-zero output weight; idle units (v == 0) never are causal.
    assert not c.hidden_causal[c.v == 0].any()
    assert c.hidden_causal.any() and not c.hidden_causal.all()  # both classes: AUROC is defined
    # Every causal unit reads at least one causal feature and no decoy.
    reads = c.W[c.hidden_causal] != 0
    assert reads[:, c.causal].any(axis=1).all()
    assert not reads[:, c.decoy].any()


def test_unit_methods_closed_forms(tiny):
    # y = 2 tanh(x0) - 3 tanh(x1) + 0 * tanh(x2): the unit gradient is |v|, exactly.
    c = tiny(np.eye(3), v=[2.0, -3.0, 0.0], activation="tanh")
    X = data(c, n=256)
    H = np.tanh(X)
    np.testing.assert_array_equal(nt.attribute_hidden("gradient", c, X), [2.0, 3.0, 0.0])
    np.testing.assert_allclose(nt.attribute_hidden("activation_x_gradient", c, X),
                               np.abs(H * [2.0, -3.0, 0.0]).mean(axis=0))
    # Zero-ablating unit u changes y by exactly -v_u h_u; mean-ablation by v_u (mean - h_u).
    np.testing.assert_allclose(nt.attribute_hidden("patching", c, X, corruption="zero"),
                               np.abs(H * [2.0, -3.0, 0.0]).mean(axis=0))
    np.testing.assert_allclose(nt.attribute_hidden("patching", c, X, corruption="mean"),
                               np.abs((H.mean(axis=0) - H) * [2.0, -3.0, 0.0]).mean(axis=0))
    corr = nt.attribute_hidden("correlation", c, X)
    y = c.forward(X)
    np.testing.assert_allclose(corr[:2], [abs(np.corrcoef(H[:, u], y)[0, 1]) for u in range(2)])


def test_unit_patching_resample_is_an_exact_forward_difference():
    # Patching unit u from another sample, computed the slow way: re-run the network with
    # that unit's activation replaced. The output is linear in h, so this must agree exactly.
    c = nt.make_circuit("suppressor")
    X = data(c, n=64)
    rng_a, rng_b = nt.make_rng("t", 1), nt.make_rng("t", 1)
    fast = nt.attribute_hidden("patching", c, X, rng=rng_a)
    partner = nt.methods.derangements(len(X), c.n_hidden, rng_b)
    H = c.hidden(X)
    slow = np.empty(c.n_hidden)
    for u in range(c.n_hidden):  # a loop over units, fine in a test
        Hp = H.copy()
        Hp[:, u] = H[partner[:, u], u]
        slow[u] = np.abs(Hp @ c.v - H @ c.v).mean()
    np.testing.assert_allclose(fast, slow, atol=1e-12)


def test_neuron_level_tells_a_different_story_on_the_suppressor():
    hidden = nt.evaluate(circuits=["clean", "suppressor"], level="hidden", seeds=4)
    inputs = nt.evaluate(methods=["patching"], circuits="suppressor", seeds=4)
    # Input level: patching the decoy feature moves both gates at once: ~no effect, AUROC 1.
    assert inputs.cell("patching", "suppressor").min() == 1.0
    # Neuron level: each gate alone moves the output; patching one unit flags the gates.
    assert hidden.cell("patching", "clean").min() == 1.0
    assert hidden.cell("patching", "suppressor").max() < 0.9
    assert hidden.cell("gradient", "suppressor").max() < 0.9
    # Correlation with the output does not see the gates (they carry ~nothing net).
    assert hidden.cell("correlation", "suppressor").min() == 1.0


def test_evaluate_hidden_shapes_and_padding():
    r = nt.evaluate(circuits=["clean", "suppressor"], level="hidden", seeds=2, samples=64)
    assert r.level == "hidden" and r.methods == tuple(HIDDEN_METHODS)
    widths = [nt.make_circuit(c).n_hidden for c in r.circuits]
    assert r.importances.shape == (len(HIDDEN_METHODS), 2, 2, max(widths))
    # The narrower circuit is padded with NaN beyond its own units, nowhere else.
    j = int(np.argmin(widths))
    assert np.isnan(r.importances[:, j, :, widths[j]:]).all()
    assert not np.isnan(r.importances[:, j, :, : widths[j]]).any()
    assert "activation_x_gradient" in r.to_markdown()


def test_calling_a_method_runs_it_at_its_own_level():
    c = nt.make_circuit("suppressor")
    X = data(c, n=64)
    np.testing.assert_array_equal(HIDDEN_METHODS["gradient"](c, X), np.abs(c.v))  # units, not inputs
    np.testing.assert_array_equal(nt.METHODS["gradient"](c, X), nt.attribute("gradient", c, X))
    assert HIDDEN_METHODS["patching"](c, X).shape == (c.n_hidden,)


def test_hidden_errors():
    c = nt.make_circuit("clean")
    X = data(c, n=8)
    with pytest.raises(ValueError, match="unknown hidden-unit method 'patchin'.*did you mean 'patching'"):
        nt.attribute_hidden("patchin", c, X)
    with pytest.raises(ValueError, match="unknown level 'neuron'"):
        nt.evaluate(level="neuron")
    with pytest.raises(ValueError, match="unknown corruption"):
        nt.attribute_hidden("patching", c, X, corruption="noise")
