"""Deterministic random streams.

Every draw in neurotrace comes from ``numpy.random.default_rng`` seeded with
``(SALT, purpose, seed, ...)`` through a ``SeedSequence``: the same arguments give the same
stream in any process on any machine, and different purposes never share a stream.
"""

from __future__ import annotations

import zlib

import numpy as np

SALT = 0x6E7472  # "ntr": fixed, so published numbers stay reproducible


def _code(part) -> int:
    # crc32 rather than hash(): str hashes are randomised per process.
    return zlib.crc32(part.encode()) if isinstance(part, str) else int(part)


def make_rng(*parts) -> np.random.Generator:
    """A generator for the stream named by ``parts`` (strings and non-negative ints)."""
    return np.random.default_rng(np.random.SeedSequence([SALT, *map(_code, parts)]))
