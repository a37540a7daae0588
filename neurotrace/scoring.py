"""Scoring importances against the ground truth: AUROC, ties, and the scrambled-label null.

Ties. Two scores count as tied when they differ by no more than ``TIE_TOLERANCE`` times the
largest ``|score|`` of their row, or by no more than ``TIE_FLOOR``: a method's importances are
computed in floating point, so two features whose true scores are equal can come out 4e-14
apart, and ranking them as different would score rounding noise as signal. The floor covers a
row that is all rounding noise (Captum's FeatureAblation with a mean baseline on ``redundant``
scores every feature between 0 and 4e-14: its largest score is itself noise). Importances here
are in units of the network's output, which is of order 1 on every circuit, so 1e-12 is
rounding, not a signal; a method whose real scores are that small should rescale them.

Ties are found by chaining: sort the scores, and start a new tie group wherever the gap to
the previous score exceeds the tolerance. The same groups drive the AUROC (ties count one
half), the rank figures and the command line, so what is drawn tied is what is scored tied.
"""

from __future__ import annotations

import math

import numpy as np

from ._rng import as_generator

# Relative tolerance for ties: far above float64 rounding of sums of a few hundred terms
# (~1e-13 relative), far below any difference a method means (the smallest real gap between a
# causal and a non-causal score in the reference table is ~1e-3 of the row's largest score).
TIE_TOLERANCE = 1e-9
TIE_FLOOR = 1e-12  # absolute: float64 rounding of outputs of order 1 is ~1e-16 per operation


def _check_tolerance(tolerance) -> float:
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.floating, np.integer)):
        raise ValueError(f"tolerance must be a finite number >= 0 (got {tolerance!r})")
    if not math.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a finite number >= 0 (got {tolerance!r})")
    return float(tolerance)


def _as_scores(scores) -> np.ndarray:
    """``scores`` as a float array, or ``ValueError``."""
    if np.iscomplexobj(scores):
        raise ValueError("scores must be real numbers (got complex)")
    try:
        return np.asarray(scores, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"scores must be an array of numbers (got {type(scores).__name__})") from None


def _check_ndim(scores, ndim: int) -> None:
    """1: one row ``(n_features,)``; 2: rows ``(k, n_features)``."""
    if scores.ndim != ndim:
        shape = "(n_features,)" if ndim == 1 else "(k, n_features): one row per method or seed"
        hint = "; use auroc_rows for rows" if ndim == 1 and scores.ndim == 2 else ""
        raise ValueError(f"scores must have shape {shape} (got shape {scores.shape}){hint}")


def _check_pair(scores, causal, ndim: int):
    scores = _as_scores(scores)
    causal = np.asarray(causal)
    if causal.dtype != bool:
        raise ValueError(f"causal must be a boolean mask (got dtype {causal.dtype})")
    if scores.shape != causal.shape:
        raise ValueError(f"scores and causal must have the same shape (got {scores.shape} and {causal.shape})")
    _check_ndim(scores, ndim)
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores must be finite (got NaN or inf)")
    n_pos = causal.sum(axis=-1)
    if np.any(n_pos == 0) or np.any(n_pos == causal.shape[-1]):
        raise ValueError("causal mask must contain both causal and non-causal features (got one class only)")
    return scores, causal


def midranks(scores, tolerance: float = TIE_TOLERANCE) -> np.ndarray:
    """Ascending ranks (1 = lowest) of each row of ``scores (k, n)``; a tie group shares the
    mean of its positions. ``(k, n)`` floats (half-integers where an even-sized group ties).
    ``tolerance=0`` ranks exactly (no floor either)."""
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    if scores.ndim != 2:
        raise ValueError(f"scores must have shape (n,) or (k, n) (got shape {scores.shape})")
    tolerance = _check_tolerance(tolerance)
    k, n = scores.shape
    order = np.argsort(scores, axis=1, kind="stable")
    ordered = np.take_along_axis(scores, order, axis=1)
    gap = np.maximum(tolerance * np.abs(scores).max(axis=1, keepdims=True), TIE_FLOOR if tolerance else 0.0)
    starts = np.diff(ordered, axis=1) > gap  # a new group begins after this gap
    group = np.concatenate([np.zeros((k, 1), dtype=np.intp), np.cumsum(starts, axis=1)], axis=1)
    flat = (group + n * np.arange(k)[:, None]).ravel()  # group ids unique across rows
    position = np.broadcast_to(np.arange(1.0, n + 1), (k, n)).ravel()
    total = np.bincount(flat, weights=position, minlength=k * n)
    count = np.bincount(flat, minlength=k * n)
    mean_position = (total / np.maximum(count, 1))[flat].reshape(k, n)
    ranks = np.empty_like(mean_position)
    np.put_along_axis(ranks, order, mean_position, axis=1)
    return ranks


def tie_groups(scores, tolerance: float = TIE_TOLERANCE) -> list[np.ndarray]:
    """The features of ``scores (n,)`` from the highest score down, grouped into ties.

    Each group is an index array; a group of one is a feature ranked on its own. Within a
    group the order is by index and means nothing: draw a group as one tied block.
    """
    scores = _as_scores(scores)
    _check_ndim(scores, 1)
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores must be finite (got NaN or inf)")
    ranks = midranks(scores[None], tolerance)[0]
    values = np.unique(ranks)[::-1]
    return [np.flatnonzero(ranks == r) for r in values]


def auroc(scores, causal, *, tolerance: float = TIE_TOLERANCE) -> float:
    """Area under the ROC curve of ``scores (n_features,)`` against the bool mask ``causal``.

    Mann-Whitney form: the probability that a causal feature outscores a non-causal one,
    ties counting 1/2 (scores within ``tolerance`` of each other, relative to the largest
    ``|score|``, or within ``TIE_FLOOR``, are ties: see the module docstring). 1.0 = the circuit
    ranked on top, 0.5 = chance.
    """
    scores, causal = _check_pair(scores, causal, 1)
    return float(auroc_rows(scores[None], causal[None], tolerance=tolerance)[0])


def auroc_rows(scores, causal, *, tolerance: float = TIE_TOLERANCE) -> np.ndarray:
    """Row-wise AUROC of ``scores (k, n_features)`` against masks ``causal (k, n_features)``."""
    scores, causal = _check_pair(scores, causal, 2)
    n_pos = causal.sum(axis=1)
    n_neg = causal.shape[1] - n_pos
    # Mann-Whitney U from midranks: the rank sum of the causal features minus its minimum.
    rank_sum = np.where(causal, midranks(scores, tolerance), 0.0).sum(axis=1)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def scramble(causal, rng=None) -> np.ndarray:
    """The null's ground truth: the same number of 'causal' features, at random positions.

    ``rng``: what ``numpy.random.default_rng`` accepts (``None``: a fixed stream).
    """
    return as_generator(rng, "scramble", 0).permutation(np.asarray(causal, dtype=bool))
