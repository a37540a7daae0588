"""neurotrace.discovery: edge methods against brute force (one patched forward per edge), ACDC's
fast path against its definition, faithfulness, and the edge table's claims."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import deep
from neurotrace import discovery as D
from neurotrace.claims import edges as E
from neurotrace.claims import expectations

REGIMES = list(deep.EDGE_CIRCUITS)
CASES = [(name, s, strength) for name in REGIMES for s in (0, 1) for strength in (0.0, 0.3, 1.0)]


def setup(name, seed, strength, n=96):
    c = deep.make_deep_circuit(name, strength=strength, seed=seed)
    X = c.sample(n, nt.make_rng("data", seed))
    return c, X


def one_edge(c, i):
    mask = np.zeros(c.n_edges, dtype=bool)
    mask[i] = True
    return mask


@pytest.mark.parametrize(("name", "seed", "strength"), CASES)
def test_edge_effects_against_one_patched_forward_per_edge(name, seed, strength):
    c, X = setup(name, seed, strength)
    Xc = D.corrupted_inputs(X, "resample", nt.make_rng("t", seed))
    fast = D.edge_effects(c, X, Xc)
    A, Ac = c.activations(X), c.activations(Xc)
    y = c.forward(X)
    slow = np.stack([c.forward_patched(A, Ac, one_edge(c, i)) - y for i in range(c.n_edges)], axis=1)
    np.testing.assert_allclose(fast, slow, atol=1e-12)
    # Denoising is the same with the two inputs' roles swapped.
    np.testing.assert_allclose(D.edge_effects(c, Xc, X),
                               np.stack([c.forward_patched(Ac, A, one_edge(c, i)) - c.forward(Xc)
                                         for i in range(c.n_edges)], axis=1), atol=1e-12)


@pytest.mark.parametrize(("name", "seed", "strength"), CASES)
def test_eap_and_node_patching_against_their_definitions(name, seed, strength):
    c, X = setup(name, seed, strength)
    rng = nt.make_rng("t", seed)
    Xc = D.corrupted_inputs(X, "resample", nt.make_rng("t", seed))
    Z, A = c.run(X)
    Ac = c.activations(Xc)
    G = np.concatenate([c.unit_gradients(Z, A), np.ones((len(X), 1))], axis=1)
    e = c.edges
    per_sample = (Ac[:, e.source] - A[:, e.source]) * e.weight * G[:, e.target - c.n_features]
    np.testing.assert_allclose(D.eap(c, X, rng), np.abs(per_sample).mean(axis=0), atol=1e-12)
    # node patching: every outgoing edge of a node at once; an edge scores min(source, target).
    node = np.array([np.abs(c.forward_patched(A, Ac, e.source == s) - c.forward(X)).mean()
                     for s in range(c.n_nodes)] + [np.inf])
    np.testing.assert_allclose(D.node_patching(c, X, nt.make_rng("t", seed)),
                               np.minimum(node[e.source], node[e.target]), atol=1e-12)


def test_eap_ig_converges_and_equals_eap_on_a_linear_network():
    c, X = setup("backup_path", 0, 0.2, n=48)
    fine = D.eap_ig(c, X, nt.make_rng("t", 0), steps=1024)
    np.testing.assert_allclose(D.eap_ig(c, X, nt.make_rng("t", 0), steps=512), fine, rtol=1e-6, atol=1e-12)
    assert np.abs(D.eap_ig(c, X, nt.make_rng("t", 0), steps=4) - fine).max() > 1e-6  # few nodes: an error
    # Where every slope is constant, the gradient along the path is the gradient at x: EAP-IG = EAP.
    linear = dataclasses.replace(c, activation="linear")
    np.testing.assert_allclose(D.eap_ig(linear, X, nt.make_rng("t", 0)), D.eap(linear, X, nt.make_rng("t", 0)),
                               rtol=1e-12, atol=1e-12)
    # And EAP-IG with enough nodes recovers the saturated backup where 16 nodes do not.
    assert E.eap_ig_nodes(seeds=2).failed() == []


def test_joint_edge_patching_groups_identical_paths():
    c = deep.make_deep_circuit("cancelling_paths")
    groups = D.edge_groups(c)
    names = c.edges.names
    same = lambda a, b: groups[names.index(a)] == groups[names.index(b)]  # noqa: E731
    assert same("c->cA", "c->cB") and same("cA->y", "cB->y") and not same("c->cA", "cA->y")
    assert len(set(groups[c.causal_edges])) == int(c.causal_edges.sum())  # no two true edges share a group
    b = deep.make_deep_circuit("backup_path")
    bnames = b.edges.names
    bg = D.edge_groups(b)
    assert bg[bnames.index("x0->u0")] == bg[bnames.index("x0->u0b")]
    assert bg[bnames.index("u0->m0")] == bg[bnames.index("u0b->m0")]


@pytest.mark.parametrize("name", REGIMES)
def test_acdc_fast_path_equals_a_full_forward_per_edge(name):
    for seed in (0, 1):
        for tau in (0.0, 0.02, 0.2):
            c, X = setup(name, seed, 1.0)
            fast_scores, fast_kept = D.acdc_run(c, X, nt.make_rng("t", seed), tau=tau)
            Xc = D.corrupted_inputs(X, "resample", nt.make_rng("t", seed))
            A, Ac = c.activations(X), c.activations(Xc)
            y = c.forward(X)
            scale = np.abs(c.forward(Xc) - y).mean()
            removed, scores, current = np.zeros(c.n_edges, bool), np.zeros(c.n_edges), 0.0
            for i in D.acdc_order(c):  # the definition: one full forward of the circuit per edge
                removed[i] = True
                distance = np.abs(c.forward_patched(A, Ac, removed) - y).mean() / scale
                scores[i] = max(distance - current, 0.0)
                if distance - current < tau:
                    current = distance
                else:
                    removed[i] = False
            np.testing.assert_allclose(fast_scores, scores * scale, atol=1e-12)
            np.testing.assert_array_equal(fast_kept, ~removed)


def test_acdc_considers_edges_from_the_output_back():
    c = deep.make_deep_circuit("clean_paths")
    order = D.acdc_order(c)
    targets = c.edges.target[order]
    assert np.all(np.diff(targets) <= 0) and targets[0] == c.n_nodes


def test_recovered_never_breaks_a_tie():
    kept = D.recovered(np.array([3.0, 2.0, 1.0, 1.0, 0.0]), 3)
    np.testing.assert_array_equal(kept, [True, True, False, False, False])
    np.testing.assert_array_equal(D.recovered(np.zeros(4), 2), [False] * 4)


@pytest.mark.parametrize("name", REGIMES)
def test_faithfulness_ends_and_the_truth(name):
    c, X = setup(name, 0, 1.0, n=256)
    rng = nt.make_rng("faithfulness", 0)
    assert D.faithfulness(c, X, np.ones(c.n_edges, bool), nt.make_rng("faithfulness", 0)) == 1.0
    assert D.faithfulness(c, X, np.zeros(c.n_edges, bool), nt.make_rng("faithfulness", 0)) == pytest.approx(0.0)
    assert D.faithfulness(c, X, c.causal_edges, rng) >= expectations.HOLDS_AT


@pytest.fixture(scope="module")
def edge_results():
    return D.evaluate_edges()  # 16 seeds x 512 samples, strength 1


def test_every_edge_regime_has_a_real_control_and_a_complete_fools(edge_results):
    assert expectations.cell_failures(D.evaluate_edges(strength=expectations.CONTROL)) == []
    assert expectations.cell_failures(edge_results) == []
    for strength in expectations.BAND:
        if strength != 1.0:
            assert expectations.cell_failures(D.evaluate_edges(strength=strength)) == [], strength


def test_the_edge_claims_hold_and_can_fail(edge_results):
    faith = D.faithfulness_of(edge_results)
    facts = E.edge_table_facts(edge_results, faith)
    assert facts.failed() == []
    assert facts["faith_edge_patching_backup_path"] == 1.0 and facts["edge_edge_patching_backup_path"] < 0.9
    auroc = edge_results.auroc.copy()
    auroc[edge_results.methods.index("joint_edge_patching"), edge_results.circuits.index("cancelling_paths")] = 0.6
    broken = E.edge_table_facts(dataclasses.replace(edge_results, auroc=auroc))
    assert any(s.startswith("cancellation") for s in broken.failed())
    assert any(s.startswith("joint edge patching holds") for s in broken.failed())
    assert E.true_circuits_are_faithful().failed() == []
    assert E.eap_ig_nodes().failed() == []


def test_the_edge_null_falls_to_chance():
    null = D.evaluate_edges(labels="scrambled", seeds=128)
    assert expectations.null_failures(null) == []


def test_attribute_edges_checks_its_input():
    c, X = setup("clean_paths", 0, 1.0)
    with pytest.raises(ValueError, match="unknown edge method 'eapp'.*did you mean 'eap'"):
        D.attribute_edges("eapp", c, X)
    with pytest.raises(ValueError, match="unknown option 'step' for edge method 'eap_ig'"):
        D.attribute_edges("eap_ig", c, X, step=4)
    with pytest.raises(ValueError, match="at least 2 samples"):
        D.attribute_edges("eap", c, X[:1])
    with pytest.raises(ValueError, match="unknown corruption"):
        D.attribute_edges("eap", c, X, corruption="noise")
    with pytest.raises(ValueError, match="tau must be a finite number"):
        D.attribute_edges("acdc", c, X, tau=-1)
    X0 = X.copy()
    for method in D.EDGE_METHODS:
        D.attribute_edges(method, c, X0)
    np.testing.assert_array_equal(X0, X)  # no method writes into the data
