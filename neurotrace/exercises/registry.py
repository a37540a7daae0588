"""Score a student's method or circuit with ``nt.evaluate`` by registering it for a moment.

Inside ``with registered_method(...)`` / ``with registered_circuit(...)`` the name works in
``nt.evaluate`` like any built-in; on leaving, the registries are as before, so a notebook
cell can be re-run without a "name already registered" error.
"""

from __future__ import annotations

from contextlib import contextmanager

from ..circuits import CIRCUITS, Regime
from ..methods import METHODS, register_method, unregister_method


@contextmanager
def registered_method(name: str, fn, *, family: str = "proxy", summary: str = ""):
    """Register ``fn(circuit, X, rng) -> (n_features,)`` as method ``name`` for the ``with`` block."""
    method = register_method(name, fn, family=family, summary=summary)
    try:
        yield method
    finally:
        if METHODS.get(name) is method:
            unregister_method(name)


@contextmanager
def registered_circuit(name: str, builder):
    """Add ``builder(strength=1.0, seed=0) -> Circuit`` to ``nt.CIRCUITS`` as ``name`` for the block."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"circuit name must be a Python identifier (got {name!r})")
    if name in CIRCUITS:
        raise ValueError(f"circuit {name!r} is already registered (registered: {', '.join(CIRCUITS)})")
    if not callable(builder):
        raise ValueError(f"circuit {name!r} needs a builder function (got {type(builder).__name__})")
    # The registry holds Regime entries: what the circuit claims is read off one built circuit.
    built = builder(strength=1.0, seed=0)
    regime = Regime(name, builder, built.description, {m: "" for m in built.fools})
    CIRCUITS[name] = regime
    try:
        yield builder
    finally:
        if CIRCUITS.get(name) is regime:
            del CIRCUITS[name]
