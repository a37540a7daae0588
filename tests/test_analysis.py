"""neurotrace.analysis: the calculations the figures, the claims and the exercises share."""

from __future__ import annotations

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import analysis
from neurotrace.claims import _shared
from neurotrace.deep import make_deep_circuit


@pytest.mark.parametrize("regime", list(nt.CIRCUITS))
def test_weight_reach_is_the_book_example_methods_score_exactly(regime):
    """The 'Evaluate your own method' chapter claims its method's scores ARE these weights
    (np.array_equal), so the two must be the same expression, to the last bit, at every strength."""
    for strength in (0.0, 0.25, 1.0, 2.0):
        for seed in range(3):
            c = nt.make_circuit(regime, strength=strength, seed=seed)
            reach = analysis.weight_reach(c)
            assert np.array_equal(reach, np.abs(c.v) @ np.abs(c.W))
            by_hand = [sum(abs(c.v[h] * c.W[h, j]) for h in range(c.n_hidden)) for j in range(c.n_features)]
            np.testing.assert_allclose(reach, by_hand, rtol=1e-12, atol=0)
    assert _shared.weight_reach is analysis.weight_reach  # the claims read the same function


def test_weight_reach_is_zero_exactly_where_no_unit_with_an_output_weight_reads():
    c = nt.make_circuit("confounded")
    reach = analysis.weight_reach(c)
    read = ((c.W != 0) & (c.v != 0)[:, None]).any(axis=0)
    assert np.array_equal(reach > 0, read) and (reach[c.decoy] == 0).all()


def test_data_links_list_each_generated_feature_once_per_source_short_links_first():
    c = nt.make_circuit("confounded")
    links = analysis.data_links(c)
    assert sorted(links) == sorted((int(i), int(j)) for i, j in np.argwhere(c.mixing) if i != j)
    spans = [abs(i - j) for i, j in links]
    assert spans == sorted(spans) and all(type(i) is int and type(j) is int for i, j in links)
    assert analysis.data_links(nt.make_circuit("clean")) == []
    deep = make_deep_circuit("distractor_path")
    assert analysis.data_links(deep) == [(7, 3), (7, 2), (7, 1), (7, 0)]  # one distractor, from four causes


def test_completeness_gap_of_given_attributions_and_of_the_librarys_ig():
    c = nt.make_circuit("suppressor")
    X = analysis.default_data(c, 64)
    base = np.full(c.n_features, 0.25)
    ig = nt.ig_attributions(c, X, baseline=base, steps=16)
    by_hand = max(abs(ig[i].sum() - (c.forward(X[i:i + 1])[0] - c.forward(base[None])[0])) for i in range(len(X)))
    assert analysis.completeness_gap(c, X, base, ig) == pytest.approx(by_hand, rel=1e-12, abs=1e-15)
    assert analysis.completeness_gap(c, X, base, steps=16) == analysis.completeness_gap(c, X, base, ig)
    assert analysis.completeness_gap(c, X, base, np.zeros_like(ig)) == pytest.approx(
        np.abs(c.forward(X) - c.forward(base[None])[0]).max())  # nothing attributed: the whole change is missing
    change, total = analysis.ig_completeness(c, X, base, ig.tolist())  # any array-like
    np.testing.assert_array_equal(total, ig.sum(axis=1))
