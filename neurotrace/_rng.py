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


def as_generator(rng, *default) -> np.random.Generator:
    """``rng`` as a ``numpy.random.Generator``: what ``numpy.random.default_rng`` accepts.

    ``None`` gives the fixed stream ``make_rng(*default)``; a ``Generator`` is used as is (its
    state advances); an integer seed, a ``SeedSequence``, a ``BitGenerator`` (or, on numpy
    versions whose ``default_rng`` takes one, a ``RandomState``) seeds a new generator.
    Anything else raises ``TypeError``; a negative seed raises ``ValueError``.
    """
    if rng is None:
        return make_rng(*default)
    if isinstance(rng, np.random.Generator):
        return rng
    expected = ("rng must be a numpy.random.Generator, an integer seed >= 0, a SeedSequence, a BitGenerator "
                "or None")
    if isinstance(rng, (bool, np.bool_, float, complex, str, bytes)):
        raise TypeError(f"{expected} (got {type(rng).__name__} {rng!r:.40})")
    try:
        return np.random.default_rng(rng)
    except ValueError as err:  # e.g. a negative seed
        raise ValueError(f"{expected} (got {rng!r:.40}: {err})") from None
    except TypeError:
        raise TypeError(f"{expected} (got {type(rng).__name__})") from None
