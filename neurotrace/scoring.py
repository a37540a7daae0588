"""Scoring importances against the ground truth: AUROC and the scrambled-label null."""

from __future__ import annotations

import numpy as np


def _check_pair(scores, causal):
    scores = np.asarray(scores, dtype=float)
    causal = np.asarray(causal)
    if causal.dtype != bool:
        raise ValueError(f"causal must be a boolean mask (got dtype {causal.dtype})")
    if scores.shape != causal.shape:
        raise ValueError(f"scores and causal must have the same shape (got {scores.shape} and {causal.shape})")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores must be finite (got NaN or inf)")
    n_pos = causal.sum(axis=-1)
    if np.any(n_pos == 0) or np.any(n_pos == causal.shape[-1]):
        raise ValueError("causal mask must contain both causal and non-causal features (got one class only)")
    return scores, causal


def auroc(scores, causal) -> float:
    """Area under the ROC curve of ``scores (n_features,)`` against the bool mask ``causal``.

    Mann-Whitney form: the probability that a causal feature outscores a non-causal one,
    ties counting 1/2. 1.0 = the circuit ranked on top, 0.5 = chance.
    """
    scores, causal = _check_pair(scores, causal)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-D (got shape {scores.shape}); use auroc_rows for batches")
    return float(auroc_rows(scores[None], causal[None])[0])


def auroc_rows(scores, causal) -> np.ndarray:
    """Row-wise AUROC of ``scores (k, n_features)`` against masks ``causal (k, n_features)``."""
    scores, causal = _check_pair(scores, causal)
    diff = scores[:, :, None] - scores[:, None, :]  # [r, i, j] = s_i - s_j
    pairs = causal[:, :, None] & ~causal[:, None, :]  # i causal, j not
    wins = np.where(pairs, (diff > 0) + 0.5 * (diff == 0), 0.0).sum(axis=(1, 2))
    n_pos = causal.sum(axis=1)
    return wins / (n_pos * (causal.shape[1] - n_pos))


def scramble(causal, rng: np.random.Generator) -> np.ndarray:
    """The null's ground truth: the same number of 'causal' features, at random positions."""
    return rng.permutation(np.asarray(causal, dtype=bool))
