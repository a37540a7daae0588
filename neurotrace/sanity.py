"""Model-parameter randomisation: the sanity check of Adebayo et al. (2018).

Re-draw the network's weights and attribute again on the same data. A method that explains
*the model* must change its map when the model changes, and its AUROC against the
*original* circuit must collapse; a map that survives randomisation was explaining the data
(or nothing). Layers are re-drawn top-down, as in the paper's cascading test: ``"v"`` the
output weights only, ``"W"`` the output and the input weights.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._checks import check_choice, check_names, check_samples, check_seeds
from ._rng import make_rng
from .circuits import CIRCUITS, make_circuit
from .methods import METHODS, attribute
from .scoring import auroc_rows

LAYERS = ("v", "W")


def randomize(circuit, layer: str, rng: np.random.Generator):
    """A copy of ``circuit`` with its top layers re-drawn from a Gaussian.

    ``layer="v"`` re-draws the output weights; ``"W"`` re-draws ``v`` and every entry of
    ``W`` (dense: every feature now feeds every unit). Each layer keeps the scale of its
    non-zero original weights; biases, data distribution and the ground-truth masks are
    kept, so scores are still judged against the original circuit.
    """
    check_choice(layer, LAYERS, "layer")

    def redraw(a):
        nz = a[a != 0]
        scale = np.sqrt(np.mean(nz * nz)) if nz.size else 1.0
        return scale * rng.standard_normal(a.shape)

    v = redraw(circuit.v)
    W = redraw(circuit.W) if layer == "W" else circuit.W
    return replace(circuit, v=v, W=W, name=f"{circuit.name} ({layer} randomised)")


def rank_correlation(a, b) -> np.ndarray:
    """Row-wise Spearman correlation of ``a, b (k, n)`` (ties get average ranks); NaN when a
    row of either is constant (a map with no ranking has nothing to compare)."""

    def ranks(x):
        less = (x[:, None, :] < x[:, :, None]).sum(axis=2)
        same = (x[:, None, :] == x[:, :, None]).sum(axis=2)
        return less + (same + 1) / 2.0

    ra, rb = ranks(np.atleast_2d(a)), ranks(np.atleast_2d(b))
    ra, rb = ra - ra.mean(axis=1, keepdims=True), rb - rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra * ra).sum(axis=1) * (rb * rb).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (ra * rb).sum(axis=1) / denom, np.nan)


@dataclass(frozen=True)
class Randomization:
    """Per-seed results of the randomisation check.

    ``rank_corr`` and ``auroc``: ``(n_methods, n_circuits, n_layers, n_seeds)``; ``original``:
    the AUROC before randomisation, ``(n_methods, n_circuits, n_seeds)``.
    """

    methods: tuple
    circuits: tuple
    layers: tuple
    rank_corr: np.ndarray
    auroc: np.ndarray
    original: np.ndarray
    seeds: int

    def to_markdown(self, digits: int = 2) -> str:
        """One row per method: the AUROC before, then per layer the mean rank correlation with
        the original map (over circuits and seeds; 1 = unchanged) and the mean AUROC after."""
        heads = ["AUROC before"]
        for layer in self.layers:
            heads += [f"rank corr, {layer} re-drawn", f"AUROC, {layer} re-drawn"]
        lines = ["| method | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
        for i, m in enumerate(self.methods):
            cells = [f"{self.original[i].mean():.{digits}f}"]
            for k in range(len(self.layers)):
                rc = self.rank_corr[i, :, k]
                cells.append("–" if np.all(np.isnan(rc)) else f"{np.nanmean(rc):.{digits}f}")
                cells.append(f"{self.auroc[i, :, k].mean():.{digits}f}")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def _maps(methods, circuit, X, seed):
    """Every method's importances ``(n_methods, n_features)``, with evaluate's streams."""
    return np.stack([attribute(m, circuit, X, rng=make_rng("method", m, seed)) for m in methods])


def randomization_check(methods=None, circuits=None, *, layers=LAYERS, seeds: int = 16,
                        samples: int = 512) -> Randomization:
    """Attribute on each circuit and on its randomised copies, on the same data and streams."""
    methods = check_names(methods, METHODS, "method")
    circuits = check_names(circuits, CIRCUITS, "circuit")
    layers = tuple(check_choice(layer, LAYERS, "layer") for layer in np.atleast_1d(layers))
    seeds, samples = check_seeds(seeds), check_samples(samples)
    shape = (len(methods), len(circuits), len(layers), seeds)
    rank_corr, auroc = np.empty(shape), np.empty(shape)
    original = np.empty(shape[:2] + (seeds,))
    for j, name in enumerate(circuits):
        for s in range(seeds):
            circuit = make_circuit(name, seed=s)
            X = circuit.sample(samples, make_rng("data", s))

            before = _maps(methods, circuit, X, s)
            masks = np.broadcast_to(circuit.causal, before.shape)
            original[:, j, s] = auroc_rows(before, masks)
            for k, layer in enumerate(layers):
                after = _maps(methods, randomize(circuit, layer, make_rng("randomize", layer, s)), X, s)
                rank_corr[:, j, k, s] = rank_correlation(before, after)
                auroc[:, j, k, s] = auroc_rows(after, masks)
    return Randomization(methods, circuits, layers, rank_corr, auroc, original, seeds)
