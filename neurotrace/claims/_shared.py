"""Helpers the claims modules share (public within the package, not part of ``neurotrace.claims``).

No thresholds or settings here: :mod:`.expectations` imports this module, so a shared helper that
needs one lives next to its users (``fooled_from`` in :mod:`.expectations`, ``control_is_clean`` in
:mod:`.regimes`, ``flat_from`` in :mod:`.switches`).
"""

from __future__ import annotations

import inspect

import numpy as np

from .._checks import check_choice
from .._rng import make_rng
from ..analysis import default_data
from ..analysis import weight_reach as weight_reach  # the claims modules read it from here too
from ..circuits import make_circuit
from ..deep import make_deep_circuit
from ..methods import METHODS, attribute, ig_attributions

# --- reading Results ----------------------------------------------------------------------------------


def families(results) -> tuple:
    """The family of each method of ``results`` (as recorded, else from the registry)."""
    return results.families or tuple(METHODS[m].family for m in results.methods)


def index(results, regime) -> int:
    """The column of ``regime`` in ``results`` (a clear error when it is not there)."""
    return results.circuits.index(check_choice(regime, results.circuits, "circuit"))


def cell_mean(results, method, regime) -> float:
    """The mean AUROC of one (method, regime) cell of ``results``."""
    return float(results.cell(method, regime).mean())


def cell_scores(results, method, regime) -> np.ndarray:
    """The scores of one (method, regime) cell of ``results``: ``(seeds, features)``."""
    return results.importances[results.methods.index(method), index(results, regime)]


def first_seed_scores(first_seed, method):
    """``method``'s scores in a one-seed, one-regime ``Results`` (a regime page's snapshot)."""
    return first_seed.importances[first_seed.methods.index(method), 0, 0]


def to_the_top(mask) -> np.ndarray:
    """Where ``mask`` holds from that point to the end: ``mask[k:].all()`` for every ``k``."""
    return np.minimum.accumulate(np.asarray(mask)[::-1])[::-1]


# --- circuits and scores, as evaluate draws them ----------------------------------------------------


def seed_circuits(regime, results, strength=None):
    """The circuits of ``regime`` behind ``results``, one per seed (at ``results.strength`` by default):
    the deep networks of edge-level results, else the feature level's circuits."""
    strength = results.strength if strength is None else strength
    make = make_deep_circuit if results.level == "edge" else make_circuit
    return [make(regime, strength=strength, seed=s) for s in range(results.seeds)]


def seed_scores(method, circuit, X=None) -> np.ndarray:
    """``method``'s scores on ``circuit`` as ``evaluate`` computes them for the circuit's seed: on
    ``X`` (by default evaluate's data, :func:`analysis.default_data`) with evaluate's method stream."""
    X = default_data(circuit) if X is None else X
    return attribute(method, circuit, X, rng=make_rng("method", method, circuit.seed))


def ig_default_steps() -> int:
    """The node count integrated gradients uses by default (:func:`~neurotrace.methods.ig_attributions`)."""
    return int(inspect.signature(ig_attributions).parameters["steps"].default)


# --- what a circuit is built of -------------------------------------------------------------------------


def feature_names(indices) -> str:
    """Feature names for the prose: ``"f0, f1"``."""
    return ", ".join(f"f{int(j)}" for j in indices)


def md(text: str) -> str:
    """``text`` safe inside a markdown table cell."""
    return str(text).replace("|", "\\|")


def decoys_on_top(circuit) -> float:
    """The AUROC when every decoy outranks every causal feature and everything else is in order:
    each of the ``n_decoy x n_causal`` pairs is lost, out of ``n_causal x n_other``."""
    n_causal, n_decoy = int(circuit.causal.sum()), int(circuit.decoy.sum())
    return 1 - n_decoy * n_causal / (n_causal * (circuit.n_features - n_causal))


def same_network(a, b) -> bool:
    """``a`` and ``b`` are the same network on the same data (weights, mixing and switches)."""
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("W", "b", "v", "mixing", "switches"))


def opposite_gate_pairs(circuit) -> bool:
    """Each decoy of ``circuit`` feeds exactly two units, whose output weights are equal and opposite."""
    gates = [np.flatnonzero(circuit.W[:, j]) for j in np.flatnonzero(circuit.decoy)]
    return all(len(g) == 2 and circuit.v[g[0]] == -circuit.v[g[1]] != 0 for g in gates)
