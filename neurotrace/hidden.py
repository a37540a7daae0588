"""Neuron-level attribution: which hidden units carry the circuit?

Two questions, two ground truths (``HIDDEN_TRUTHS``), both computed from the weights:

- ``"task"`` -- the **task circuit**: units that read at least one causal feature and have a
  non-zero output weight. They are the units through which the causal features reach the
  output. This is ``Circuit.hidden_causal``.
- ``"effect"`` -- units with an **individual effect**: units with a non-zero output weight
  that read any feature, so that patching the unit *alone* changes the output.

They part where units cancel. The suppressor's gates read a decoy feature, so they are not
in the task circuit; yet each gate, patched alone, moves the output by its full swing --
only its partner, patched with it, cancels that. Single-unit patching, the unit gradient and
activation x gradient answer the individual question, and are right against ``"effect"``;
:func:`joint_patching` patches together the units that read the same input features and
answers the task question. Scoring a single-unit method against ``"task"`` on the suppressor
is asking it a question it does not ask.

Each method scores every hidden unit and returns ``(n_hidden,)``; ``evaluate(...,
level="hidden", truth=...)`` scores them with AUROC. Because the output is linear in the
hidden activations, ``y = v . h``, the unit-level quantities are exact and cheap: the
gradient of y with respect to ``h_u`` is ``v_u``, and patching a set of units S changes y by
exactly ``sum_{u in S} v_u (h_u' - h_u)``. The definitions, read literally (patch the
activations, run the output again), are in :mod:`neurotrace.formulas`; the tests prove the two
equal.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_choice
from ._rng import as_generator
from .methods import (
    LEVELS,
    Method,
    abs_correlation,
    call_method,
    check_circuit,
    check_data,
    check_options,
    check_scores,
    corrupted_values,
    derangements,
    from_partners,
    mean_abs,
)

HIDDEN_TRUTHS = ("task", "effect")


def task_units(circuit) -> np.ndarray:
    """The task circuit: units reading a causal feature with a non-zero output weight ``(n_hidden,)``."""
    return (circuit.W[:, circuit.causal] != 0).any(axis=1) & (circuit.v != 0)


def effect_units(circuit) -> np.ndarray:
    """Units with an individual effect: a non-zero output weight and at least one input ``(n_hidden,)``."""
    return (circuit.W != 0).any(axis=1) & (circuit.v != 0)


def hidden_truth(circuit, truth: str = "task") -> np.ndarray:
    """The hidden-level ground truth ``truth`` (``"task"`` or ``"effect"``) as a bool mask."""
    check_choice(truth, HIDDEN_TRUTHS, "hidden truth")
    return task_units(circuit) if truth == "task" else effect_units(circuit)


def unit_groups(circuit) -> np.ndarray:
    """Group id per unit ``(n_hidden,)``: units reading exactly the same set of features share one.

    Numbered by first appearance, so ``groups[u]`` is small and stable. A unit reading
    nothing is a group of its own.
    """
    reads = circuit.W != 0
    _, first, inverse = np.unique(reads, axis=0, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))  # renumber groups in order of their first unit
    return rank[np.ravel(inverse)]


def corrupted_units(H, corruption: str, rng, groups=None) -> np.ndarray:
    """The value each unit of each sample is patched to: ``(n_samples, n_hidden)``.

    ``"resample"``: from a partner sample, one derangement per group of ``groups`` (a group id
    per unit), so the units of a group take their values from the same sample; by default
    every unit is a group of its own, as :func:`neurotrace.methods.corrupted_values` does for
    features. ``"mean"``: the unit's sample mean; ``"zero"``: 0.
    """
    if groups is None or corruption != "resample":
        return corrupted_values(H, corruption, rng)
    return from_partners(H, derangements(len(H), int(groups.max()) + 1, rng)[:, groups])


def _random(circuit, H, y, rng):
    return rng.uniform(size=circuit.n_hidden)


def unit_correlation(circuit, H, y, rng=None):
    """``|corr(h_u, y)|`` over the samples; a constant unit scores 0."""
    return abs_correlation(H, y)


def unit_gradient(circuit, H, y, rng=None):
    """Mean ``|dy/dh_u|`` -- exactly ``|v_u|`` at every sample, since y is linear in h."""
    return np.abs(circuit.v).astype(float)


def unit_activation_x_gradient(circuit, H, y, rng=None):
    """Mean ``|h_u * dy/dh_u|`` = mean ``|v_u h_u|``: the unit's direct contribution to y."""
    return np.abs(H * circuit.v).mean(axis=0)


def unit_patching(circuit, H, y, rng=None, *, corruption: str = "resample"):
    """Activation patching of one unit at a time: mean ``|v_u (h_u' - h_u)|``.

    ``h_u'`` is the unit's activation on another sample (``"resample"``, a derangement per
    unit), its mean (``"mean"``) or 0 (``"zero"``, zero-ablation).
    """
    return mean_abs((corrupted_units(H, corruption, rng) - H) * circuit.v)


def joint_patching(circuit, H, y, rng=None, *, corruption: str = "resample"):
    """Patch together the units that read the same input features: mean ``|sum_{u in g} v_u (h_u' - h_u)|``.

    Units are grouped by :func:`unit_groups`; a group is patched as one (``"resample"``: every
    unit of the group takes its value from the same other sample, as patching the features
    they read would do) and every member gets the group's score. Units that cancel each
    other -- the suppressor's gate pairs -- are patched together, so their cancellation is
    seen; a unit that shares its inputs with no other is patched alone, as in
    :func:`unit_patching`.
    """
    groups = unit_groups(circuit)
    n_groups = int(groups.max()) + 1
    patched = corrupted_units(H, corruption, rng, groups)
    members = np.zeros((circuit.n_hidden, n_groups))
    members[np.arange(circuit.n_hidden), groups] = 1.0
    return mean_abs(((patched - H) * circuit.v) @ members)[groups]


HIDDEN_METHODS = {
    m.name: m
    for m in (
        Method("random", _random, "baseline", "uniform random scores per unit", "hidden"),
        Method("correlation", unit_correlation, "proxy", "|corr(h_u, y)|", "hidden"),
        Method("gradient", unit_gradient, "proxy", "|dy/dh_u| = |v_u|", "hidden"),
        Method("activation_x_gradient", unit_activation_x_gradient, "proxy", "mean |v_u h_u|", "hidden"),
        Method("patching", unit_patching, "causal", "mean |v_u (h_u' - h_u)|: patch one unit", "hidden"),
        Method("joint_patching", joint_patching, "causal",
               "mean |sum_g v_u (h_u' - h_u)|: patch the units that read the same inputs together", "hidden"),
    )
}


def attribute_hidden(method: str, circuit, X, *, rng=None, **options) -> np.ndarray:
    """Importances ``(n_hidden,)`` of a hidden-unit ``method`` at samples ``X (n, n_features)``.

    The same checks as :func:`neurotrace.attribute`: ``X`` finite with at least 2 rows, ``rng``
    anything ``numpy.random.default_rng`` accepts, an unknown option a ``ValueError``, and the
    result ``(n_hidden,)`` real, finite and non-negative.
    """
    check_choice(method, HIDDEN_METHODS, "hidden-unit method")
    entry = HIDDEN_METHODS[method]
    check_circuit(circuit)
    X = check_data(circuit, X, min_rows=2)
    check_options(entry, options, "hidden-unit method")
    rng = as_generator(rng, "attribute_hidden", method, 0)
    with np.errstate(over="ignore", invalid="ignore"):
        H = circuit.hidden(X)
    H.flags.writeable = False
    y = H @ circuit.v
    y.flags.writeable = False
    out = call_method(entry, "hidden-unit method", circuit, H, y, rng, **options)
    return check_scores(out, method, circuit, X, circuit.n_hidden, what="hidden-unit method")


LEVELS["hidden"] = attribute_hidden
