"""Exercise 2 checker: integrated gradients, ``fn(circuit, X, baseline, steps) -> (n, d)`` signed.

The exercise asks for the midpoint rule. The trapezoid and Gauss-Legendre rules converge as
fast and are accepted too; left and right Riemann sums are not: their error shrinks only
like 1/steps, and completeness shows it. ``completeness_gap(circuit, X, baseline, attributions)``,
which the exercise's page and this checker measure a student's IG with, is the library's
(:func:`neurotrace.analysis.completeness_gap`).
"""

from __future__ import annotations

import numpy as np

from .._rng import make_rng
from ..analysis import completeness_gap
from ..methods import ig_attributions
from ._cases import cases
from ._feedback import Mistake, call, checker, close, expect_finite, expect_shape, fmt, worst_feature

ACCEPTED_RULES = {"riemann_middle": "the midpoint rule", "riemann_trapezoid": "the trapezoid rule",
                  "gausslegendre": "Gauss-Legendre quadrature"}
# Step counts a student might have typed in place of the `steps` argument.
FIXED_STEPS = (2, 3, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 256, 300, 500, 1000)
# Completeness may miss by this multiple of the midpoint rule's own error at the same steps.
COMPLETENESS_SLACK = 3.0

# The checker's first message on the starter stub: where to begin.
HINT = ("start with the midpoints alphas = (np.arange(steps) + 0.5) / steps, then the straight path "
        "from the baseline to X at every alpha; the Hints above take it from there.")


def _ig_cases() -> list:
    """``(where, circuit, X, baseline, steps)``: zero and non-zero baselines, few and many steps."""
    clean, _, small = cases()
    d_small = small.circuit.n_features
    small_base = make_rng("exercises", "baseline").normal(0.0, 1.0, d_small)
    return [
        (f"{clean.where}, zero baseline, steps=32", clean.circuit, clean.X, np.zeros(clean.circuit.n_features), 32),
        (f"{clean.where}, baseline 0.5 in every feature, steps=8", clean.circuit, clean.X,
         np.full(clean.circuit.n_features, 0.5), 8),
        (f"{small.where}, random baseline, steps=5", small.circuit, small.X, small_base, 5),
        (f"{small.where}, random baseline, steps=3", small.circuit, small.X, small_base, 3),
    ]


def _explain(fn, where, c, X, base, steps, out, expected) -> str:
    """The most specific reason ``out`` differs from IG by the midpoint rule."""
    diff = X - base
    gap = completeness_gap(c, X, base, out)
    allowed = COMPLETENESS_SLACK * completeness_gap(c, X, base, expected) + 1e-9
    completeness = (f"{where}: completeness fails. Each row should sum to f(x) - f(baseline), but yours "
                    f"misses by up to {fmt(gap)} (allowed {fmt(allowed)}). ")
    if not out.any():
        return f"{where}: every attribution is 0. Is the function still a placeholder?"
    if close(out, -expected):
        return (f"{where}: your signs are flipped. IG walks from the baseline to x and multiplies by "
                "(x - baseline), not (baseline - x).")
    if close(out, np.abs(expected)):
        return (f"{where}: you took the absolute value. This exercise wants signed attributions, so that each "
                "row sums to f(x) - f(baseline) (completeness).")
    safe = np.abs(diff) > 1e-6
    average_gradient = np.where(safe, expected / np.where(safe, diff, 1.0), 0.0)
    if close(np.where(safe, out, 0.0), average_gradient):
        return (f"{where}: you returned the average gradient along the path but forgot to multiply it by "
                "(x - baseline).")
    if base.any() and close(out, average_gradient * X):
        return f"{where}: you multiplied by x instead of (x - baseline); they differ when the baseline is not 0."
    if base.any() and close(out, ig_attributions(c, X, baseline=None, steps=steps, rule="riemann_middle")):
        return f"{where}: your function ignores the `baseline` argument. The path must start at the given baseline."
    if close(out, expected * steps):
        return (f"{where}: your attributions are {steps}x too large. You summed the gradients over the steps; "
                "average them (divide by steps).")
    for rule, name in (("riemann_left", "left"), ("riemann_right", "right")):
        if close(out, ig_attributions(c, X, baseline=base, steps=steps, rule=rule)):
            nodes = "k/steps" if name == "left" else "(k + 1)/steps"
            return (completeness + f"You used a {name} Riemann sum (alpha = {nodes}), whose error shrinks only "
                    "like 1/steps: use the midpoints alpha = (k + 0.5)/steps.")
    if steps >= 3:
        # np.linspace(0, 1, steps) with equal weights 1/steps: a left sum over steps-1 slices plus the end point.
        ends = (steps - 1) / steps * ig_attributions(c, X, baseline=base, steps=steps - 1, rule="riemann_left")
        if close(out, ends + diff * c.gradient(X) / steps):
            return (completeness + "You averaged the gradients at np.linspace(0, 1, steps), which counts both ends "
                    "of the path fully: use the midpoints alpha = (k + 0.5)/steps instead.")
    if close(out, diff * c.gradient(X)):
        return (f"{where}: you used only the gradient at x (that is input x gradient). IG averages the gradient "
                "over `steps` points along the path from the baseline to x.")
    for other in FIXED_STEPS:
        if other == steps:
            continue
        for rule in (*ACCEPTED_RULES, "riemann_left", "riemann_right"):
            if close(out, ig_attributions(c, X, baseline=base, steps=other, rule=rule)):
                ignored = (f"your function ignores `steps`: it returned IG with {other} steps, but the checker "
                           f"asked for {steps}.")
                return completeness + ignored[:1].upper() + ignored[1:] if gap > allowed else f"{where}: {ignored}"
    if gap > allowed:
        return completeness + f"Largest gap from the expected IG: {worst_feature(out, expected)}."
    return (f"{where}: your attributions differ from IG with the midpoint rule "
            f"(largest gap at {worst_feature(out, expected)}).")


@checker("Exercise 2 (integrated gradients)")
def check_integrated_gradients(fn) -> str:
    """Check ``fn(circuit, X, baseline, steps) -> (n_samples, n_features)``: signed IG.

    Compared with ``nt.ig_attributions`` at the same steps (midpoint rule; trapezoid and
    Gauss-Legendre accepted), with zero and non-zero baselines and as few as 3 steps.
    """
    rules_seen = set()
    tried = _ig_cases()
    for where, c, X, base, steps in tried:
        out = call(fn, (c, X.copy(), base.copy(), steps), where, protect=(1, 2), hint=HINT)
        n, d = X.shape
        expect_shape(out, (n, d), where, {
            (d, n): "Transposed: return one row per sample and one column per feature.",
            (d,): "One score per feature: this exercise wants the signed attribution of every sample, "
                  "shape (n_samples, n_features); do not average.",
            (n,): "One number per sample: keep one attribution per feature (do not sum over features).",
            (steps, n, d): "You returned the whole path: average the gradients over the steps (axis 0), "
                           "then multiply by (x - baseline).",
        })
        expect_finite(out, where)
        matched = [rule for rule in ACCEPTED_RULES
                   if close(out, ig_attributions(c, X, baseline=base, steps=steps, rule=rule))]
        if not matched:
            expected = ig_attributions(c, X, baseline=base, steps=steps, rule="riemann_middle")
            raise Mistake(_explain(fn, where, c, X, base, steps, out, expected))
        rules_seen.add(matched[0])
    rules = " and ".join(sorted(ACCEPTED_RULES[r] for r in rules_seen))
    return (f"your IG matches the library's ({rules}) on all {len(tried)} cases, with zero and non-zero "
            "baselines and as few as 3 steps, so completeness holds up to the quadrature error.")
