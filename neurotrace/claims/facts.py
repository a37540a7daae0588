"""What every claims function returns: :class:`Facts`, and :class:`ClaimError` for a false sentence."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class ClaimError(AssertionError):
    """A sentence the book would state is false for the numbers computed."""


def _plain(value):
    """A plain Python value for glue and f-strings (numpy scalars print as ``np.float64(...)``)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class Facts:
    """The numbers a page quotes (``values``: name -> plain Python value) and the claims they
    support (``claims``: sentence -> bool). ``facts["name"]`` reads a value; ``a | b`` merges."""

    values: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "values", {k: _plain(v) for k, v in self.values.items()})
        object.__setattr__(self, "claims", {k: bool(v) for k, v in self.claims.items()})

    def __getitem__(self, name):
        return self.values[name]

    def __or__(self, other: Facts) -> Facts:
        return Facts({**self.values, **other.values}, {**self.claims, **other.claims})

    def failed(self) -> list[str]:
        """The claims that do not hold (empty when every sentence is true)."""
        return [sentence for sentence, ok in self.claims.items() if not ok]

    def check(self) -> Facts:
        """Raise :class:`ClaimError` naming every false claim; return ``self`` when all hold."""
        bad = self.failed()
        if bad:
            raise ClaimError(f"{len(bad)} claim(s) do not hold: " + "; ".join(bad))
        return self

    def publish(self) -> Facts:
        """Check every claim, then glue every value for the page's prose (``{glue:text}`name```)."""
        from myst_nb import glue  # imported here: myst-nb is the [book] extra, the rest is numpy only

        self.check()
        for name, value in self.values.items():
            glue(name, value, display=False)
        return self
