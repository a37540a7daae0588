"""The switch regimes: redundant (OR, backups) and interaction (AND), checked directly.

The claims are about exact zeros (a backup knocked out, half an AND restored) -- the reason
the AUROCs are what they are -- so they are tested as such, not only through AUROC.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt
from neurotrace.methods import corrupted_values, patch_effects

SEEDS = range(16)


def data(circuit, seed):
    return circuit.sample(512, nt.make_rng("data", seed))


@pytest.mark.parametrize("name", ["redundant", "interaction"])
def test_switch_data_and_exact_saturation(name):
    c = nt.make_circuit(name)
    X = data(c, 0)
    assert set(np.unique(X[:, c.switches])) == {-1.0, 1.0}
    # Every live unit sits at tanh = +/-1 exactly on the data and at the reference input.
    live = c.v != 0
    for inputs in (X, np.zeros((1, c.n_features))):
        h = c.hidden(inputs)[:, live & (np.abs(c.W[:, c.switches]).sum(axis=1) > 0)]
        assert set(np.unique(h)) <= {-1.0, 0.0, 1.0}


@pytest.mark.parametrize("seed", SEEDS)
def test_redundant_backups_have_exactly_zero_noising_effect(seed):
    c = nt.make_circuit("redundant", seed=seed)
    X = data(c, seed)
    backups, primaries = [1, 3], [0, 2]
    np.testing.assert_array_equal(X[:, backups], X[:, primaries])  # a backup copies its primary
    for corruption in ("resample", "zero"):
        effect = np.abs(patch_effects(c, X, corrupted_values(X, corruption, nt.make_rng("t", seed)))).mean(0)
        assert np.all(effect[backups] == 0.0), corruption
        assert np.all(effect[~c.causal] == 0.0)
    # Resampling a primary flips the output half the time: noising finds the primaries only.
    assert np.all(nt.attribute("patching", c, X)[primaries] > 0)
    # Sufficiency: each feature restored alone into the absent reference drives the output.
    assert np.all(nt.attribute("denoising_patching", c, X)[c.causal] > 0.5)
    shapley = nt.attribute("shapley", c, X)
    assert np.all(shapley[c.causal] > 0.1) and np.all(shapley[~c.causal] == 0.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_interaction_half_an_and_restores_exactly_nothing(seed):
    c = nt.make_circuit("interaction", seed=seed)
    X = data(c, seed)
    assert np.all(nt.attribute("denoising_patching", c, X) == 0.0)
    assert np.all(nt.attribute("patching", c, X)[c.causal] > 0.2)
    shapley = nt.attribute("shapley", c, X)
    assert np.all(shapley[c.causal] > 0.1) and np.all(shapley[~c.causal] == 0.0)
    # Shapley splits each pair's joint effect evenly: phi_a == phi_b sample by sample.
    phi = nt.methods.shapley_values(c, X)
    np.testing.assert_allclose(phi[:, 0], phi[:, 1], atol=1e-12)
    np.testing.assert_allclose(phi[:, 2], phi[:, 3], atol=1e-12)


@pytest.mark.parametrize("name", ["redundant", "interaction"])
def test_strength_zero_is_additive_and_fades_to_the_gate(name):
    c0, c1 = nt.make_circuit(name, strength=0.0), nt.make_circuit(name, strength=1.0)
    # At 0 every live unit reads exactly one feature (each has its own pathway).
    reads = (c0.W[c0.v != 0][:, c0.causal] != 0).sum(axis=1)
    assert np.all(reads == 1)
    # At 1 the pathways are gone: some live unit reads two features (the OR / AND gate) and
    # nothing reads a single backup / a single AND input on its own.
    reads1 = (c1.W[c1.v != 0][:, c1.causal] != 0).sum(axis=1)
    assert np.all(reads1 == 2)
    # The gate is complete from 0.5 on: identical networks at 0.5, 1 and 2.
    for s in (0.5, 2.0):
        cs = nt.make_circuit(name, strength=s)
        np.testing.assert_array_equal(cs.W, c1.W)
        np.testing.assert_array_equal(cs.v, c1.v)


def test_the_phase_diagram_breaks_where_the_gate_completes():
    sw = nt.sweep("redundant", [0.0, 0.25, 0.5, 1.0], methods=["patching", "denoising_patching"], seeds=4)
    np.testing.assert_array_equal(sw.curve("patching"), [1.0, 1.0, 0.75, 0.75])
    np.testing.assert_array_equal(sw.curve("denoising_patching"), [1.0, 1.0, 1.0, 1.0])
    sw = nt.sweep("interaction", [0.0, 0.25, 0.5, 1.0], methods=["patching", "denoising_patching"], seeds=4)
    np.testing.assert_array_equal(sw.curve("denoising_patching"), [1.0, 1.0, 0.5, 0.5])
    np.testing.assert_array_equal(sw.curve("patching"), [1.0, 1.0, 1.0, 1.0])


@pytest.mark.parametrize("name", ["redundant", "interaction"])
@pytest.mark.parametrize("seed", range(4))
def test_the_control_is_unsaturated_and_every_slope_is_seen(name, seed):
    # Strength 0: each switch has its own pathway tanh(gain x) with gain SWITCH_CONTROL_GAIN, far from
    # saturation, so the gradient of every causal feature is non-zero at every sample.
    c = nt.make_circuit(name, strength=0.0, seed=seed)
    live = c.W[c.v != 0]
    assert set(np.unique(np.abs(live[live != 0]))) == {nt.circuits.SWITCH_CONTROL_GAIN}
    grad = np.abs(c.gradient(data(c, seed)))
    assert grad[:, c.causal].min() > 0.3 and np.all(grad[:, ~c.causal] == 0)
    # A pair pushes the output one way: its two pathways share a sign, so they never cancel in the data.
    for a, b in nt.circuits.PAIRS:
        units_a, units_b = c.W[:, a] != 0, c.W[:, b] != 0
        assert np.sign(c.v[units_a & (c.v != 0)]).tolist() == np.sign(c.v[units_b & (c.v != 0)]).tolist()


@pytest.mark.parametrize("name", ["redundant", "interaction"])
def test_the_gate_completes_at_the_registered_strength(name):
    complete = nt.CIRCUITS[name].complete
    share, gain = nt.circuits.switch_share(complete)
    assert (share, gain) == (1.0, nt.circuits.SWITCH_GAIN)
    below = nt.make_circuit(name, strength=0.9 * complete)
    at = nt.make_circuit(name, strength=complete)
    assert not np.array_equal(below.W, at.W)
    # Geometric gain: halfway to complete is the geometric mean of the control and complete gains.
    _, half = nt.circuits.switch_share(complete / 2)
    assert half == pytest.approx(np.sqrt(nt.circuits.SWITCH_CONTROL_GAIN * nt.circuits.SWITCH_GAIN))
