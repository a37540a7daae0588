"""AUROC: known orderings, ties, invariances, laws (hypothesis), errors; the scrambled null's mask."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurotrace as nt

MASK = np.array([True, True, False, False, False])


def brute_auroc(scores, causal):
    """Mann-Whitney by counting every (causal, non-causal) pair: the definition, read literally."""
    pos, neg = scores[causal], scores[~causal]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_perfect_and_reversed_orderings():
    assert nt.auroc([5, 4, 3, 2, 1], MASK) == 1.0
    assert nt.auroc([1, 2, 3, 4, 5], MASK) == 0.0


def test_ties_count_one_half():
    assert nt.auroc([1, 1, 1, 1, 1], MASK) == 0.5
    # pairs: 1>0.5, 1>0, 0.5=0.5 (1/2), 0.5>0  -> 3.5 / 4
    assert nt.auroc([1.0, 0.5, 0.5, 0.0], [True, True, False, False]) == 0.875
    # causal 2 ties the top non-causal, loses to nothing else: (3 + 2.5) / 6
    assert nt.auroc([3.0, 2.0, 2.0, 1.0, 0.0], MASK) == pytest.approx(5.5 / 6, abs=1e-15)


def test_seed_table_shape_of_a_fooled_method():
    # Two decoys outscore all four causal features; the rest score 0: 4*(8-2)/(4*8) = 0.75,
    # the reference table's value for a fooled method.
    scores = np.array([1, 1, 1, 1, 0, 0, 5, 5, 0, 0, 0, 0], dtype=float)
    assert nt.auroc(scores, np.arange(12) < 4) == 0.75


def test_returns_a_python_float():
    assert type(nt.auroc([2, 1, 0], [True, False, False])) is float


@given(
    ints=st.lists(st.integers(-1000, 1000), min_size=2, max_size=15, unique=True),
    transform=st.sampled_from([
        lambda s: np.exp(s / 100.0),
        lambda s: s**3,
        lambda s: 5.0 * s - 2.0,
        lambda s: np.arctan(s / 1000.0),
        lambda s: np.log1p(s + 1000.0),
    ]),
    data=st.data(),
)
@settings(max_examples=100, deadline=None)
def test_invariant_under_strictly_monotone_rescaling(ints, transform, data):
    # Distinct integers in [-1000, 1000] stay distinct (and ordered) under each transform in float64.
    # Exact ranks (tolerance 0): s**3 puts 0 and 1 within 1e-9 of the largest score, a tie under
    # the default tolerance (see test_scores_within_the_tolerance_tie).
    scores = np.array(ints, dtype=float)
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(ints), max_size=len(ints))))
    if mask.all() or not mask.any():
        mask[0] = not mask[0]
    assert nt.auroc(transform(scores), mask, tolerance=0) == nt.auroc(scores, mask, tolerance=0)


@st.composite
def scored_masks(draw, max_size=15):
    """Scores with frequent ties (few distinct values) and a mask holding both classes."""
    n = draw(st.integers(2, max_size))
    scores = np.array(draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 7.0]), min_size=n, max_size=n)))
    k = draw(st.integers(1, n - 1))
    mask = np.zeros(n, dtype=bool)
    mask[draw(st.permutations(range(n)))[:k]] = True
    return scores, mask


@given(scored_masks())
@settings(max_examples=200, deadline=None)
def test_negating_scores_gives_one_minus_auroc_even_with_ties(pair):
    scores, mask = pair
    assert nt.auroc(-scores, mask) == pytest.approx(1.0 - nt.auroc(scores, mask), abs=1e-12)


@given(scored_masks())
@settings(max_examples=200, deadline=None)
def test_complementing_the_mask_gives_one_minus_auroc(pair):
    scores, mask = pair
    assert nt.auroc(scores, ~mask) == pytest.approx(1.0 - nt.auroc(scores, mask), abs=1e-12)


@given(scored_masks())
@settings(max_examples=200, deadline=None)
def test_matches_brute_force_pair_count(pair):
    scores, mask = pair
    assert nt.auroc(scores, mask) == pytest.approx(brute_auroc(scores, mask), abs=1e-12)


@given(st.integers(1, 6), st.integers(3, 12), st.data())
@settings(max_examples=60, deadline=None)
def test_auroc_rows_equals_auroc_row_by_row(k, n, data):
    rng = nt.make_rng("tests", "rows", k, n)
    scores = np.round(rng.standard_normal((k, n)), 1)  # rounding makes ties common
    mask = np.zeros((k, n), dtype=bool)
    for r in range(k):
        mask[r, rng.permutation(n)[: data.draw(st.integers(1, n - 1))]] = True
    rows = nt.auroc_rows(scores, mask)
    assert rows.shape == (k,)
    for r in range(k):
        assert rows[r] == nt.auroc(scores[r], mask[r])


@pytest.mark.parametrize("mask", [np.ones(5, dtype=bool), np.zeros(5, dtype=bool)])
def test_one_class_mask_raises(mask):
    with pytest.raises(ValueError, match="both causal and non-causal .*one class only"):
        nt.auroc(np.arange(5.0), mask)


def test_one_class_row_raises_in_auroc_rows():
    mask = np.array([[True, False, False], [True, True, True]])
    with pytest.raises(ValueError, match="one class only"):
        nt.auroc_rows(np.zeros((2, 3)), mask)


@pytest.mark.parametrize(("scores", "mask"), [
    (np.arange(4.0), MASK),
    (np.arange(6.0), MASK),
    (np.zeros((2, 5)), MASK),
])
def test_shape_mismatch_raises(scores, mask):
    with pytest.raises(ValueError, match="same shape"):
        nt.auroc(scores, mask)


def test_2d_scores_to_auroc_point_to_auroc_rows():
    with pytest.raises(ValueError, match="use auroc_rows"):
        nt.auroc(np.zeros((2, 5)), np.tile(MASK, (2, 1)))


def test_non_boolean_mask_raises():
    with pytest.raises(ValueError, match="boolean mask"):
        nt.auroc(np.arange(5.0), MASK.astype(int))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scores_raise(bad):
    with pytest.raises(ValueError, match="finite"):
        nt.auroc([1.0, bad, 0.0, 0.0, 0.0], MASK)


def test_scramble_keeps_the_count_and_moves_the_positions():
    causal = np.arange(12) < 4
    draws = [nt.scramble(causal, nt.make_rng("labels", s)) for s in range(20)]
    for mask in draws:
        assert mask.dtype == np.bool_ and mask.sum() == 4
    np.testing.assert_array_equal(draws[0], nt.scramble(causal, nt.make_rng("labels", 0)))
    assert len({m.tobytes() for m in draws}) > 10  # different seeds, different masks
    # Over many seeds every position is 'causal' about 4/12 of the time: no position is favoured.
    freq = np.mean([nt.scramble(causal, nt.make_rng("labels", s)) for s in range(3000)], axis=0)
    np.testing.assert_allclose(freq, 4 / 12, atol=0.04)


# --- ties within the tolerance ---------------------------------------------------------------------


def test_scores_within_the_tolerance_tie():
    # Captum's FeatureAblation with a mean baseline on `redundant`: the backups' true effect is 0,
    # computed as ~4e-14; the noise features' as exactly 0. Rounding noise, not a ranking.
    mask = np.array([True, True, True, True, False, False, False, False])
    scores = np.array([0.8, 4e-14, 0.7, 1e-14, 0.0, 0.0, 0.0, 0.0])
    assert nt.auroc(scores, mask) == 0.75  # primaries on top, backups tied with the noise
    assert nt.auroc(scores, mask, tolerance=0) == 1.0  # exact ranks score the rounding noise
    # The tolerance is relative to the row's largest |score|: scale-free down to the floor.
    assert nt.auroc(scores * 1e6, mask) == nt.auroc(scores * 1e-3, mask) == 0.75
    # A row that is all rounding noise (largest score 4e-14) ties throughout: TIE_FLOOR.
    assert nt.auroc(np.array([0.0, 4e-14, 1e-15, 0.0, 0.0, 0.0, 0.0, 0.0]), mask) == 0.5
    assert nt.scoring.TIE_FLOOR <= 1e-12


def test_tie_groups_chain_close_scores_and_order_groups_high_to_low():
    groups = nt.tie_groups([3.0, 1e-14, 0.0, 2.0, 3.0 * (1 + 1e-12), 0.0])
    assert [g.tolist() for g in groups] == [[0, 4], [3], [1, 2, 5]]
    assert [g.tolist() for g in nt.tie_groups(np.zeros(4))] == [[0, 1, 2, 3]]
    assert [g.tolist() for g in nt.tie_groups([1.0, 2.0], tolerance=0)] == [[1], [0]]


def test_midranks_match_the_pairwise_count_with_tolerance_ties():
    rng = nt.make_rng("tests", "midranks")
    for _ in range(200):
        n = int(rng.integers(2, 14))
        base = rng.choice([0.0, 0.5, 1.0, 2.0], size=n)
        scores = base * (1 + rng.choice([0.0, 1e-12, -1e-12], size=n))  # rounding-size jitter
        mask = np.zeros(n, dtype=bool)
        mask[rng.permutation(n)[: int(rng.integers(1, n))]] = True
        # Brute force on the un-jittered values: what the tolerance promises.
        assert nt.auroc(scores, mask) == pytest.approx(brute_auroc(base, mask), abs=1e-12)


def test_the_reference_table_does_not_depend_on_the_tolerance(real_results):
    imp = real_results.importances.reshape(-1, real_results.importances.shape[-1])
    masks = np.stack([nt.make_circuit(c).causal for c in real_results.circuits])
    masks = np.broadcast_to(masks[None, :, None, :], real_results.importances.shape).reshape(imp.shape)
    exact = nt.auroc_rows(imp, masks, tolerance=0).reshape(real_results.auroc.shape)
    np.testing.assert_array_equal(exact, real_results.auroc)


@pytest.mark.parametrize("bad", [-1e-9, float("nan"), float("inf"), "1e-9", True])
def test_a_bad_tolerance_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0"):
        nt.auroc([1.0, 0.0], np.array([True, False]), tolerance=bad)


def test_scramble_accepts_what_default_rng_accepts():
    mask = np.array([True, True, False, False, False, False])
    for rng in (0, None, nt.make_rng("labels", 0), np.random.SeedSequence(3)):
        out = nt.scramble(mask, rng)
        assert out.sum() == 2 and out.dtype == bool
    np.testing.assert_array_equal(nt.scramble(mask, 5), nt.scramble(mask, 5))  # seeded: reproducible
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        nt.scramble(mask, "seed")
