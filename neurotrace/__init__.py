"""neurotrace: attribution methods scored on compiled circuits whose true circuit is known.

>>> import neurotrace as nt
>>> c = nt.make_circuit("suppressor")
>>> X = c.sample(512, nt.make_rng("data", 0))
>>> scores = nt.attribute("gradient", c, X)
>>> round(nt.auroc(scores, c.causal), 2)
0.75
"""

from ._rng import make_rng
from .activations import ACTIVATIONS
from .circuits import (
    CIRCUITS,
    DEFAULT_DATA,
    Circuit,
    Regime,
    circuit_from_weights,
    make_circuit,
    register_circuit,
    registered_circuit,
    unregister_circuit,
)
from .evaluate import evaluate, run_seed, sweep
from .hidden import HIDDEN_METHODS, HIDDEN_TRUTHS, attribute_hidden, hidden_truth
from .methods import (
    METHODS,
    Method,
    attribute,
    ig_attributions,
    register_method,
    registered_method,
    unregister_method,
)
from .results import Results, Sweep, combine
from .scoring import TIE_TOLERANCE, auroc, auroc_rows, scramble, tie_groups

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "CIRCUITS", "Circuit", "DEFAULT_DATA", "HIDDEN_METHODS", "HIDDEN_TRUTHS", "METHODS", "Method",
    "Regime", "Results", "Sweep", "TIE_TOLERANCE", "attribute", "attribute_hidden", "auroc", "auroc_rows",
    "circuit_from_weights", "combine", "evaluate", "hidden_truth", "ig_attributions", "make_circuit", "make_rng",
    "register_circuit", "register_method", "registered_circuit", "registered_method", "run_seed", "scramble",
    "sweep", "tie_groups", "unregister_circuit", "unregister_method", "__version__",
]
