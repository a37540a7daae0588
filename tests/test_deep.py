"""neurotrace.deep: compiled multi-layer networks with edge-level truth, checked by construction."""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import deep

REGIMES = list(deep.EDGE_CIRCUITS)


def data(circuit, seed=0, n=256):
    return circuit.sample(n, nt.make_rng("data", seed))


def slow_forward(c, X):
    """The network read literally: node by node, every edge a term."""
    names = (*c.node_names, "y")
    value = {names[j]: X[:, j] for j in range(c.n_features)}
    e = c.edges
    for k in range(1, c.n_layers + 1):
        cols = c.columns(k)
        for t in range(cols.start, cols.stop):
            into = e.target == t
            z = sum(w * value[names[s]] for s, w in zip(e.source[into], e.weight[into], strict=True))
            value[names[t]] = np.tanh(z + c.b[k - 1][t - cols.start])
    out = e.target == c.n_nodes
    return sum(w * value[names[s]] for s, w in zip(e.source[out], e.weight[out], strict=True))


@pytest.mark.parametrize("name", REGIMES)
@pytest.mark.parametrize("strength", [0.0, 0.3, 1.0, 2.0])
def test_forward_is_the_sum_over_edges(name, strength):
    c = deep.make_deep_circuit(name, strength=strength, seed=3)
    X = data(c, 3)
    np.testing.assert_allclose(c.forward(X), slow_forward(c, X), atol=1e-12)


@pytest.mark.parametrize("name", REGIMES)
def test_the_structure_is_fixed_across_strengths(name):
    names = {deep.make_deep_circuit(name, strength=s).edges.names for s in (0.0, 0.2, 1.0, 3.0)}
    assert len(names) == 1  # an edge whose weight is 0 at strength 0 is still an edge
    c = deep.make_deep_circuit(name)
    assert c.causal_edges.any() and not c.causal_edges.all()
    assert all(not n.startswith(("x4", "x5", "i4", "i5", "j", "k")) for n in np.array(c.edges.names)[c.causal_edges])


def test_the_skip_edge_jumps_a_layer_and_the_dead_branch_never_reaches_the_output():
    c = deep.make_deep_circuit("clean_paths")
    assert "m3->y" in c.edges.names and c.causal_edges[c.edges.names.index("m3->y")]
    X = data(c)
    X2 = X.copy()
    X2[:, [4, 5]] = nt.make_rng("t", 1).standard_normal((len(X), 2)) * 5  # move the dead branch's inputs
    np.testing.assert_array_equal(c.forward(X), c.forward(X2))


def test_switches_and_data():
    c = deep.make_deep_circuit("distractor_path", strength=1.0)
    X = data(c, n=4096)
    assert set(np.unique(X[:, list(deep.SWITCHES)])) == {-1.0, 1.0}
    corr = abs(np.corrcoef(X[:, deep.DISTRACTOR_DECOY], c.forward(X))[0, 1])
    assert corr > 0.6  # the distractor tracks the output through the data ...
    control = deep.make_deep_circuit("distractor_path", strength=0.0)
    Xc = data(control, n=4096)
    assert abs(np.corrcoef(Xc[:, deep.DISTRACTOR_DECOY], control.forward(Xc))[0, 1]) < 0.05  # ... not at 0


@pytest.mark.parametrize("strength", [0.0, 0.5, 1.0, 3.0])
def test_the_cancelling_paths_cancel_exactly(strength):
    c = deep.make_deep_circuit("cancelling_paths", strength=strength)
    X = data(c)
    X2 = X.copy()
    X2[:, deep.CANCEL_DECOY] *= -3.0
    # The decoy never changes the output: +A s cA and -A s cB are equal and opposite bit for bit
    # (only the order of the sum's other terms rounds differently).
    np.testing.assert_allclose(c.forward(X), c.forward(X2), rtol=0, atol=1e-14)
    A = c.activations(X)
    names = list(c.node_names)
    np.testing.assert_array_equal(A[:, names.index("cA")], A[:, names.index("cB")])


@pytest.mark.parametrize("seed", range(4))
def test_a_knocked_out_backup_edge_changes_nothing_at_strength_one(seed):
    c = deep.make_deep_circuit("backup_path", seed=seed)
    X = data(c, seed)
    donor = X[nt.methods.derangements(len(X), 1, nt.make_rng("t", seed))[:, 0]]
    A, Ad = c.activations(X), c.activations(donor)
    y = c.forward(X)
    for i, name in enumerate(c.edges.names):
        alone = np.zeros(c.n_edges, dtype=bool)
        alone[i] = True
        moved = np.abs(c.forward_patched(A, Ad, alone) - y).max()
        if name.startswith(("x0->u0b", "x1->u1b", "x2->u2b", "x3->u3b")) or "b->m" in name:
            assert moved == 0.0, name  # exactly: the saturated OR ignores its backup
    # At the control both routes add up: knocking the backup out moves the output.
    c0 = deep.make_deep_circuit("backup_path", strength=0.0, seed=seed)
    A0, Ad0 = c0.activations(X), c0.activations(donor)
    i = c0.edges.names.index("u0b->m0")
    alone = np.zeros(c0.n_edges, dtype=bool)
    alone[i] = True
    assert np.abs(c0.forward_patched(A0, Ad0, alone) - c0.forward(X)).mean() > 0.01


def test_backup_gain_rises_geometrically_to_complete():
    assert deep.backup_gain(0.0) == deep.BACKUP_CONTROL_GAIN
    assert deep.backup_gain(deep.BACKUP_COMPLETE) == deep.backup_gain(3.0) == deep.BACKUP_GAIN
    assert deep.backup_gain(deep.BACKUP_COMPLETE / 2) == pytest.approx(np.sqrt(deep.BACKUP_GAIN))


def test_forward_patched_ends():
    c = deep.make_deep_circuit("backup_path", strength=0.3)
    X = data(c)
    Xc = X[::-1].copy()
    A, Ac = c.activations(X), c.activations(Xc)
    np.testing.assert_allclose(c.forward_patched(A, Ac, np.zeros(c.n_edges, bool)), c.forward(X), atol=1e-12)
    np.testing.assert_allclose(c.forward_patched(A, Ac, np.ones(c.n_edges, bool)), c.forward(Xc), atol=1e-12)


def test_unit_gradients_against_finite_differences():
    c = deep.make_deep_circuit("clean_paths", seed=2)
    X = data(c, 2, n=16)
    Z, A = c.run(X)
    G = c.unit_gradients(Z, A)
    h = 1e-6
    for k in range(1, c.n_layers + 1):
        cols = c.columns(k)
        for u in range(cols.stop - cols.start):
            # Nudge unit u's pre-activation and rerun the layers above it.
            bumped = [b.copy() for b in c.b]
            bumped[k - 1][u] += h
            c2 = deep.DeepCircuit(**{**{f: getattr(c, f) for f in ("name", "strength", "node_names", "layer_sizes",
                                                                     "W", "v", "structure", "v_structure",
                                                                     "causal_edges", "mixing", "switches")},
                                     "b": tuple(bumped)})
            numeric = (c2.forward(X) - c.forward(X)) / h
            np.testing.assert_allclose(G[:, cols.start - c.n_features + u], numeric, atol=1e-5)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="unknown edge-level circuit 'backup'.*did you mean 'backup_path'"):
        deep.make_deep_circuit("backup")
    c = deep.make_deep_circuit("clean_paths")
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 8\)"):
        c.forward(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="X must be finite"):
        c.forward(np.full((3, 8), np.nan))
    with pytest.raises(ValueError, match="strength must be"):
        deep.make_deep_circuit("backup_path", strength=-1)


def test_an_edge_level_regime_is_a_feature_level_regime_class_and_checks_its_strength():
    regime = deep.EDGE_CIRCUITS["backup_path"]
    assert isinstance(regime, nt.Regime)
    assert regime.target == "edge_patching"
    with pytest.raises(TypeError):  # fools is read-only, as at the feature level
        regime.fools["eap"] = "changed"
    circuit = regime(strength=0.5, seed=1)
    assert circuit.fools == tuple(regime.fools) and circuit.description == regime.description
    with pytest.raises(ValueError, match="strength must be"):  # called directly too, not only through make_deep_circuit
        regime(strength=-1)
