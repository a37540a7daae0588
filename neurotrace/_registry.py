"""Registering an entry for a ``with`` block only: what ``circuits.registered_circuit`` and
``methods.registered_method`` share."""

from __future__ import annotations

import contextlib
from collections.abc import Callable


@contextlib.contextmanager
def registered(registry: dict, name: str, register: Callable):
    """Call ``register()`` (it puts an entry under ``name`` in ``registry`` and returns it) and yield
    the entry; on leaving, ``registry`` is as before: the entry it replaced is back, or ``name`` is
    gone. An entry that was already removed or replaced inside the block is left alone."""
    previous = registry.get(name)
    entry = register()
    try:
        yield entry
    finally:
        if registry.get(name) is entry:
            if previous is not None:
                registry[name] = previous
            else:
                del registry[name]
