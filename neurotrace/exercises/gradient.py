"""Exercise 1 checker: gradient saliency, ``fn(circuit, X) -> (n_features,)`` = mean |dy/dx_j|."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..methods import attribute
from ._cases import cases
from ._feedback import Mistake, call, checker, close, expect_finite, expect_shape, worst_feature

# The checker's first message on the starter stub: where to begin.
HINT = ("start with the pre-activations of the whole batch, Z = X @ circuit.W.T + circuit.b, shape "
        "(n_samples, n_hidden); the Hints above take it from there.")


def _shape_hints(n: int, d: int, h: int) -> dict:
    return {
        (n, d): "That is one row per sample: average the absolute gradients over the samples (axis=0).",
        (d, n): "That looks like per-sample gradients, transposed: "
                "average over the samples to get one score per feature.",
        (n,): "One number per sample: you averaged over the features (axis=1); average over the samples (axis=0).",
        (h,): "One number per hidden unit: map the slope back to the inputs with `@ circuit.W`.",
        (1, d): "Return a flat vector: drop keepdims=True (or use .ravel()).",
        (): "A single number: keep one score per feature (mean over axis=0 only).",
    }


def _explain(fn, case, out, expected) -> str:
    """The most specific reason ``out`` differs from mean |dy/dx|."""
    c, X, where = case.circuit, case.X, case.where
    G = c.gradient(X)  # (n, d) signed, from the library
    if not out.any():
        return f"{where}: every score is 0. Is the function still a placeholder?"
    if (out < 0).any():
        if close(out, G.mean(axis=0)):
            return (f"{where}: some scores are negative, because you averaged the signed gradient. Saliency is "
                    "the mean of |dy/dx|: take np.abs of the per-sample gradients, then average.")
        return f"{where}: some scores are negative (e.g. {worst_feature(out, expected)}); saliency is mean |dy/dx|."
    if close(out, np.abs(G.mean(axis=0))):
        return (f"{where}: you took the absolute value after averaging, so positive and negative slopes cancel "
                "first. Take |dy/dx| per sample, then average.")
    if close(out, expected * len(X)):
        return f"{where}: your scores are {len(X)}x too large. You summed over the samples instead of averaging."
    if close(out, np.abs((c.hidden(X) * c.v) @ c.W).mean(axis=0)):
        return (f"{where}: you used phi(z) where the chain rule needs its derivative phi'(z). Use "
                "circuit.dphi(z), with z = X @ circuit.W.T + circuit.b.")
    doubled = replace(c, v=2.0 * c.v)
    if close(call(fn, (doubled, X.copy()), where), out):
        return (f"{where}: your answer does not change when the output weights v double, but dy/dx does. "
                "The chain rule multiplies by circuit.v.")
    shifted = replace(c, b=c.b + 0.5)
    if not close(attribute("gradient", shifted, X), expected) and close(call(fn, (shifted, X.copy()), where), out):
        return f"{where}: your answer ignores the bias b. The pre-activation is z = X @ circuit.W.T + circuit.b."
    if c.activation != "tanh" and close(out, attribute("gradient", replace(c, activation="tanh"), X)):
        return (f"{where}: you used the derivative of tanh, but this network uses {c.activation}. Call "
                "circuit.dphi(z), which matches the circuit's own activation.")
    return (f"{where}: your scores differ from mean |dy/dx| (largest gap at {worst_feature(out, expected)}). "
            "Check the chain rule: dy/dx = (v * phi'(z)) @ W with z = X @ W.T + b, then |.| and the mean over "
            "samples.")


@checker("Exercise 1 (gradient saliency)")
def check_gradient(fn) -> str:
    """Check ``fn(circuit, X) -> (n_features,)``: mean over samples of |dy/dx_j|.

    Compared with ``nt.attribute("gradient", ...)`` on the clean and suppressor circuits and
    a small sigmoid network; returns a :class:`CheckResult` naming the first mistake.
    """
    tried = cases()
    for case in tried:
        c, X = case.circuit, case.X
        out = call(fn, (c, X.copy()), case.where, protect=(1,), hint=HINT)
        expect_shape(out, (c.n_features,), case.where, _shape_hints(len(X), c.n_features, c.n_hidden))
        expect_finite(out, case.where)
        expected = attribute("gradient", c, X)
        if not close(out, expected):
            raise Mistake(_explain(fn, case, out, expected))
    names = ", ".join(case.circuit.name for case in tried)
    return f"your scores match mean |dy/dx| on all {len(tried)} test networks ({names})."
