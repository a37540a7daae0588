"""EAP and EAP-IG against torch autograd: the gradients of the output with respect to every hidden
unit's pre-activation, computed by torch on the same network, give the same edge scores.

Skipped where torch is missing; CI installs the ``[torch]`` extra (with the CPU wheel first).
"""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import deep
from neurotrace import discovery as D

torch = pytest.importorskip("torch", reason="needs the [torch] extra: pip install -e '.[torch]' in the clone")


def torch_unit_gradients(c, X):
    """``dy/dz_u`` for every hidden unit, by autograd, ``(n, n_hidden)``."""
    A = [torch.tensor(X, dtype=torch.float64, requires_grad=True)]
    zs = []
    for w, b in zip(c.W, c.b, strict=True):
        z = torch.cat(A, dim=1) @ torch.tensor(w).T + torch.tensor(b)
        z.retain_grad()
        zs.append(z)
        A.append(torch.tanh(z))
    y = torch.cat(A, dim=1) @ torch.tensor(c.v)
    y.sum().backward()  # samples are independent: the sum's gradient is each sample's
    return torch.cat([z.grad for z in zs], dim=1).numpy()


@pytest.mark.parametrize("name", list(deep.EDGE_CIRCUITS))
@pytest.mark.parametrize("strength", [0.0, 0.3, 1.0])
def test_unit_gradients_match_autograd(name, strength):
    c = deep.make_deep_circuit(name, strength=strength, seed=1)
    X = c.sample(64, nt.make_rng("data", 1))
    np.testing.assert_allclose(c.unit_gradients(*c.run(X)), torch_unit_gradients(c, X), atol=1e-12)


@pytest.mark.parametrize("name", list(deep.EDGE_CIRCUITS))
def test_eap_and_eap_ig_match_autograd(name):
    c = deep.make_deep_circuit(name, strength=0.3, seed=2)
    X = c.sample(64, nt.make_rng("data", 2))
    Xc = D.corrupted_inputs(X, "resample", nt.make_rng("t", 2))
    e = c.edges
    A, Ac = c.activations(X), c.activations(Xc)

    def scores(G):
        G = np.concatenate([G, np.ones((len(X), 1))], axis=1)[:, e.target - c.n_features]
        return np.abs((A[:, e.source] - Ac[:, e.source]) * e.weight * G).mean(axis=0)

    np.testing.assert_allclose(D.eap(c, X, nt.make_rng("t", 2)), scores(torch_unit_gradients(c, X)), atol=1e-12)
    alphas, weights = nt.methods.ig_nodes(16, "gausslegendre")
    G = sum(w * torch_unit_gradients(c, Xc + a * (X - Xc)) for a, w in zip(alphas, weights, strict=True))
    np.testing.assert_allclose(D.eap_ig(c, X, nt.make_rng("t", 2)), scores(G), atol=1e-12)
