"""Fuzzing the public API: a clear ValueError or TypeError, never another exception, a warning, a
modified input or a NaN.

Hypothesis draws arguments -- right and wrong types, NaN, inf, huge and empty arrays, junk options,
junk random generators -- for the checks, ``make_circuit``, ``attribute``, ``attribute_hidden``,
``auroc``/``auroc_rows``/``tie_groups``, ``evaluate`` and ``sweep``. Every call either returns a
well-formed, finite result or raises ``ValueError``/``TypeError`` with a one-line message; warnings
are errors here, and every array argument is compared with a copy afterwards. The named tests below
pin the issue's cases one by one (NaN data, shapes, empty lists, memory, read-only data, the strength
range).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurotrace as nt
from neurotrace import _checks, circuits, claims
from neurotrace._checks import (
    MAX_SEED,
    MAX_STRENGTH,
    check_labels,
    check_samples,
    check_seed,
    check_seeds,
    check_strength,
)
from neurotrace.methods import PluginError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLEAR = (ValueError, TypeError)

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**40, 10**40), st.just(10**400), st.just(-10**5000),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(allow_nan=True), st.text(max_size=20),
    st.binary(max_size=4), st.lists(st.integers(-3, 3), max_size=3), st.just(object()), st.just(np.array([1.0])),
    st.just(np.float64("nan")), st.just(np.int64(-1)), st.just(np.random.RandomState(0)),
)


def mostly(valid, junk=JUNK, odds: int = 5):
    """``valid`` about ``odds`` times in ``odds + 1``, else ``junk``: most calls get far enough to compute,
    and one wrong argument at a time is what a user sends."""
    return st.integers(0, odds).flatmap(lambda k: junk if k == 0 else valid)


def _one_line(err: BaseException) -> None:
    text = str(err)
    assert text and "\n" not in text and len(text) < 600, text


def _call(fn, *args, **kwargs):
    """``fn(...)``, or None if it raised ValueError/TypeError with a one-line message. Warnings are errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = fn(*args, **kwargs)
        except CLEAR as err:
            _one_line(err)
            event(f"refused: {type(err).__name__}")  # --hypothesis-show-statistics shows the mix
            return None
    event("computed")
    return out


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _unchanged(before, after):
    if isinstance(before, np.ndarray):
        assert before.dtype == after.dtype and before.shape == after.shape
        if before.dtype != object:
            np.testing.assert_array_equal(after, before)


# --- the checks -----------------------------------------------------------------------------------------------

CHECKS = [(check_samples, lambda n: isinstance(n, int) and 2 <= n <= _checks.MAX_SAMPLES),
          (check_seed, lambda n: isinstance(n, int) and 0 <= n <= MAX_SEED),
          (check_seeds, lambda n: isinstance(n, int) and 1 <= n <= _checks.MAX_SEEDS),
          (check_strength, lambda s: isinstance(s, float) and 0 <= s <= MAX_STRENGTH),
          (check_labels, lambda s: s in ("real", "scrambled"))]


@FUZZ
@given(value=mostly(st.from_regex(r"\s*[+-]{0,2}[0-9]{0,12}(\.[0-9]*)?(e[+-]?[0-9]{1,4})?\s*", fullmatch=True),
                    odds=2),
       which=st.integers(0, len(CHECKS) - 1))
def test_checks_accept_in_range_or_say_why(value, which):
    check, ok = CHECKS[which]
    try:
        out = check(value)
    except ValueError as err:
        _one_line(err)
        return
    assert ok(out), (value, out)


# --- circuits ------------------------------------------------------------------------------------------------


@FUZZ
@given(name=mostly(st.sampled_from(list(nt.CIRCUITS))),
       strength=mostly(st.one_of(st.floats(0, MAX_STRENGTH), st.integers(0, 100), st.just("2.5"))),
       seed=mostly(st.integers(0, MAX_SEED)))
def test_make_circuit_builds_a_finite_circuit_or_says_why(name, strength, seed):
    c = _call(nt.make_circuit, name, strength=strength, seed=seed)
    if c is not None:
        for array in (c.W, c.b, c.v, c.mixing):
            assert np.isfinite(array).all()
        assert 0 <= c.strength <= MAX_STRENGTH


# --- attribute and attribute_hidden --------------------------------------------------------------------------

BUILT = {name: nt.make_circuit(name, strength=s, seed=1) for name, s in
         [("clean", 1.0), ("suppressor", 1.0), ("redundant", 0.3), ("confounded", MAX_STRENGTH)]}
ELEMENTS = st.one_of(st.floats(-5, 5), st.floats(allow_nan=True, allow_infinity=True, width=64),
                     st.sampled_from([0.0, 1e300, -1e300, 1e-300]))
GOOD_DATA = hnp.arrays(np.float64, st.tuples(st.integers(2, 24), st.just(12)), elements=st.floats(-4, 4))
DATA = mostly(GOOD_DATA, odds=2, junk=st.one_of(
    hnp.arrays(np.float64, st.tuples(st.integers(0, 24), st.sampled_from([11, 12, 13])), elements=ELEMENTS),
    hnp.arrays(st.sampled_from([np.float32, np.int64, np.complex128, np.bool_]), st.tuples(st.integers(0, 8),
               st.just(12))),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=13), elements=st.floats(-2, 2)),
    JUNK,
))
GOOD_OPTIONS = {"noise": st.floats(0, 1), "copies": st.integers(1, 8), "steps": st.integers(2, 48),
                "rule": st.sampled_from([*nt.methods.IG_RULES, "exact"]), "baseline": st.sampled_from(["zero", "mean"]),
                "corruption": st.sampled_from(["resample", "mean", "zero"]), "reference": st.sampled_from(["zero",
                "mean", "data"]), "background": st.integers(1, 8)}
BAD_OPTION_VALUES = st.one_of(st.integers(-3, 1), st.floats(allow_nan=True, allow_infinity=True),
                              st.sampled_from(["nope", "", "exact"]), st.just(np.full(12, np.nan)), JUNK)
RNGS = mostly(st.one_of(st.none(), st.integers(0, 2**40), st.just(np.random.default_rng(3))))


def _options(draw, names):
    keys = draw(st.lists(mostly(st.sampled_from(names) if names else st.nothing(),
                                junk=st.sampled_from(["nose", "step", "rng_seed"]), odds=3),
                         max_size=2, unique=True))
    return {k: draw(mostly(GOOD_OPTIONS.get(k, BAD_OPTION_VALUES), junk=BAD_OPTION_VALUES, odds=3)) for k in keys}


@st.composite
def attribute_calls(draw, registry):
    method = draw(mostly(st.sampled_from(list(registry)), junk=st.one_of(st.text(max_size=12), JUNK)))
    circuit = draw(mostly(st.sampled_from(list(BUILT.values()))))
    names = registry[method].options if isinstance(method, str) and method in registry else ()
    return method, circuit, draw(DATA), draw(RNGS), _options(draw, names)


def _check_result(out, n):
    assert isinstance(out, np.ndarray) and out.shape == (n,) and out.dtype == float
    assert np.isfinite(out).all() and (out >= 0).all()


@FUZZ
@given(call=attribute_calls(nt.METHODS))
def test_attribute_returns_finite_scores_or_says_why(call):
    method, circuit, X, rng, options = call
    before = _copy(X)
    out = _call(nt.attribute, method, circuit, X, rng=rng, **options)
    _unchanged(before, X)
    if out is not None:
        _check_result(out, circuit.n_features)


@FUZZ
@given(call=attribute_calls(nt.HIDDEN_METHODS))
def test_attribute_hidden_returns_finite_scores_or_says_why(call):
    method, circuit, X, rng, options = call
    before = _copy(X)
    out = _call(nt.attribute_hidden, method, circuit, X, rng=rng, **options)
    _unchanged(before, X)
    if out is not None:
        _check_result(out, circuit.n_hidden)


@FUZZ
@given(X=DATA, baseline=mostly(st.sampled_from([None, "zero", "mean"]), junk=BAD_OPTION_VALUES),
       steps=mostly(st.integers(2, 40)), rule=mostly(st.sampled_from([*nt.methods.IG_RULES, "exact"])))
def test_integrated_gradients_is_finite_or_says_why(X, baseline, steps, rule):
    circuit = BUILT["suppressor"]
    before = _copy(X)
    out = _call(nt.ig_attributions, circuit, X, baseline=baseline, steps=steps, rule=rule)
    _unchanged(before, X)
    if out is not None:
        assert out.shape == np.shape(X) and np.isfinite(out).all()


# --- scoring -------------------------------------------------------------------------------------------------

SCORES = mostly(st.one_of(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 6)), elements=st.floats(-3, 3)),
    hnp.arrays(np.float64, st.integers(2, 8), elements=st.floats(-3, 3))), odds=3, junk=st.one_of(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
               elements=st.floats(allow_nan=True, allow_infinity=True)), JUNK))
MASKS = mostly(hnp.arrays(np.bool_, st.integers(2, 8)), odds=3, junk=st.one_of(
    hnp.arrays(np.bool_, hnp.array_shapes(min_dims=0, max_dims=3, max_side=8)),
    hnp.arrays(np.int64, st.integers(1, 8), elements=st.integers(0, 1)), JUNK))


@FUZZ
@given(scores=SCORES, mask=MASKS, which=st.sampled_from(["auroc", "auroc_rows", "tie_groups"]))
def test_scoring_is_in_range_or_says_why(scores, mask, which):
    before_scores, before_mask = _copy(scores), _copy(mask)
    if which == "tie_groups":
        out = _call(nt.tie_groups, scores)
        if out is not None:
            flat = sorted(i for g in out for i in g.tolist())
            assert flat == list(range(np.shape(scores)[0]))
    else:
        if isinstance(mask, np.ndarray) and mask.dtype == bool and mask.ndim == 1 and isinstance(scores, np.ndarray) \
                and mask.shape != scores.shape and mask.size and scores.ndim and scores.size:
            mask = np.resize(mask, scores.shape)  # matching shapes, to reach the maths
            if mask.shape[-1] >= 2:
                mask.reshape(-1, mask.shape[-1])[:, :2] = [True, False]  # both classes in every row
            before_mask = mask.copy()
        out = _call(getattr(nt, which), scores, mask)
        if out is not None:
            values = np.atleast_1d(out)
            assert np.isfinite(values).all() and ((values >= 0) & (values <= 1)).all()
    _unchanged(before_scores, scores)
    _unchanged(before_mask, mask)


# --- evaluate and sweep --------------------------------------------------------------------------------------

NAMES = mostly(st.one_of(st.none(), st.lists(st.sampled_from(["gradient", "patching", "correlation", "random"]),
                                             min_size=1, max_size=3, unique=True), st.just("gradient")),
               junk=st.one_of(st.just([]), st.just(["gradient", "gradient"]), st.just(["shapley"]), JUNK))
CIRCUIT_NAMES = mostly(st.one_of(st.none(), st.lists(st.sampled_from(list(nt.CIRCUITS)), min_size=1, max_size=2,
                                                     unique=True), st.sampled_from(list(nt.CIRCUITS))),
                       junk=st.one_of(st.just([]), JUNK))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(methods=NAMES, circuits_=CIRCUIT_NAMES, seeds=mostly(st.integers(1, 2), odds=8),
       samples=mostly(st.integers(2, 24), odds=8), labels=mostly(st.sampled_from(["real", "scrambled"]), odds=8),
       strength=mostly(st.floats(0, 3), odds=8), level=mostly(st.sampled_from(["input", "input", "hidden"]), odds=8),
       truth=mostly(st.just(None), junk=st.sampled_from(["task", "effect", "causal", "x"]), odds=3),
       progress=mostly(st.sampled_from([None, "callback"]), junk=st.sampled_from(["bar", 3]), odds=8))
def test_evaluate_returns_a_finite_table_or_says_why(methods, circuits_, seeds, samples, labels, strength, level,
                                                     truth, progress):
    if progress == "callback":
        def progress(done, total):
            assert 0 <= done <= total
    out = _call(nt.evaluate, methods, circuits_, seeds=seeds, samples=samples, labels=labels, strength=strength,
                level=level, truth=truth, progress=progress)
    if out is not None:
        assert np.isfinite(out.auroc).all() and ((out.auroc >= 0) & (out.auroc <= 1)).all()
        assert out.auroc.shape == (len(out.methods), len(out.circuits), out.seeds)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuit=mostly(st.sampled_from(list(nt.CIRCUITS))),
       strengths=mostly(st.one_of(st.lists(mostly(st.floats(0, 3), odds=8), min_size=1, max_size=3), st.floats(0, 3)),
                        junk=st.one_of(JUNK, st.just([]), st.just(np.zeros((2, 2))))))
def test_sweep_returns_finite_curves_or_says_why(circuit, strengths):
    out = _call(nt.sweep, circuit, strengths, methods=["gradient"], seeds=1, samples=8)
    if out is not None:
        assert np.isfinite(out.auroc).all() and out.auroc.shape == (1, len(out.strengths), 1)


# --- the cases, one by one ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data():
    c = nt.make_circuit("confounded")
    return c, c.sample(128, nt.make_rng("data", 0))


@pytest.mark.parametrize("method", list(nt.METHODS))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_the_data_is_refused_by_every_method(data, method, bad):
    c, X = data
    X = X.copy()
    X[5, 2] = bad
    with pytest.raises(ValueError, match=r"^X must be finite: NaN or inf in 1 of its 128 rows \(first at row 5\)$"):
        nt.attribute(method, c, X)


def test_correlation_with_nan_was_a_silent_half():
    c, X = nt.make_circuit("clean"), nt.make_circuit("clean").sample(64, nt.make_rng("data", 0))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="X must be finite"):
        nt.attribute("correlation", c, X)
    with pytest.raises(ValueError, match="X must be finite"):
        nt.attribute_hidden("correlation", c, X)


def test_auroc_rows_wants_rows_and_auroc_one_row():
    mask = np.array([True, False, True, False])
    with pytest.raises(ValueError, match=r"scores must have shape \(k, n_features\).*got shape \(2, 1, 4\)"):
        nt.auroc_rows(np.zeros((2, 1, 4)), np.zeros((2, 1, 4), dtype=bool) | mask)
    with pytest.raises(ValueError, match=r"scores must have shape \(k, n_features\).*got shape \(4,\)"):
        nt.auroc_rows(np.arange(4.0), mask)
    with pytest.raises(ValueError, match="use auroc_rows"):
        nt.auroc(np.zeros((1, 4)), mask[None])


def test_attribute_hidden_has_attributes_checks(data, monkeypatch):
    c, X = data
    with pytest.raises(ValueError, match=r"^unknown option 'bogus' for hidden-unit method 'patching' "
                                         r"\(valid options: corruption\)$"):
        nt.attribute_hidden("patching", c, X, bogus=1)
    with pytest.raises(ValueError, match=r"X must hold at least 2 samples \(got 1\)"):
        nt.attribute_hidden("patching", c, X[:1])
    broken = nt.Method("nan_units", lambda circuit, H, y, rng: np.full(circuit.n_hidden, np.nan), "proxy", "",
                       "hidden")
    monkeypatch.setitem(nt.HIDDEN_METHODS, "nan_units", broken)
    with pytest.raises(ValueError, match=r"hidden-unit method 'nan_units' returned NaN or inf at units \[0, 1"):
        nt.attribute_hidden("nan_units", c, X)


@pytest.mark.parametrize("kwargs, message", [
    (dict(methods=[]), r"methods must name at least one method, or be None for all \(got an empty list\)"),
    (dict(circuits=[]), r"circuits must name at least one circuit, or be None for all \(got an empty list\)"),
    (dict(methods=()), r"methods must name at least one method"),
    (dict(methods=["gradient", "gradient"]), r"methods must not repeat a name \(got 'gradient' twice\)"),
])
def test_evaluate_with_empty_lists_says_so(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nt.evaluate(**kwargs, seeds=1, samples=16)


def test_sweep_with_no_strength_says_so():
    with pytest.raises(ValueError, match="strengths must hold at least one strength"):
        nt.sweep("clean", [], seeds=1, samples=16)


def test_other_library_inputs(data):
    c, X = data
    with pytest.raises(ValueError, match=r"strength must be .*<= 100.*\(got a 401-digit number\)"):
        nt.make_circuit("clean", strength=10**400)
    with pytest.raises(TypeError, match=r"^circuit must be a neurotrace Circuit.*\(got NoneType\)$"):
        nt.attribute("gradient", None, X)
    # rng takes what numpy.random.default_rng takes, and says what it expects otherwise
    seeded = nt.attribute("patching", c, X, rng=0)
    np.testing.assert_array_equal(seeded, nt.attribute("patching", c, X, rng=np.random.default_rng(0)))
    np.testing.assert_array_equal(nt.attribute("smoothgrad", c, X, rng=np.random.SeedSequence(4)),
                                  nt.attribute("smoothgrad", c, X, rng=np.random.default_rng(4)))
    nt.attribute("random", c, X, rng=np.random.RandomState(0))  # what this numpy's default_rng accepts
    with pytest.raises(TypeError, match=r"^rng must be a numpy.random.Generator, an integer seed >= 0"):
        nt.attribute("random", c, X, rng="seed")
    with pytest.raises(ValueError, match=r"^rng must be a numpy.random.Generator.*got -1"):
        nt.attribute("random", c, X, rng=-1)
    with pytest.raises(ValueError, match="seed must be a non-negative integer up to 4,294,967,295"):
        nt.make_circuit("clean", seed=2**32)


def test_memory_a_call_cannot_have_is_refused_before_it_is_allocated(data, monkeypatch):
    c, X = data
    with pytest.raises(ValueError, match=r"^the gausslegendre nodes for steps=100,000 would need about .* of memory "
                                         r"at once; .* is available: use fewer steps"):
        if _checks.available_memory() is None:
            monkeypatch.setattr(_checks, "available_memory", lambda: 2**30)
        nt.attribute("integrated_gradients", c, X, steps=100_000)
    with pytest.raises(ValueError, match=r"^smoothgrad with copies=1,000,000,000,000 would need about"):
        nt.attribute("smoothgrad", c, X, copies=10**12)
    with pytest.raises(ValueError, match=r"^the riemann_left nodes for steps=10,000,000,000,000 would need"):
        nt.attribute("integrated_gradients", c, X, steps=10**13, rule="riemann_left")
    # The bound is what is available: with 1 MB free, 4,096 copies of one sample do not fit, 64 do.
    monkeypatch.setattr(_checks, "available_memory", lambda: 2**20)
    need = 8 * nt.methods.TEMPORARIES * 4096 * (c.n_hidden + 2 * c.n_features)
    with pytest.raises(ValueError, match=rf"copies=4,096 would need about {_checks.format_bytes(need)} of memory "
                                         r"at once; 1.0 MB is available"):
        nt.attribute("smoothgrad", c, X, copies=4096)
    assert np.isfinite(nt.attribute("smoothgrad", c, X, copies=64)).all()
    monkeypatch.setattr(_checks, "available_memory", lambda: None)  # unknown: not refused on a guess
    assert np.isfinite(nt.attribute("integrated_gradients", c, X[:4], steps=20_000, rule="riemann_left")).all()


def test_a_table_that_cannot_fit_is_refused_before_computing(monkeypatch):
    calls = []
    monkeypatch.setattr(_checks, "available_memory", lambda: 2**20)
    with pytest.raises(ValueError, match=rf"^a table of {len(nt.METHODS)} methods x {len(nt.CIRCUITS)} circuits x "
                                         r"10,000 seeds would need about .* of memory at once; 1.0 MB is available: "
                                         r"use fewer seeds$"):
        nt.evaluate(seeds=10_000, progress=lambda done, total: calls.append(done))
    assert calls == []  # nothing computed
    assert nt.evaluate(["gradient"], ["clean"], seeds=2, samples=16).auroc.shape == (1, 1, 2)  # small ones run


def test_available_memory_reads_this_machine():
    free = _checks.available_memory()
    assert free is None or 0 <= free < 2**60


# --- point 4: every method sees read-only data --------------------------------------------------------------


def test_a_plugin_that_writes_into_x_cannot_change_what_the_others_see(plugin):
    reference = nt.evaluate(["gradient", "patching"], ["suppressor"], seeds=2, samples=64)

    def vandal(circuit, X, rng):
        X[:, 6:8] = 0.0  # would make the decoys look dead to every later method
        return np.ones(circuit.n_features)

    def sneaky(circuit, X, rng):
        X.flags.writeable = True  # numpy refuses: the data themselves are read-only
        X[:, 6:8] = 0.0
        return np.ones(circuit.n_features)

    for fn in (vandal, sneaky):
        name = plugin(fn.__name__, fn)
        with pytest.raises(PluginError, match=rf"^method '{name}' \(from [\w.]+\) raised ValueError: "):
            nt.evaluate([name, "gradient", "patching"], ["suppressor"], seeds=2, samples=64)
    mine = np.random.default_rng(0).standard_normal((64, 12))
    before = mine.copy()
    with pytest.raises(PluginError):
        nt.attribute("vandal", nt.make_circuit("suppressor"), mine)
    np.testing.assert_array_equal(mine, before)  # the caller's array is untouched
    assert mine.flags.writeable  # and still the caller's to write
    again = nt.evaluate(["gradient", "patching"], ["suppressor"], seeds=2, samples=64)
    np.testing.assert_array_equal(again.auroc, reference.auroc)


# --- point 3: the strength range, computed correctly up to its bound ---------------------------------------


def test_strength_beyond_the_range_is_refused():
    for bad in (np.nextafter(MAX_STRENGTH, np.inf), 1e16, 1e154, 1e308):
        with pytest.raises(ValueError, match=r"strength must be a finite number >= 0 and <= 100"):
            nt.make_circuit("suppressor", strength=bad)
        with pytest.raises(ValueError, match=r"strength must be"):
            nt.CIRCUITS["confounded"](strength=bad)  # the registry's own call checks too


def test_at_the_bound_the_confounder_still_fools_correlation():
    res = nt.evaluate(["correlation", "patching"], ["confounded"], seeds=4, strength=MAX_STRENGTH)
    assert res.cell("correlation", "confounded").mean() < claims.FOOLED_BELOW
    assert res.cell("patching", "confounded").mean() >= claims.HOLDS_AT
    c = nt.make_circuit("confounded", strength=MAX_STRENGTH)
    assert np.isfinite(c.mixing).all() and (np.abs(c.mixing[list(circuits.DECOY_FEATURES)]).sum(axis=1) > 0).all()


def test_at_the_bound_the_suppressor_gates_are_resolved():
    s, c = MAX_STRENGTH, nt.make_circuit("suppressor", strength=MAX_STRENGTH)
    core = nt.make_circuit("clean")  # the same causal core at seed 0, without the gates
    amplitude, gain, margin = circuits.SUPPRESSOR_AMPLITUDE, circuits.SUPPRESSOR_GAIN, circuits.SUPPRESSOR_MARGIN
    for j, centre in zip(circuits.DECOY_FEATURES, circuits.SUPPRESSOR_CENTRES, strict=True):
        x = np.zeros((2001, 12))
        half = margin / (gain * s)  # the window's half-width
        x[:, j] = centre + np.linspace(-20 * half, 20 * half, 2001)  # the window and well beyond
        gates = c.forward(x) - core.forward(x)
        peak = 2 * amplitude * s * np.tanh(margin)  # the pair's jump at the window's centre
        assert gates[1000] == pytest.approx(peak, rel=1e-9)
        assert np.ptp(gates) == pytest.approx(peak, rel=1e-9)  # the output still varies with the decoy
        far = np.zeros((3, 12))
        far[:, j] = centre + np.array([-1.0, 0.3, 1.0])  # far outside the window the pair cancels
        np.testing.assert_allclose(c.forward(far), core.forward(far), rtol=0, atol=1e-12)


def test_every_regime_computes_at_the_bound_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for level in ("input", "hidden"):
            res = nt.evaluate(seeds=2, samples=128, strength=MAX_STRENGTH, level=level)
            assert np.isfinite(res.auroc).all()
            assert np.isfinite(res.importances[~np.isnan(res.importances)]).all()
