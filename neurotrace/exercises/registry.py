"""Score a student's method or circuit with ``nt.evaluate`` by registering it for a moment.

Inside ``with registered_method(...)`` / ``with registered_circuit(...)`` the name works in
``nt.evaluate`` like any built-in; on leaving, the registries are as before, so a notebook
cell can be re-run without a "name already registered" error. Both are the library's
``nt.registered_method`` / ``nt.registered_circuit`` with the defaults an exercise wants: a
method is a ``"proxy"`` unless said otherwise, and a circuit's ``fools`` are read off the
circuit its builder returns.
"""

from __future__ import annotations

from contextlib import contextmanager

from .. import circuits, methods


def registered_method(name: str, fn, *, family: str = "proxy", summary: str = ""):
    """Register ``fn(circuit, X, rng) -> (n_features,)`` as method ``name`` for the ``with`` block
    (:func:`neurotrace.registered_method`; ``family`` ``"proxy"`` by default)."""
    return methods.registered_method(name, fn, family=family, summary=summary)


@contextmanager
def registered_circuit(name: str, builder):
    """Add ``builder(strength=1.0, seed=0) -> Circuit`` to ``nt.CIRCUITS`` as ``name`` for the block
    (:func:`neurotrace.registered_circuit`), with the ``fools`` its circuit at strength 1 names."""
    _, build = circuits.as_builder(builder, name)  # a builder that is not one: a TypeError naming it
    with circuits.registered_circuit(name, builder, fools=build(strength=1.0, seed=0).fools):
        yield builder
