"""Shared fixtures: hand-built tiny circuits and the reference results, computed once.

The reference results (16 seeds) and the scrambled-label null (256 seeds) are session-scoped:
the null alone takes a few seconds, and test_evaluate.py and test_evals.py both read it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import neurotrace as nt

# evals/ is a folder at the repository root, not part of the installed package: make it
# importable under plain `pytest` too (`python -m pytest` already puts the cwd on sys.path).
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from neurotrace import claims  # noqa: E402


def build_tiny(W, b=None, v=None, activation="linear", causal=None, mixing=None, name="tiny"):
    """A ``Circuit`` from explicit weights. ``W (n_hidden, n_features)``; ``b``, ``v`` ``(n_hidden,)``.

    Defaults: zero bias, unit output weights, a feature is causal when its column of W is
    non-zero, independent standard-normal data (identity mixing), no decoy.
    """
    W = np.atleast_2d(np.asarray(W, dtype=float))
    h, d = W.shape
    b = np.zeros(h) if b is None else np.asarray(b, dtype=float)
    v = np.ones(h) if v is None else np.asarray(v, dtype=float)
    causal = (W != 0).any(axis=0) if causal is None else np.asarray(causal, dtype=bool)
    return nt.Circuit(
        name=name, strength=1.0, W=W, b=b, v=v, activation=activation, causal=causal,
        decoy=np.zeros(d, dtype=bool), mixing=np.eye(d) if mixing is None else mixing,
        hidden_causal=np.ones(h, dtype=bool),
    )


@pytest.fixture(scope="session")
def tiny():
    """The :func:`build_tiny` factory (session-scoped so hypothesis tests may use it)."""
    return build_tiny


@pytest.fixture(scope="session")
def linear3(tiny):
    """``y = 2 x0 - 3 x1 + 0.5 + (x0 + x1 - 1)``: linear, feature 2 has zero weight.

    Gradient is the constant ``v @ W = [3, -2, 0]``.
    """
    return tiny([[2.0, -3.0, 0.0], [1.0, 1.0, 0.0]], b=[0.5, -1.0], v=[1.0, 1.0], activation="linear")


@pytest.fixture(scope="session")
def X3():
    """``(200, 3)`` standard-normal samples for the 3-feature tiny circuits."""
    return nt.make_rng("tests", "X3").standard_normal((200, 3))


@pytest.fixture(scope="session")
def real_results():
    """``evaluate()`` at the reference settings: every registered method and circuit."""
    return nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH)


@pytest.fixture(scope="session")
def null_results():
    """The scrambled-label null over ``claims.NULL_SEEDS`` (256) seeds."""
    return nt.evaluate(seeds=claims.NULL_SEEDS, samples=claims.SAMPLES,
                       strength=claims.STRENGTH, labels="scrambled")


@pytest.fixture(scope="session")
def edge_tables():
    """The edge level's tables at the reference settings (``evals.harness.run_edges``): the real
    table, the faithfulness of each recovered circuit, the null and the band."""
    from evals import harness

    return harness.run_edges()


@pytest.fixture
def plugin():
    """Register throwaway methods under test names; always unregister them afterwards."""
    added = []

    def register(name, fn, family="proxy"):
        nt.register_method(name, fn, family=family)
        added.append(name)
        return name

    yield register
    for name in added:
        if name in nt.METHODS:
            nt.unregister_method(name)
