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
    if isinstance(part, str):
        return zlib.crc32(part.encode())
    code = int(part)
    if not 0 <= code < 2**32:
        raise ValueError(f"a stream part must be a string or an integer in [0, 2**32) (got {part!r})")
    return code


def make_rng(*parts) -> np.random.Generator:
    """A generator for the stream named by ``parts`` (strings and integers in [0, 2**32)).

    The entropy is ``[SALT, len(parts), *codes]``, one 32-bit word per part: SeedSequence
    pads with zeros, so without the length ``("data", 0)`` and ``("data",)`` would collide.
    """
    return np.random.default_rng(np.random.SeedSequence([SALT, len(parts), *map(_code, parts)]))
