"""Assert the dissociations; exit non-zero with one line per failing cell.

    python -m evals.gate

What must hold is read from the registries, not typed in: a regime's ``fools`` names the
methods it is built to fool. On each regime, a fooled method must fall below
``FALLS_BELOW``; every other non-baseline method must stay at or above ``RECOVERS`` (so
each proxy fails only its own decoy, and the causal methods never fail). The random
baseline must sit within ``RANDOM_SE`` standard errors of 0.5, and every scrambled-label
cell within ``0.5 ± NULL_TOLERANCE``. The cell checks hold at every strength of ``BAND``,
not only at the tuned point.
"""

from __future__ import annotations

import sys

import numpy as np

import neurotrace as nt

from . import settings
from .harness import run, run_band


def cell_failures(real, where: str = "") -> list[str]:
    """One line per (method, regime) cell of ``real`` that breaks its expectation."""
    out = []
    mean, sem = real.mean(), real.sem()
    for j, circuit in enumerate(real.circuits):
        fools = nt.make_circuit(circuit).fools
        for i, method in enumerate(real.methods):
            m, cell = mean[i, j], f"{method} on {circuit}{where}"
            family = nt.METHODS[method].family
            if family == "baseline":
                if abs(m - 0.5) > settings.RANDOM_SE * max(sem[i, j], 1e-12):
                    out.append(f"{cell}: {m:.3f} is more than {settings.RANDOM_SE:g} SE "
                               f"({sem[i, j]:.3f}) from chance 0.5")
            elif method in fools:
                if not m < settings.FALLS_BELOW:
                    out.append(f"{cell}: {m:.3f} should fall below {settings.FALLS_BELOW} "
                               f"(the regime is built to fool {method})")
            elif not m >= settings.RECOVERS:
                out.append(f"{cell}: {m:.3f} should be >= {settings.RECOVERS} "
                           f"(the regime does not target {method})")
    return out


def failures(real, null, band=()) -> list[str]:
    """One line per cell that breaks an expectation; empty when everything holds.

    ``band``: further real-label Results at other strengths, checked cell by cell as well.
    """
    out = cell_failures(real)
    for res in band:
        out += cell_failures(res, where=f" at strength {res.strength:g}")
    null_mean = null.mean()
    for i, j in zip(*np.nonzero(np.abs(null_mean - 0.5) > settings.NULL_TOLERANCE), strict=True):
        out.append(f"null {null.methods[i]} on {null.circuits[j]}: {null_mean[i, j]:.3f} "
                   f"is outside 0.5 ± {settings.NULL_TOLERANCE}")
    return out


def main(argv=None) -> int:
    real, null = run()
    band = [res for res in run_band() if res.strength != real.strength]
    bad = failures(real, null, band)
    for line in bad:
        print(f"FAIL {line}")
    if not bad:
        strengths = ", ".join(f"{s:g}" for s in settings.BAND)
        print(f"gate passed: {len(real.methods)} methods x {len(real.circuits)} circuits, "
              f"{real.seeds} seeds, strengths {strengths}; null over {null.seeds} seeds")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
