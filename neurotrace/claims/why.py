"""Why a method fails where it fails: :func:`explain`, its diagnoses, and the registry's tables of it."""

from __future__ import annotations

import numpy as np

from .._checks import check_choice
from ..analysis import default_data
from ..circuits import CIRCUITS, make_circuit
from ..methods import ig_attributions
from ..scoring import auroc
from ._shared import index, md, seed_scores
from .expectations import HOLDS_AT, SAMPLES


def _ig_quadrature(circuit, X, scores):
    """IG's failure is quadrature error if the closed-form rule recovers what 64 nodes miss."""
    exact = ig_attributions(circuit, X, rule="exact")
    exact_auroc = auroc(np.abs(exact).mean(axis=0), circuit.causal)
    if exact_auroc >= HOLDS_AT:
        return (f"quadrature error, not the decoy: the gates are too narrow for 64 Gauss-Legendre nodes; "
                f"the exact rule scores {exact_auroc:.2f}")
    return None


# method -> diagnosis(circuit, X, scores) -> reason or None, for failures a regime does not list.
DIAGNOSES = {"integrated_gradients": _ig_quadrature}


def explain(regime: str, method: str, strength: float, *, seed: int = 0, samples: int = SAMPLES) -> str:
    """Why ``method`` falls below ``FOOLED_BELOW`` on ``regime`` at ``strength`` (seed ``seed``).

    The regime's own reason when its ``fools`` lists the method (from the strength the
    failure starts); else a diagnosis computed on the same circuit and data (IG's quadrature
    error); else says plainly that the failure is not explained. Displays that show a failure
    show this sentence with it.
    """
    check_choice(regime, CIRCUITS, "circuit")
    if method in CIRCUITS[regime].fools:
        return CIRCUITS[regime].fools[method] or f"{regime} lists {method} among the methods it fools"
    if method in DIAGNOSES:
        circuit = make_circuit(regime, strength=strength, seed=seed)
        X = default_data(circuit, samples)
        reason = DIAGNOSES[method](circuit, X, seed_scores(method, circuit, X))
        if reason:
            return reason
    return f"not a failure {regime} is built to cause, and no diagnosis explains it"


def regime_table(*, links: bool = False, registry=None) -> str:
    """A markdown table of a registry of regimes (default ``CIRCUITS``; the edge level passes
    ``EDGE_CIRCUITS``): each regime, what it plants, every method it fools at strength 1, and the
    strength from which it stops changing. Nothing is built. ``links``: link each name to its book
    page (``<name>.ipynb``)."""
    lines = ["| regime | what it plants | fools at strength 1 | complete from |", "|---|---|---|---:|"]
    for name, regime in (CIRCUITS if registry is None else registry).items():
        page = f"[{name}]({name}.ipynb)" if links else name
        fools = ", ".join(f"`{m}`" for m in regime.fools) or "nothing (the control)"
        complete = "—" if regime.complete is None else f"{regime.complete:g}"
        lines.append(f"| {page} | {md(regime.description)} | {fools} | {complete} |")
    return "\n".join(lines)


def why_table(regime: str, results, faith: np.ndarray | None = None, *, registry=None) -> str:
    """A markdown table of the methods ``regime`` fools: mean AUROC in ``results``, the mean
    faithfulness of each recovered circuit when ``faith`` (``(methods, circuits, seeds)``, the edge
    level's :func:`~neurotrace.discovery.faithfulness_of`) is given, and the reason ``regime`` gives.
    ``registry``: the regimes' registry (default ``CIRCUITS``; the edge level passes ``EDGE_CIRCUITS``)."""
    j = index(results, regime)
    mean = results.mean()[:, j]
    fools = (CIRCUITS if registry is None else registry)[regime].fools
    if faith is None:
        lines = ["| method | mean AUROC | why it fails here |", "|---|---:|---|"]
        cells = [f"{m:.3f}" for m in mean]
    else:
        lines = ["| method | mean AUROC | faithfulness | why it fails here |", "|---|---:|---:|---|"]
        cells = [f"{m:.3f} | {f:.2f}" for m, f in zip(mean, faith.mean(axis=-1)[:, j], strict=True)]
    for i, method in enumerate(results.methods):
        if method in fools:
            lines.append(f"| `{method}` | {cells[i]} | {md(fools[method])} |")
    return "\n".join(lines)
