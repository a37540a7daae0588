"""Exercise checkers: each accepts the reference solution and names typical mistakes correctly."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import exercises as ex
from neurotrace.claims import FOOLED_BELOW, HOLDS_AT
from neurotrace.exercises import pages, solutions

BOOK = Path(__file__).resolve().parents[1] / "book" / "exercises"


def _grad(c, X):
    """Signed per-sample gradient, written out the way a student would: (n, d)."""
    return (c.dphi(X @ c.W.T + c.b) * c.v) @ c.W


def _raise_not_implemented(*args):
    raise NotImplementedError


# --- exercise 1: gradient saliency -----------------------------------------------------------

GRADIENT_MISTAKES = {
    "signed mean (forgot abs)": (lambda c, X: _grad(c, X).mean(0), "averaged the signed gradient"),
    "abs after the mean": (lambda c, X: np.abs(_grad(c, X).mean(0)), "absolute value after averaging"),
    "sum instead of mean": (lambda c, X: np.abs(_grad(c, X)).sum(0), "16x too large"),
    "no mean (per-sample rows)": (lambda c, X: np.abs(_grad(c, X)), "got (16, 12). That is one row per sample"),
    "transposed per-sample": (lambda c, X: np.abs(_grad(c, X)).T, "got (12, 16). That looks like per-sample"),
    "mean over features": (lambda c, X: np.abs(_grad(c, X)).mean(1), "averaged over the features (axis=1)"),
    "forgot v": (lambda c, X: np.abs(c.dphi(X @ c.W.T + c.b) @ c.W).mean(0), "output weights v double"),
    "forgot b": (lambda c, X: np.abs((c.dphi(X @ c.W.T) * c.v) @ c.W).mean(0), "ignores the bias b"),
    "tanh hard-coded": (lambda c, X: np.abs(((1 - np.tanh(X @ c.W.T + c.b) ** 2) * c.v) @ c.W).mean(0),
                        "derivative of tanh, but this network uses sigmoid"),
    "phi instead of dphi": (lambda c, X: np.abs((c.phi(X @ c.W.T + c.b) * c.v) @ c.W).mean(0),
                            "needs its derivative phi'(z)"),
    "forgot return": (lambda c, X: None, "forget the `return`"),
    "not written": (_raise_not_implemented, "not written yet"),
    "placeholder zeros": (lambda c, X: np.zeros(c.n_features), "every score is 0"),
    "12 features hard-coded": (lambda c, X: np.resize(np.abs(_grad(c, X)).mean(0), 12),
                               "small sigmoid network with biases (5 features): wrong shape"),
}


def test_gradient_checker_accepts_reference():
    result = ex.check_gradient(solutions.gradient_saliency)
    assert result.ok and bool(result)
    assert "match mean |dy/dx| on all 3 test networks" in result.message


@pytest.mark.parametrize("name", GRADIENT_MISTAKES)
def test_gradient_checker_names_the_mistake(name):
    fn, expected = GRADIENT_MISTAKES[name]
    result = ex.check_gradient(fn)
    assert not result.ok and not bool(result)
    assert expected in result.message, result.message


def test_gradient_checker_rejects_a_non_function():
    result = ex.check_gradient(solutions.gradient_saliency(nt.make_circuit("clean"), np.ones((3, 12))))
    assert not result.ok and "pass the function itself, without calling it" in result.message


def test_gradient_checker_reports_an_exception_with_its_text():
    def broken(c, X):
        return X @ c.W  # (n, 12) @ (hidden, 12): shapes do not align
    result = ex.check_gradient(broken)
    assert not result.ok
    assert result.message.startswith("On the clean circuit (seed 0): your function raised ValueError")


# --- exercise 2: integrated gradients --------------------------------------------------------


def _ig_nodes(alphas, weights=None):
    """IG with the given nodes/weights (functions of steps), written as a student would."""
    def ig(c, X, base, steps):
        a = alphas(steps)
        w = np.full(steps, 1.0 / steps) if weights is None else weights(steps)
        n, d = X.shape
        path = base + a[:, None, None] * (X - base)
        g = c.gradient(path.reshape(-1, d)).reshape(steps, n, d)
        return (X - base) * np.einsum("k,knd->nd", w, g)
    return ig


def _ref_ig(c, X, base, steps):
    return solutions.integrated_gradients(c, X, base, steps)


IG_MISTAKES = {
    "left Riemann": (_ig_nodes(lambda s: np.arange(s) / s), "completeness fails", "left Riemann sum"),
    "right Riemann": (_ig_nodes(lambda s: (np.arange(s) + 1) / s), "completeness fails", "right Riemann sum"),
    "linspace, equal weights": (_ig_nodes(lambda s: np.linspace(0, 1, s)), "completeness fails", "np.linspace"),
    "too few steps (4, hard-coded)": (lambda c, X, b, s: _ref_ig(c, X, b, 4), "completeness fails",
                                      "ignores `steps`: it returned IG with 4 steps, but the checker asked for 32"),
    "steps ignored (50)": (lambda c, X, b, s: _ref_ig(c, X, b, 50), "steps=32",
                           "it returned IG with 50 steps"),
    "missing (x - baseline)": (lambda c, X, b, s: _ref_ig(c, X, b, s) / (X - b), "zero baseline",
                               "forgot to multiply it by (x - baseline)"),
    "x instead of x - baseline": (lambda c, X, b, s: _ref_ig(c, X, b, s) / (X - b) * X, "baseline 0.5",
                                  "multiplied by x instead of (x - baseline)"),
    "baseline ignored": (lambda c, X, b, s: _ref_ig(c, X, np.zeros_like(b), s), "baseline 0.5",
                         "ignores the `baseline` argument"),
    "sign flipped": (lambda c, X, b, s: -_ref_ig(c, X, b, s), "steps=32", "signs are flipped"),
    "absolute value": (lambda c, X, b, s: np.abs(_ref_ig(c, X, b, s)), "steps=32", "took the absolute value"),
    "summed over steps": (lambda c, X, b, s: s * _ref_ig(c, X, b, s), "steps=32", "32x too large"),
    "transposed": (lambda c, X, b, s: _ref_ig(c, X, b, s).T, "got (12, 16)", "Transposed"),
    "averaged over samples": (lambda c, X, b, s: np.abs(_ref_ig(c, X, b, s)).mean(0), "got (12,)", "do not average"),
    "gradient at x only": (lambda c, X, b, s: (X - b) * c.gradient(X), "steps=32", "only the gradient at x"),
}


def test_ig_checker_accepts_reference_and_names_the_rule():
    result = ex.check_integrated_gradients(solutions.integrated_gradients)
    assert result.ok and "the midpoint rule" in result.message


@pytest.mark.parametrize("rule, name", [("gausslegendre", "Gauss-Legendre"), ("riemann_trapezoid", "trapezoid")])
def test_ig_checker_accepts_other_fast_rules(rule, name):
    result = ex.check_integrated_gradients(
        lambda c, X, b, s: nt.ig_attributions(c, X, baseline=b, steps=s, rule=rule))
    assert result.ok and name in result.message


@pytest.mark.parametrize("name", IG_MISTAKES)
def test_ig_checker_names_the_mistake(name):
    fn, where, expected = IG_MISTAKES[name]
    result = ex.check_integrated_gradients(fn)
    assert not result.ok
    assert where in result.message and expected in result.message, result.message


def test_ig_completeness_numbers_are_the_real_gaps():
    """The message's gap is the left sum's actual completeness error, and it exceeds the allowance."""
    from neurotrace.exercises.integrated_gradients import completeness_gap
    c = nt.make_circuit("clean", seed=0)
    X = c.sample(16, nt.make_rng("exercises", "clean", 0))
    base = np.zeros(12)
    left = nt.ig_attributions(c, X, baseline=base, steps=32, rule="riemann_left")
    middle = nt.ig_attributions(c, X, baseline=base, steps=32, rule="riemann_middle")
    gap, allowed = completeness_gap(c, X, base, left), 3 * completeness_gap(c, X, base, middle) + 1e-9
    assert gap > 10 * allowed  # O(1/steps) against O(1/steps^2): far apart at 32 steps
    message = ex.check_integrated_gradients(IG_MISTAKES["left Riemann"][0]).message
    assert f"misses by up to {gap:.3g} (allowed {allowed:.3g})" in message


# --- exercise 3: resample and patching -------------------------------------------------------


def _cycle_global(X, rng):
    n = len(X)
    order = np.random.permutation(n)  # the global RNG, not the rng argument
    partner = np.empty(n, dtype=int)
    partner[order] = np.roll(order, -1)
    return X[partner]


RESAMPLE_MISTAKES = {
    "plain permutation": (lambda X, rng: X[rng.permutation(len(X))], "keeps its own value of feature"),
    "independent column shuffles": (lambda X, rng: rng.permuted(X, axis=0), "keeps its own value of feature"),
    "same sample": (lambda X, rng: X.copy(), "every sample keeps its own values"),
    "fresh noise": (lambda X, rng: rng.normal(size=X.shape), "not taken from X"),
    "global random state": (_cycle_global, "identically seeded rngs gave different answers"),
    "fixed shift": (lambda X, rng: np.roll(X, 1, axis=0), "the same for different rngs"),
    "transposed": (lambda X, rng: solutions.resample(X, rng).T, "got (12, 200). Transposed"),
}


def test_resample_checker_accepts_reference():
    result = ex.check_resample(solutions.resample)
    assert result.ok and "including 2 and 3 samples" in result.message


@pytest.mark.parametrize("name", RESAMPLE_MISTAKES)
def test_resample_checker_names_the_mistake(name):
    fn, expected = RESAMPLE_MISTAKES[name]
    result = ex.check_resample(fn)
    assert not result.ok and expected in result.message, result.message


def _effects(c, X, source, column=lambda j, d: j):
    """Per-sample signed patching effects with a loop over features, as a student might: (n, d)."""
    n, d = X.shape
    y = c.forward(X)
    out = np.empty((n, d))
    for j in range(d):
        patched = X.copy()
        patched[:, j] = source[:, column(j, d)]
        out[:, j] = c.forward(patched) - y
    return out


def _patch_in_place(c, X, source):
    y = c.forward(X)
    out = np.empty(X.shape)
    for j in range(X.shape[1]):
        X[:, j] = source[:, j]  # never restored
        out[:, j] = c.forward(X) - y
    return np.abs(out).mean(0)


PATCHING_MISTAKES = {
    "same sample": (lambda c, X, s: np.abs(_effects(c, X, X)).mean(0), "X instead of X_source"),
    "wrong column": (lambda c, X, s: np.abs(_effects(c, X, s, lambda j, d: (j + 1) % d)).mean(0),
                     "corrupt the wrong feature. When X_source differs from X only in column f0, your score for f1"),
    "forgot abs": (lambda c, X, s: _effects(c, X, s).mean(0), "averaged the signed effects"),
    "abs after mean": (lambda c, X, s: np.abs(_effects(c, X, s).mean(0)), "absolute value after averaging"),
    "sum instead of mean": (lambda c, X, s: np.abs(_effects(c, X, s)).sum(0), "16x too large"),
    "whole sample at once": (lambda c, X, s: np.full(X.shape[1], np.abs(c.forward(s) - c.forward(X)).mean()),
                             "replaced the whole sample at once"),
    "denoising direction": (lambda c, X, s: np.abs(_effects(c, s, X)).mean(0), "wrong way round"),
    "no mean": (lambda c, X, s: np.abs(_effects(c, X, s)), "got (16, 12). One row per sample"),
    "edits X in place": (_patch_in_place, "changed its input array in place"),
}


def test_patching_checker_accepts_reference():
    result = ex.check_patching(solutions.patching_scores)
    assert result.ok and "on all 3 test networks" in result.message


def test_patching_checker_accepts_a_loop_over_features():
    assert ex.check_patching(lambda c, X, s: np.abs(_effects(c, X, s)).mean(0)).ok


@pytest.mark.parametrize("name", PATCHING_MISTAKES)
def test_patching_checker_names_the_mistake(name):
    fn, expected = PATCHING_MISTAKES[name]
    result = ex.check_patching(fn)
    assert not result.ok and expected in result.message, result.message


def test_reference_patching_equals_library_patching_on_the_same_partners():
    """With the library's own resample draws, the student pipeline reproduces nt.attribute exactly."""
    from neurotrace.methods import corrupted_values
    c = nt.make_circuit("suppressor", seed=2)
    X = c.sample(64, nt.make_rng("data", 2))
    source = corrupted_values(X, "resample", nt.make_rng("method", "patching", 2))
    expected = nt.attribute("patching", c, X, rng=nt.make_rng("method", "patching", 2))
    np.testing.assert_allclose(solutions.patching_scores(c, X, source), expected, rtol=1e-12, atol=1e-12)


# --- exercise 4: a decoy of your own ---------------------------------------------------------


def _with_masks(build, **masks):
    def builder(strength=1.0, seed=0):
        c = build(strength=strength, seed=seed)
        return replace(c, **{k: np.isin(np.arange(c.n_features), idx) for k, idx in masks.items()})
    return builder


def _extra_unit(feature, decoy):
    """Clean plus one plain tanh unit on ``feature`` (a real effect), with ``decoy`` as the decoy mask."""
    def builder(strength=1.0, seed=0):
        c = nt.make_circuit("clean", seed=seed)
        row = np.zeros((1, c.n_features))
        row[0, feature] = 1.0
        return nt.Circuit(
            name="extra", strength=strength, W=np.vstack([c.W, row]), b=np.r_[c.b, 0.0], v=np.r_[c.v, 1.0],
            activation="tanh", causal=c.causal, decoy=np.isin(np.arange(c.n_features), decoy),
            mixing=c.mixing, hidden_causal=np.r_[c.hidden_causal, False], seed=seed)
    return builder


SUPPRESSOR, CONFOUNDED, CLEAN = (nt.CIRCUITS[n] for n in ("suppressor", "confounded", "clean"))

DECOY_MISTAKES = {
    "the decoy is really causal": ((_extra_unit(5, [5]), "gradient", "patching"),
                                   "Feature f5 is labelled a decoy, but it changes the output"),
    "an unlabelled causal feature": ((_extra_unit(9, [6]), "gradient", "patching"),
                                     "Feature f9 is labelled neither causal nor decoy"),
    "fools nothing": ((_with_masks(CLEAN, decoy=[5]), "gradient", "patching"),
                      "The method gradient is not fooled: its mean AUROC is 1.000"),
    "fools both": ((SUPPRESSOR, "gradient", "input_x_gradient"),
                   "The method input_x_gradient is fooled too: its mean AUROC is 0.750"),
    "strength ignored": ((lambda strength=1.0, seed=0: solutions.bump_decoy(1.0, seed), "gradient", "patching"),
                         "At strength 0 gradient is still fooled"),
    "no decoy marked": ((CLEAN, "gradient", "patching"), "No feature is marked as a decoy"),
    "decoy marked causal": ((_with_masks(SUPPRESSOR, decoy=[0, 6, 7]), "gradient", "patching"),
                            "Feature f0 is marked both causal and decoy"),
    "dead causal feature": ((_with_masks(SUPPRESSOR, causal=[0, 1, 2, 3, 4]), "gradient", "patching"),
                            "Causal feature f4 does not move the output"),
    "chance baseline": ((SUPPRESSOR, "random", "patching"), "chance baseline"),
    "misspelt method": ((SUPPRESSOR, "gradients", "patching"), "did you mean 'gradient'?"),
    "claim disagrees": ((SUPPRESSOR, "correlation", "patching"), "but you asked to check 'correlation'"),
    "same method twice": ((SUPPRESSOR, "gradient", "gradient"), "name the same method"),
    "builder without strength": ((lambda: None, "gradient", "patching"),
                                 "must accept the keyword arguments strength and seed"),
    "builder returns no circuit": ((lambda strength=1.0, seed=0: "circuit", "gradient", "patching"),
                                   "returned a str"),
}


@pytest.mark.parametrize("builder, fools, not_fooled, decoys", [
    (solutions.bump_decoy, "gradient", "patching", "f5 (net effect at most"),
    (SUPPRESSOR, "gradient", "integrated_gradients", "f6 (net effect at most"),
    (CONFOUNDED, "correlation", "patching", "f6 (zero weight), f7 (zero weight)"),
])
def test_decoy_checker_accepts_honest_decoys(builder, fools, not_fooled, decoys):
    result = ex.check_decoy(builder, fools, not_fooled)
    assert result.ok, result.message
    assert decoys in result.message and f"{fools} is fooled" in result.message


def test_decoy_checker_reports_the_measured_aurocs():
    result = ex.check_decoy(solutions.bump_decoy, "gradient", "patching", seeds=4)
    with ex.registered_circuit("bump", solutions.bump_decoy):
        res = nt.evaluate(["gradient", "patching"], "bump", seeds=4)
    fooled, honest = res.mean()[:, 0]
    assert fooled < FOOLED_BELOW and honest >= HOLDS_AT
    assert f"gradient is fooled (mean AUROC {fooled:.3f}), patching is not ({honest:.3f})" in result.message


@pytest.mark.parametrize("name", DECOY_MISTAKES)
def test_decoy_checker_names_the_mistake(name):
    args, expected = DECOY_MISTAKES[name]
    result = ex.check_decoy(*args, seeds=4)
    assert not result.ok and expected in result.message, result.message


def _mean_patching(circuit, X, rng):
    return nt.attribute("patching", circuit, X, rng=rng, corruption="mean")


def test_decoy_checker_bars_are_the_books():
    """Not fooled means holds (HOLDS_AT), as for the book's regimes: a method between the bars is
    not fooled, but it does not hold either, and the checker says so."""
    with ex.registered_method("mean_patching", _mean_patching, family="causal"):
        result = ex.check_decoy(solutions.baseline_bump_decoy, "integrated_gradients", "mean_patching", seeds=4)
        with ex.registered_circuit("baseline_bump", solutions.baseline_bump_decoy):
            between = nt.evaluate("mean_patching", "baseline_bump", seeds=4).mean()[0, 0]
    assert FOOLED_BELOW <= between < HOLDS_AT
    assert not result.ok
    assert f"The method mean_patching does not hold: its mean AUROC is {between:.3f}" in result.message
    assert f"{HOLDS_AT} or more" in result.message


def test_decoy_checker_leaves_the_circuit_registry_as_it_was():
    before = dict(nt.CIRCUITS)
    ex.check_decoy(solutions.bump_decoy, "gradient", "patching", seeds=2)
    ex.check_decoy(SUPPRESSOR, "gradient", "gradient", seeds=2)
    assert nt.CIRCUITS == before


# --- scoring a student's work with nt.evaluate -------------------------------------------------


def test_registered_method_scores_like_the_library_and_cleans_up():
    before = dict(nt.METHODS)
    with ex.registered_method("my_gradient", lambda c, X, rng: solutions.gradient_saliency(c, X)):
        res = nt.evaluate(["gradient", "my_gradient"], seeds=3, samples=64)
    np.testing.assert_allclose(res.importances[1], res.importances[0], rtol=1e-12)
    assert nt.METHODS == before


def test_registries_are_restored_when_the_block_fails():
    before_m, before_c = dict(nt.METHODS), dict(nt.CIRCUITS)
    with pytest.raises(RuntimeError, match="student code failed"):
        with ex.registered_method("mine", lambda c, X, rng: np.zeros(c.n_features)):
            with ex.registered_circuit("bump", solutions.bump_decoy):
                raise RuntimeError("student code failed")
    assert nt.METHODS == before_m and nt.CIRCUITS == before_c


def test_registered_circuit_lists_what_the_circuit_says_it_fools_and_checks_the_builder():
    with ex.registered_circuit("my_bump", solutions.bump_decoy):
        assert tuple(nt.CIRCUITS["my_bump"].fools) == solutions.bump_decoy().fools == ("gradient",)
        assert nt.make_circuit("my_bump").name == "my_bump"
    assert "my_bump" not in nt.CIRCUITS
    with pytest.raises(TypeError, match="must accept \\(strength, seed\\)"):
        with ex.registered_circuit("mine", lambda: solutions.bump_decoy()):
            pass
    assert "mine" not in nt.CIRCUITS


@pytest.mark.parametrize("name, message", [
    ("clean", "circuit 'clean' is already registered"),
    ("not a name", "circuit name must be a Python identifier"),
])
def test_registered_circuit_rejects_bad_names(name, message):
    with pytest.raises(ValueError, match=message):
        with ex.registered_circuit(name, solutions.bump_decoy):
            pass


# --- the pages' facts (neurotrace.exercises.pages) ------------------------------------------------


def _scored(mine, fn, library, seeds=2):
    with ex.registered_method(mine, fn, family=nt.METHODS[library].family):
        return nt.evaluate([library, mine], seeds=seeds, samples=128)


def test_gradient_page_facts():
    res = _scored("my_gradient", lambda c, X, rng: solutions.gradient_saliency(c, X), "gradient")
    facts = pages.gradient_scores(res)
    assert facts.failed() == []
    assert facts["ex1_suppressor"] == res.cell("gradient", "suppressor").mean() < FOOLED_BELOW
    assert facts["ex1_decoys"] == "f6 and f7"
    listed = [r for r in nt.CIRCUITS if "gradient" in nt.CIRCUITS[r].fools]
    assert set(listed) >= {"suppressor", "redundant", "interaction"}
    table = pages.fooled_table(res, "my_gradient", "gradient").splitlines()
    assert len(table) == 2 + len(listed)
    for regime, row in zip(listed, table[2:], strict=True):  # one row per regime, with the regime's own reason
        assert f"{regime} ({facts[f'ex1_{regime}']:.3f})" in facts["ex1_fooled_on"]
        assert row.startswith(f"| {regime} | {facts[f'ex1_{regime}']:.3f} |")
        assert nt.CIRCUITS[regime].fools["gradient"] in row
    late_abs = _scored("my_gradient", lambda c, X, rng: np.abs(_grad(c, X).mean(0)), "gradient")  # abs after mean
    assert "my_gradient scores the library gradient's AUROC on every seed of every regime" in \
        pages.gradient_scores(late_abs).failed()


def test_patching_page_facts():
    def mine(c, X, rng):
        return solutions.patching_scores(c, X, solutions.resample(X, rng))

    res = _scored("my_patching", mine, "patching")
    facts = pages.patching_scores(res)
    assert facts.failed() == []
    assert 0 < facts["ex3_relative_gap"] < 1
    assert facts["ex3_fooled_on"] == f"redundant ({res.cell('my_patching', 'redundant').mean():.3f})"
    same = replace(res, importances=res.importances[[0, 0]])  # the library's own partners: nothing differs
    assert pages.patching_scores(same).failed() == [
        "my_patching's importances differ from the library's (its partners are drawn differently)"]
    auroc = res.auroc.copy()
    auroc[1, res.circuits.index("redundant")] = 1.0  # a patching the redundant regime does not fool
    assert len(pages.patching_scores(replace(res, auroc=auroc)).failed()) == 2


def test_completeness_steps_facts():
    steps = [4, 8, 16, 32, 64, 128, 256]
    gaps = {}
    for name in ("clean", "suppressor"):
        c = nt.make_circuit(name)
        X = c.sample(64, nt.make_rng("test", "steps"))
        base = np.zeros(c.n_features)
        gaps[name] = [ex.completeness_gap(c, X, base, solutions.integrated_gradients(c, X, base, s)) for s in steps]
    facts = pages.completeness_steps(gaps, steps)
    assert facts.failed() == []
    k = facts["ex2_suppressor_steps"]
    assert gaps["suppressor"][steps.index(k)] < 0.01 <= gaps["suppressor"][steps.index(k) - 1]
    flat = {"clean": gaps["clean"], "suppressor": [1.0] * len(steps)}  # never within the tolerance
    never = pages.completeness_steps(flat, steps)
    assert never["ex2_suppressor_steps"] is None and len(never.failed()) == 1
    assert len(pages.completeness_steps({"clean": flat["suppressor"], "suppressor": flat["suppressor"]},
                                        steps).failed()) == 2


def test_integrated_gradients_page_facts():
    def scores(fn):
        return lambda c, X, rng: np.abs(fn(c, X, np.zeros(c.n_features), 64)).mean(axis=0)

    with ex.registered_method("my_ig", scores(solutions.integrated_gradients), family="causal"):
        res = nt.evaluate(["gradient", "integrated_gradients", "my_ig"], "suppressor", seeds=2, samples=128)
    facts = pages.integrated_gradients_scores(res, solutions.integrated_gradients)
    assert facts.failed() == []
    assert facts["ex2_my_ig_coarse"] < FOOLED_BELOW <= HOLDS_AT <= facts["ex2_my_ig_suppressor"]
    assert facts["ex2_library_ig_far"] < FOOLED_BELOW and facts["ex2_far_strength"] > 2

    def fine_always(circuit, X, baseline, steps):  # ignores the steps it is asked for
        return solutions.integrated_gradients(circuit, X, baseline, 256)

    assert pages.integrated_gradients_scores(res, fine_always).failed() == [
        "with 8 steps my_ig is fooled on the suppressor"]


def test_decoy_page_facts(monkeypatch):
    facts = pages.decoy_rules(seeds=2)
    assert facts.failed() == [] and (facts["fooled_below"], facts["holds_at"]) == (FOOLED_BELOW, HOLDS_AT)
    assert 0 < facts["suppressor_ratio"] <= facts["effect_ratio"]
    monkeypatch.setattr(pages, "DECOY_EFFECT_RATIO", facts["suppressor_ratio"] / 2)
    assert pages.decoy_rules(seeds=2).failed() == [
        "the shipped suppressor's decoys stay within the checker's effect ratio"]


def test_going_further_facts():
    with ex.registered_circuit("bump", solutions.bump_decoy), \
            ex.registered_circuit("baseline_bump", solutions.baseline_bump_decoy):
        further = nt.evaluate(["input_x_gradient", "integrated_gradients", "patching"], list(pages.BUMPS), seeds=2)
    facts = pages.going_further(further)
    assert facts.failed() == []
    assert facts["ex4_mean_patching_baseline_bump"] < HOLDS_AT <= facts["ex4_patching_baseline_bump"]
    auroc = further.auroc.copy()
    auroc[further.methods.index("patching"), further.circuits.index("baseline_bump")] = 0.5
    assert pages.going_further(replace(further, auroc=auroc)).failed() == ["resample patching holds on both bumps"]


# --- the result object, the solutions, the notebooks --------------------------------------------


def test_check_result_prints_and_renders():
    good = ex.CheckResult(True, "All fine.", "Exercise 9")
    bad = ex.CheckResult(False, "x < y & <b>", "Exercise 9")
    assert str(good) == "✔ Exercise 9: correct. All fine." and repr(good) == str(good)
    assert str(bad).startswith("✘ Exercise 9: not yet. x < y")
    assert "&lt;b&gt;" in bad._repr_html_() and "<b>" not in bad._repr_html_()
    assert "Correct" in good._repr_html_() and "Not yet" in bad._repr_html_()


def test_solutions_use_plain_numpy_not_the_library_methods():
    source = inspect.getsource(solutions)
    for shortcut in ("attribute(", "from ..methods", "patch_effects", "corrupted_values"):
        assert shortcut not in source


@pytest.mark.parametrize("exercise", ex.EXERCISES, ids=lambda e: e.notebook)
def test_each_notebook_states_difficulty_and_time(exercise):
    nb = json.loads((BOOK / f"{exercise.notebook}.ipynb").read_text())
    first = "".join(nb["cells"][0]["source"])
    assert f"Exercise {exercise.number}" in first
    assert exercise.difficulty in first and f"about {exercise.minutes} minutes" in first
    assert all(not cell.get("outputs") for cell in nb["cells"] if cell["cell_type"] == "code")


# --- starters are stubs: the checker's first word is a hint; the collapsed solution passes ------------


def _notebook(exercise):
    return json.loads((BOOK / f"{exercise.notebook}.ipynb").read_text(encoding="utf-8"))


def _run_up_to_the_scoring(exercise) -> dict:
    """Run an exercise page's code as it is stored, from the top to the last checker cell (before
    ``yours_or_reference`` picks what the page scores); return the namespace."""
    namespace: dict = {}
    for cell in _notebook(exercise)["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "exercises.solution(" in source:
            continue
        if "yours_or_reference" in source:
            break
        exec(compile(source, exercise.notebook, "exec"), namespace)
    return namespace


@pytest.mark.parametrize("exercise", ex.EXERCISES, ids=lambda e: e.notebook)
def test_every_starter_is_a_stub_and_its_checker_answers_with_a_hint(exercise):
    namespace = _run_up_to_the_scoring(exercise)
    results = [v for v in namespace.values() if isinstance(v, ex.CheckResult)]
    assert len(results) == len(exercise.checkers)  # one checker cell per function to write
    for result in results:
        assert not result.ok, result
        assert "not written yet" in result.message and "Hint: " in result.message, result.message
        assert "Traceback" not in result.message and "NotImplementedError:" not in result.message
    starters = ["".join(c["source"]) for c in _notebook(exercise)["cells"]
                if c["cell_type"] == "code" and "# YOUR CODE HERE" in "".join(c["source"])]
    assert len(starters) == len(exercise.checkers)
    for starter in starters:
        body = [ln.strip() for ln in starter.splitlines()[1:] if ln.strip() and not ln.strip().startswith(("#", '"""'))]
        assert body[0].startswith("raise NotImplementedError(")  # a stub: nothing but the raise
        assert "solutions." not in starter  # and no call to the answer


@pytest.mark.parametrize("name", ex.SOLUTIONS)
def test_every_solution_passes_its_checker(name):
    shown = ex.solution(name)
    assert shown.verdicts and shown.ok, shown
    assert all(f"def {f}(" in shown.code for f in shown.functions)
    html = shown._repr_html_()
    assert "Correct" in html and "Not yet" not in html and "solutions." in html


def test_solution_refuses_an_unknown_name():
    with pytest.raises(ValueError, match="no solution 'nope'"):
        ex.solution("nope")


@pytest.mark.parametrize("exercise", ex.EXERCISES, ids=lambda e: e.notebook)
def test_each_page_ends_with_a_folded_solution_in_the_book_and_in_jupyterlab(exercise):
    notebook = _notebook(exercise)["cells"]
    cells = [c for c in notebook if "exercises.solution(" in "".join(c["source"])]
    assert cells and cells[-1] == notebook[-1]  # at the end of the page
    for cell in cells:
        name = re.search(r'exercises\.solution\("(\w+)"', "".join(cell["source"])).group(1)
        assert name in ex.SOLUTIONS
        assert cell["metadata"]["tags"] == ["remove-input"]  # the output is the fold, in every front end


def test_solutions_and_the_going_further_table_fold_into_a_closed_details_element():
    html = ex.solution("gradient_saliency")._repr_html_()
    assert html.startswith('<details class="neurotrace-collapsed">') and "<details open" not in html
    assert "<summary" in html and "Show the solution" in html
    table = nt.evaluate(["gradient"], ["clean"], seeds=2).to_markdown()
    folded = ex.collapsed(table, "Show the table")._repr_html_()
    assert folded.startswith("<details") and "<th" in folded and "<td" in folded and "gradient" in folded
    nb = _notebook(ex.EXERCISES[3])
    (cell,) = [c for c in nb["cells"] if 'registered_circuit("baseline_bump"' in "".join(c["source"])]
    assert "exercises.collapsed(further_table" in "".join(cell["source"])


def test_yours_or_reference_uses_yours_only_once_the_checker_passes(capsys):
    def mine(circuit, X):
        raise NotImplementedError

    stub = ex.check_gradient(mine)
    assert ex.yours_or_reference(stub, mine, solutions.gradient_saliency) is solutions.gradient_saliency
    assert "does not pass the checker yet" in " ".join(capsys.readouterr().out.split())
    passing = ex.check_gradient(solutions.gradient_saliency)
    assert ex.yours_or_reference(passing, mine, solutions.gradient_saliency) is mine
    assert "passes the checker" in " ".join(capsys.readouterr().out.split())
    with pytest.raises(TypeError, match="CheckResult"):
        ex.yours_or_reference(True, mine, solutions.gradient_saliency)


@pytest.mark.parametrize("checker, stub", [
    (ex.check_gradient, lambda c, X: (_ for _ in ()).throw(NotImplementedError())),
    (ex.check_integrated_gradients, lambda c, X, b, s: (_ for _ in ()).throw(NotImplementedError())),
    (ex.check_resample, lambda X, rng: (_ for _ in ()).throw(NotImplementedError())),
    (ex.check_patching, lambda c, X, S: (_ for _ in ()).throw(NotImplementedError())),
])
def test_a_stub_gets_the_checkers_own_hint(checker, stub):
    message = checker(stub).message
    assert message.startswith("Your function is not written yet") and "Hint: " in message
