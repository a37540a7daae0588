"""Exercise 3 checkers: resampling (3a) and noising activation patching (3b).

3a ``resample(X, rng) -> (n, d)``: for every sample, values taken from a *different* sample.
3b ``patching_scores(circuit, X, X_source) -> (d,)``: mean over samples of
``|f(x with x_j := X_source_j) - f(x)|``, compared with the library's ``patch_effects``
on the same ``X_source``, so the comparison is exact (no randomness in 3b).
"""

from __future__ import annotations

import numpy as np

from .._rng import make_rng
from ..methods import corrupted_values, patch_effects
from ._cases import cases
from ._feedback import Mistake, call, checker, close, expect_finite, expect_shape, fmt, worst_feature

# The checkers' first messages on the starter stubs: where to begin.
RESAMPLE_HINT = ("walk through the samples in a random order, order = rng.permutation(len(X)), and give each "
                 "sample the values of the next one in that order; the Hints above show how.")
PATCHING_HINT = ("start with y = circuit.forward(X), then build one copy of X per feature with column j taken from "
                 "X_source; the Hints above take it from there.")

# -- 3a: resample -----------------------------------------------------------------------------


def _resample_inputs() -> list:
    """``(where, X, seed)``: several large batches (a plain permutation leaves a fixed point in
    ~63% of them), and the smallest batches, 2 and 3 samples."""
    out = []
    for seed in range(5):
        X = make_rng("exercises", "resample", seed).normal(size=(200, 12))
        out.append((f"On 200 samples (rng seed {seed})", X, seed))
    for n in (2, 3):
        out.append((f"On only {n} samples", make_rng("exercises", "resample small", n).normal(size=(n, 4)), 0))
    return out


@checker("Exercise 3a (resample)")
def check_resample(fn) -> str:
    """Check ``fn(X, rng) -> (n, d)``: each sample gets values from another sample, drawn from ``rng``."""
    tried = _resample_inputs()
    for where, X, seed in tried:
        out = call(fn, (X.copy(), np.random.default_rng(seed)), where, protect=(0,), hint=RESAMPLE_HINT)
        n, d = X.shape
        expect_shape(out, X.shape, where, {(d, n): "Transposed: keep one row per sample, like X."})
        if not np.array_equal(np.sort(out, axis=0), np.sort(X, axis=0)):
            raise Mistake(f"{where}: your values are not taken from X. Resample patching replaces a feature by "
                          "the value another sample has, so each column must be a shuffle of the same column of X "
                          "(no new noise, no mixing of columns).")
        same = out == X
        if same.all():
            raise Mistake(f"{where}: every sample keeps its own values. Patching a feature with its own value "
                          "changes nothing. Give each sample the values of a different sample.")
        if same.any():
            i, j = np.argwhere(same)[0]
            raise Mistake(f"{where}: sample {i} keeps its own value of feature f{j}. A plain permutation can map "
                          "a sample to itself, and that patch has an effect of exactly 0, which drags the mean "
                          "down. Make sure nobody is paired with itself (e.g. shift along a random cycle).")
        again = call(fn, (X.copy(), np.random.default_rng(seed)), where)
        if not np.array_equal(again, out):
            raise Mistake(f"{where}: two calls with identically seeded rngs gave different answers. Draw every "
                          "random number from the `rng` argument (not np.random.*), so runs are reproducible.")
        if n > 3 and np.array_equal(call(fn, (X.copy(), np.random.default_rng(seed + 1000)), where), out):
            raise Mistake(f"{where}: your answer is the same for different rngs. The pairing must be random "
                          "(drawn from `rng`), not a fixed shift.")
    return (f"every sample takes its values from another sample, drawn reproducibly from rng, "
            f"on all {len(tried)} inputs (including 2 and 3 samples).")


# -- 3b: patching scores ----------------------------------------------------------------------


def _patch_cases() -> list:
    """``(case, X_source)``: the standard cases, each with a resampled source from the library."""
    return [(case, corrupted_values(case.X, "resample", make_rng("exercises", "source", k)))
            for k, case in enumerate(cases())]


def _explain(fn, case, source, out, expected) -> str:
    """The most specific reason ``out`` differs from mean |patching effect|."""
    c, X, where = case.circuit, case.X, case.where
    effects = patch_effects(c, X, source)  # (n, d) signed, from the library
    if not out.any():
        return (f"{where}: every score is 0. Nothing changed, so you probably patched each sample with its own "
                "values (X instead of X_source).")
    if (out < 0).any():
        if close(out, effects.mean(axis=0)) or close(out, -effects.mean(axis=0)):
            return (f"{where}: some scores are negative, because you averaged the signed effects. Take the "
                    "absolute value of each sample's effect, then average.")
        return f"{where}: some scores are negative (e.g. {worst_feature(out, expected)}). Take |effect| per sample."
    if close(out, np.abs(effects.mean(axis=0))):
        return (f"{where}: you took the absolute value after averaging, so effects of opposite sign cancel first. "
                "Take |f(patched) - f(x)| per sample, then average.")
    if close(out, expected * len(X)):
        return f"{where}: your scores are {len(X)}x too large. You summed over the samples instead of averaging."
    whole = np.abs(c.forward(source) - c.forward(X)).mean()
    if close(out, np.full_like(out, whole)):
        return (f"{where}: every feature gets the same score, because you replaced the whole sample at once. Patch one "
                "feature at a time: copy X, overwrite only column j with X_source[:, j].")
    if close(out, np.abs(patch_effects(c, source, X)).mean(axis=0)):
        return (f"{where}: you patched the wrong way round. You started from X_source and put in x's value "
                "(that is denoising). Noising starts from x and puts in the source's value of feature j.")
    j = int(np.flatnonzero(c.causal)[0])
    only_j = X.copy()
    only_j[:, j] = source[:, j]
    probe = call(fn, (c, X.copy(), only_j), where)
    if probe.shape == out.shape:
        moved = [k for k in np.flatnonzero(np.abs(probe) > 1e-12) if k != j]
        if moved:
            return (f"{where}: you corrupt the wrong feature. When X_source differs from X only in column f{j}, "
                    f"your score for f{moved[0]} is {fmt(probe[moved[0]])} (it should be 0, f{moved[0]} was not "
                    f"changed). Score j must patch column j, and only column j.")
    return (f"{where}: your scores differ from mean |f(x with x_j patched) - f(x)| "
            f"(largest gap at {worst_feature(out, expected)}).")


@checker("Exercise 3b (activation patching)")
def check_patching(fn) -> str:
    """Check ``fn(circuit, X, X_source) -> (n_features,)``: mean |f(x with x_j := source_j) - f(x)|."""
    tried = _patch_cases()
    for case, source in tried:
        c, X = case.circuit, case.X
        out = call(fn, (c, X.copy(), source.copy()), case.where, protect=(1, 2), hint=PATCHING_HINT)
        n, d = X.shape
        expect_shape(out, (d,), case.where, {
            (n, d): "One row per sample: average |effect| over the samples (axis=0).",
            (d, n): "Transposed per-sample effects: average |effect| over the samples to get one score per feature.",
            (n,): "One number per sample: keep one score per feature and average over the samples.",
        })
        expect_finite(out, case.where)
        expected = np.abs(patch_effects(c, X, source)).mean(axis=0)
        if not close(out, expected):
            raise Mistake(_explain(fn, case, source, out, expected))
    return (f"your scores match the library's patching on the same corrupted inputs, on all {len(tried)} "
            "test networks.")
