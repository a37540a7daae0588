"""The parameter-randomisation sanity check (Adebayo et al. 2018)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ConstantInputWarning, spearmanr

import neurotrace as nt
from neurotrace.sanity import randomization_check, randomize, rank_correlation


def test_rank_correlation_known_values():
    a = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_allclose(rank_correlation(a, a), [1.0])
    np.testing.assert_allclose(rank_correlation(a, -a), [-1.0])
    np.testing.assert_allclose(rank_correlation(a, a**3 + 7), [1.0])  # ranks only
    # Ties take average ranks: [1, 2.5, 2.5, 4] vs [1, 2, 3, 4] -> 0.9487
    np.testing.assert_allclose(rank_correlation([[1, 2, 2, 3]], a), [3 / np.sqrt(10)])
    assert np.isnan(rank_correlation([[0.0, 0.0, 0.0]], [[1.0, 2.0, 3.0]]))[0]


def test_rank_correlation_agrees_with_scipy_spearmanr_row_by_row():
    """Continuous scores, scores with many ties (rounded), and a constant row (NaN in both)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((40, 12))
    b = a + rng.standard_normal((40, 12))
    for x, y in ((a, b), (np.round(a), np.round(b)), (np.round(a), b)):
        expected = [spearmanr(x[i], y[i]).statistic for i in range(len(x))]
        np.testing.assert_allclose(rank_correlation(x, y), expected, rtol=0, atol=1e-12)
    constant = np.zeros(12)
    with pytest.warns(ConstantInputWarning):
        assert np.isnan(spearmanr(constant, b[0]).statistic)
    assert np.isnan(rank_correlation(constant, b[0]))[0]


@pytest.mark.parametrize("layer", ["v", "W"])
def test_randomize_redraws_only_its_layers_and_keeps_the_truth(layer):
    c = nt.make_circuit("clean", seed=3)
    r = randomize(c, layer, nt.make_rng("t", layer))
    assert not np.array_equal(r.v, c.v)
    assert np.array_equal(r.W, c.W) == (layer == "v")
    np.testing.assert_array_equal(r.b, c.b)
    np.testing.assert_array_equal(r.causal, c.causal)
    np.testing.assert_array_equal(r.mixing, c.mixing)
    if layer == "W":
        assert np.all(r.W != 0)  # dense: every feature now feeds every unit
    with pytest.raises(ValueError, match="unknown layer"):
        randomize(c, "b", nt.make_rng("t"))


def test_randomisation_changes_model_based_maps_and_collapses_auroc():
    res = randomization_check(methods=["random", "gradient", "patching", "integrated_gradients"],
                              circuits=["clean", "confounded"], seeds=4, samples=128)
    k = res.layers.index("W")
    i = {m: res.methods.index(m) for m in res.methods}
    # A map that ignores the model survives randomisation unchanged: it fails the check.
    np.testing.assert_array_equal(res.rank_corr[i["random"], :, k], 1.0)
    for m in ("gradient", "patching", "integrated_gradients"):
        assert np.all(res.original[i[m]] == 1.0)
        assert np.nanmean(res.rank_corr[i[m], :, k]) < 0.5, m  # the map changed
        assert abs(res.auroc[i[m], :, k].mean() - 0.5) < 0.2, m  # back to about chance
    text = res.to_markdown()
    assert "rank corr, W re-drawn" in text and text.count("\n") == len(res.methods) + 1
