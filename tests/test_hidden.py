"""Neuron level: hidden-unit ground truth, the unit methods' closed forms, evaluate(level="hidden")."""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import hidden
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


def test_the_truths_part_only_where_units_cancel():
    # Both truths are computed from the weights; they differ on the suppressor only (the gate pairs).
    for name in nt.CIRCUITS:
        for strength in (0.0, 0.25, 1.0, 2.0):
            for seed in range(3):
                c = nt.make_circuit(name, strength=strength, seed=seed)
                np.testing.assert_array_equal(hidden.task_units(c), c.hidden_causal)  # the documented criterion
                parts = hidden.effect_units(c) & ~hidden.task_units(c)
                if name == "suppressor" and strength > 0:
                    assert parts.sum() == 4 and not c.causal[np.flatnonzero(c.W[parts].any(axis=0))].any()
                else:
                    assert not parts.any(), (name, strength, seed)


@pytest.mark.parametrize("name", list(nt.CIRCUITS))
def test_the_effect_truth_is_what_single_unit_patching_measures(name):
    # A unit has an individual effect (weights) exactly when patching it alone moves the output (data).
    for seed in range(3):
        c = nt.make_circuit(name, seed=seed)
        single = nt.attribute_hidden("patching", c, data(c, seed), rng=nt.make_rng("t", seed))
        np.testing.assert_array_equal(single > 0, hidden.effect_units(c))


def test_unit_groups_are_units_reading_the_same_features():
    c = nt.make_circuit("suppressor")
    groups = hidden.unit_groups(c)
    gates = np.flatnonzero(hidden.effect_units(c) & ~c.hidden_causal)
    assert len(np.unique(groups[gates])) == 2  # two gate pairs, one per decoy feature
    for u in range(c.n_hidden):
        same = np.flatnonzero(groups == groups[u])
        assert all(np.array_equal(c.W[v] != 0, c.W[u] != 0) for v in same)
        others = np.flatnonzero(groups != groups[u])
        assert not any(np.array_equal(c.W[v] != 0, c.W[u] != 0) for v in others)


@pytest.mark.parametrize("name", ["suppressor", "interaction", "redundant"])
def test_joint_patching_against_brute_force(name):
    # The slow way: for each group, re-run the output with every member's activation taken from
    # the group's partner sample, one group at a time.
    c = nt.make_circuit(name, seed=2)
    X = data(c, seed=2, n=96)
    groups = hidden.unit_groups(c)
    fast = nt.attribute_hidden("joint_patching", c, X, rng=nt.make_rng("t", 7))
    partner = nt.methods.derangements(len(X), int(groups.max()) + 1, nt.make_rng("t", 7))
    H = c.hidden(X)
    for g in np.unique(groups):
        Hp = H.copy()
        members = groups == g
        Hp[:, members] = H[partner[:, g]][:, members]
        slow = np.abs(Hp @ c.v - H @ c.v).mean()
        np.testing.assert_allclose(fast[members], slow, rtol=1e-12, atol=1e-15)
    for corruption in ("zero", "mean"):  # the same check against fixed corruptions
        joint = nt.attribute_hidden("joint_patching", c, X, corruption=corruption)
        patched = np.zeros_like(H) if corruption == "zero" else np.broadcast_to(H.mean(axis=0), H.shape)
        for g in np.unique(groups):
            members = groups == g
            Hp = H.copy()
            Hp[:, members] = patched[:, members]
            np.testing.assert_allclose(joint[members], np.abs(Hp @ c.v - H @ c.v).mean(), rtol=1e-12, atol=1e-15)


def test_cancellation_on_the_suppressor():
    c = nt.make_circuit("suppressor")
    X = data(c)
    single = nt.attribute_hidden("patching", c, X, rng=nt.make_rng("method", "patching", 0))
    joint = nt.attribute_hidden("joint_patching", c, X, rng=nt.make_rng("method", "joint_patching", 0))
    gates = hidden.effect_units(c) & ~c.hidden_causal
    # Alone, every gate moves the output more than any causal unit; with its partner, less than any.
    assert single[gates].min() > single[c.hidden_causal].max()
    assert joint[gates].max() < joint[c.hidden_causal].min()
    assert nt.auroc(single, hidden.effect_units(c)) == 1.0 and nt.auroc(single, c.hidden_causal) == 0.5
    assert nt.auroc(joint, c.hidden_causal) == 1.0


def test_neuron_level_scored_against_both_truths():
    task = nt.evaluate(circuits=["clean", "suppressor"], level="hidden", seeds=4)
    effect = nt.evaluate(circuits=["clean", "suppressor"], level="hidden", truth="effect", seeds=4)
    inputs = nt.evaluate(methods=["patching"], circuits="suppressor", seeds=4)
    assert task.truth == "task" and effect.truth == "effect" and inputs.truth == "causal"
    # Input level: patching the decoy feature moves both gates at once: ~no effect, AUROC 1.
    assert inputs.cell("patching", "suppressor").min() == 1.0
    # Single-unit methods answer the individual question: right against "effect", chance against "task".
    for method in ("patching", "gradient", "activation_x_gradient"):
        assert effect.cell(method, "suppressor").min() == 1.0, method
        assert task.cell(method, "suppressor").max() == 0.5, method
    # Joint patching sees the cancellation and recovers the task circuit.
    assert task.cell("joint_patching", "suppressor").min() == 1.0
    assert task.cell("joint_patching", "clean").min() == 1.0


def test_truth_errors():
    with pytest.raises(ValueError, match="unknown hidden truth 'tasks'.*did you mean 'task'"):
        nt.evaluate(level="hidden", truth="tasks", seeds=1)
    with pytest.raises(ValueError, match="truth 'task' applies to level='hidden' only"):
        nt.evaluate(truth="task", seeds=1)


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
