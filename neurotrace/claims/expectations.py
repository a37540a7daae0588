"""The thresholds and settings, written once, and what the book expects of every cell.

The only module that compares against a threshold literal (``tests/test_claims.py`` checks it);
every other module imports the names from here.
"""

from __future__ import annotations

import numpy as np

from ..circuits import CIRCUITS
from ..deep import EDGE_CIRCUITS
from ..discovery import EDGE_METHODS
from ..methods import METHODS
from ._shared import families, to_the_top

HOLDS_AT = 0.99
FOOLED_BELOW = 0.9
CONTROL = 0.0
BAND = (0.75, 1.0, 1.5)
NULL_TOLERANCE = 0.05  # every scrambled-label cell within 0.5 +/- this
RANDOM_SE = 3.0  # the random baseline within this many standard errors of 0.5

# The reference settings: the original brief's 16 seeds x 512 samples at the tuned strength 1.
SEEDS = 16
SAMPLES = 512
STRENGTH = 1.0
NULL_SEEDS = 256  # a null cell's sd is ~0.18/sqrt(256) = 0.011, so 0.5 +/- 0.05 is > 4 sd
SWEEP_SEEDS = 8  # seeds per point of a page's AUROC-vs-strength figure
IG_FAR = (2.5, 3.0)  # strengths beyond the book's grid where 64 Gauss-Legendre nodes break

# The results and methods pages.
SANITY_SEEDS = 8  # the results page's randomisation check: seeds per regime ...
SANITY_SAMPLES = 64  # ... and samples per network (exact Shapley on a dense W is the slow part)
IG_INPUTS = 256  # the methods page's completeness figure: suppressor inputs, data stream of seed 0 ...
IG_NODES = (64, 128, 256, 512)  # ... the node counts it compares, from IG's default up ...
IG_STEEP = 2.0  # ... and the steeper suppressor it compares them on
RESAMPLE_SAMPLES = 20_000  # resample-denoising against noising: enough samples to agree to 2%
BRUTE_SAMPLES = 6  # Shapley by enumerating all 2^12 coalitions, on this many samples

# The instructor's guide.
IG_STEPS = (8, 16, 32, 64, 128, 256)  # exercise 2's question: how many midpoint steps are enough?
GAP_STEPS = 32  # ... the step count whose gap the guide quotes
GAP_TOL = 0.01  # ... "enough": a completeness gap below this
BUMP_SEEDS = 8  # exercise 4, going further: the bump centred on IG's baseline

# The edge level (neurotrace.claims.edges)
EAP_IG_ENOUGH = 512  # EAP-IG's quadrature nodes that resolve the backup OR's narrow transitions
ROUNDING = 1e-12  # "exactly, to rounding": far below any effect in these networks, far above float64's error


def level_of(regime: str) -> tuple[dict, dict]:
    """``(regimes, methods)``: the registries ``regime`` belongs to -- ``(CIRCUITS, METHODS)`` for a
    feature-level regime, ``(EDGE_CIRCUITS, EDGE_METHODS)`` for an edge-level one (a name in both is
    the feature level's). An unknown name raises ``KeyError``, as a registry does."""
    if regime not in CIRCUITS and regime in EDGE_CIRCUITS:
        return EDGE_CIRCUITS, EDGE_METHODS
    return CIRCUITS, METHODS


def regime_entry(name: str):
    """The registry entry of a regime at either level: ``CIRCUITS[name]`` or ``EDGE_CIRCUITS[name]``."""
    return level_of(name)[0][name]


def verdict(mean: float) -> str:
    """``"holds"`` (>= HOLDS_AT), ``"fooled"`` (< FOOLED_BELOW), or ``"between"``."""
    if mean >= HOLDS_AT:
        return "holds"
    return "fooled" if mean < FOOLED_BELOW else "between"


def fooled_from(curve, grid) -> float:
    """The first strength of ``grid`` from which ``curve`` stays below FOOLED_BELOW to the top (nan: none)."""
    fooled = to_the_top(np.asarray(curve) < FOOLED_BELOW)
    return float(np.asarray(grid)[np.argmax(fooled)]) if fooled.any() else float("nan")


def expectation(regime: str, method: str, family: str, strength: float) -> str | None:
    """What the book claims for one cell: ``"holds"``, ``"fooled"``, ``"chance"`` or ``None``.

    The random baseline is at chance everywhere. At the control strength every other method
    holds. At the strengths of ``BAND`` a method is fooled exactly when the regime's ``fools``
    lists it. Elsewhere (the rise between control and band) the book claims nothing.
    """
    if family == "baseline":
        return "chance"
    if strength == CONTROL:
        return "holds"
    if strength in BAND:
        return "fooled" if method in regime_entry(regime).fools else "holds"
    return None


def cell_failures(results, where: str = "") -> list[str]:
    """One line per (method, regime) cell of ``results`` that breaks its :func:`expectation`."""
    out = []
    mean, sem = results.mean(), results.sem()
    family = families(results)
    at = where or f" at strength {results.strength:g}"
    for j, regime in enumerate(results.circuits):
        for i, method in enumerate(results.methods):
            m, cell = float(mean[i, j]), f"{method} on {regime}{at}"
            expected = expectation(regime, method, family[i], results.strength)
            if expected == "chance":
                if abs(m - 0.5) > RANDOM_SE * max(float(sem[i, j]), 1e-12):
                    out.append(f"{cell}: {m:.3f} is more than {RANDOM_SE:g} SE ({sem[i, j]:.3f}) from chance 0.5")
            elif expected == "fooled" and not m < FOOLED_BELOW:
                out.append(f"{cell}: {m:.3f} should fall below {FOOLED_BELOW} "
                           f"(the regime lists {method} in its fools)")
            elif expected == "holds" and not m >= HOLDS_AT:
                if results.strength == CONTROL:
                    why = "strength 0 is the control: every method should recover the circuit"
                elif m < FOOLED_BELOW:
                    why = f"an unlisted failure: {regime}'s fools does not name {method}"
                else:
                    why = f"{regime} does not target {method}"
                out.append(f"{cell}: {m:.3f} should be >= {HOLDS_AT} ({why})")
    return out


def null_failures(null) -> list[str]:
    """One line per scrambled-label cell outside ``0.5 +/- NULL_TOLERANCE``."""
    mean = null.mean()
    return [f"null {null.methods[i]} on {null.circuits[j]}: {mean[i, j]:.3f} is outside 0.5 ± {NULL_TOLERANCE}"
            for i, j in zip(*np.nonzero(np.abs(mean - 0.5) > NULL_TOLERANCE), strict=True)]


def fooled_where(results) -> dict:
    """``{method: (regimes where its mean falls below FOOLED_BELOW)}`` for every method of ``results``."""
    mean = results.mean()
    return {m: tuple(c for j, c in enumerate(results.circuits) if mean[i, j] < FOOLED_BELOW)
            for i, m in enumerate(results.methods)}


def listed_where(method: str, regimes) -> tuple:
    """The regimes (of ``regimes``) whose ``fools`` lists ``method``."""
    return tuple(r for r in regimes if method in regime_entry(r).fools)


FAILURE_KINDS = {
    "target": "the regime's target",
    "listed": "a failure the regime also lists",
    "not listed": "a failure the regime does not list",
    "baseline": "the baseline",
}
"""Why a method sits below ``claims.FOOLED_BELOW``, in a word (the key) and a phrase (the value)."""


def listing_of(regime: str, method: str) -> str | None:
    """``"target"`` if ``method`` is ``regime``'s target, ``"listed"`` if its ``fools`` lists it
    otherwise (read from the registry, nothing is built), else ``None``. Either level."""
    entry = level_of(regime)[0][regime]
    if method not in entry.fools:
        return None
    return "target" if method == entry.target else "listed"


def failure_kind(regime: str, method: str, auroc: float) -> str | None:
    """``None`` when ``auroc`` is not below ``claims.FOOLED_BELOW``; else which kind of failure
    (a key of ``FAILURE_KINDS``): the regime's target (``CIRCUITS[regime].target``), another
    method its ``fools`` lists (a side effect such as saturation), the random baseline, or a
    failure the regime does not list. Either level: ``auroc`` is an edge AUROC for an edge-level
    regime, and the baseline is looked up among the edge methods."""
    if not auroc < FOOLED_BELOW:
        return None
    listed = listing_of(regime, method)
    if listed:
        return listed
    methods = level_of(regime)[1]
    if method in methods and methods[method].family == "baseline":
        return "baseline"
    return "not listed"
