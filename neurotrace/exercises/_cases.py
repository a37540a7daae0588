"""The circuits and inputs every checker tries a student's function on.

Two of the book's regimes (so the answer is tested where it matters) and one small
sigmoid network with biases and a different number of features (so a function that
hard-codes 12 features, tanh, or a zero bias is caught). Sample counts differ from every
feature and hidden-unit count, so a transposed answer can never have the right shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._rng import make_rng
from ..circuits import Circuit, make_circuit


@dataclass(frozen=True)
class Case:
    """One test input: ``where`` names it in feedback; ``X (n, n_features)``."""

    where: str  # "On the clean circuit (seed 0)": starts every message about this case
    circuit: Circuit
    X: np.ndarray


def small_sigmoid_network() -> Circuit:
    """5 features, 4 sigmoid hidden units, random weights with non-zero biases."""
    rng = make_rng("exercises", "small network")
    W = rng.normal(0.0, 1.0, (4, 5))
    W[:, 4] = 0.0  # one dead feature, so "causal" has both classes
    return Circuit(
        name="small sigmoid network", strength=1.0, W=W, b=rng.normal(0.0, 1.0, 4),
        v=rng.normal(0.0, 2.0, 4), activation="sigmoid", causal=np.arange(5) < 4,
        decoy=np.zeros(5, dtype=bool), mixing=np.eye(5), hidden_causal=np.ones(4, dtype=bool),
        description="a random sigmoid network used by the exercise checkers",
    )


def cases() -> list[Case]:
    """The checkers' standard inputs, in the order feedback is given."""
    out = []
    for name, seed, n in (("clean", 0, 16), ("suppressor", 1, 16)):
        circuit = make_circuit(name, seed=seed)
        out.append(Case(f"On the {name} circuit (seed {seed})", circuit,
                        circuit.sample(n, make_rng("exercises", name, seed))))
    small = small_sigmoid_network()
    out.append(Case("On a small sigmoid network with biases (5 features)", small,
                    small.sample(7, make_rng("exercises", "small network data"))))
    return out
