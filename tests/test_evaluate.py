"""evaluate/sweep: the acceptance numbers, the null, Results, determinism (in and across
processes), documented seeding, and input checks."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import neurotrace as nt
from neurotrace._checks import MAX_SAMPLES, MAX_SEEDS, check_labels, check_samples, check_seed, check_seeds
from neurotrace.evaluate import run_seed

# The reference table of the original brief (16 seeds x 512 samples, strength 1); each cell within +-0.005.
EXPECTED = {
    "correlation": {"clean": 1.0, "confounded": 0.75, "suppressor": 1.0},
    "gradient": {"clean": 1.0, "confounded": 1.0, "suppressor": 0.75},
    "integrated_gradients": {"clean": 1.0, "confounded": 1.0, "suppressor": 1.0},
    "patching": {"clean": 1.0, "confounded": 1.0, "suppressor": 1.0},
}


# --- the acceptance numbers ------------------------------------------------------------------


def test_defaults_cover_every_registered_method_and_circuit(real_results):
    r = real_results
    assert r.methods == tuple(nt.METHODS) and r.circuits == tuple(nt.CIRCUITS)
    assert (r.seeds, r.samples, r.labels, r.strength) == (16, 512, "real", 1.0)
    assert r.auroc.shape == (len(r.methods), len(r.circuits), 16)
    assert r.importances.shape == (len(r.methods), len(r.circuits), 16, 12)


@pytest.mark.parametrize("method", sorted(EXPECTED))
@pytest.mark.parametrize("circuit", ["clean", "confounded", "suppressor"])
def test_reproduces_the_seed_table(real_results, method, circuit):
    got = real_results.cell(method, circuit).mean()
    assert abs(got - EXPECTED[method][circuit]) <= 0.005, f"{method} on {circuit}: {got:.4f}"


def test_random_is_within_three_standard_errors_of_chance(real_results):
    r = real_results
    i = r.methods.index("random")
    for j, circuit in enumerate(r.circuits):
        mean, sem = r.mean()[i, j], r.sem()[i, j]
        assert 0 < sem < 0.1  # a real spread: random scores are not all tied
        assert abs(mean - 0.5) <= 3 * sem, f"random on {circuit}: {mean:.3f} ± {sem:.3f}"


def test_scrambled_null_is_chance_in_every_cell(null_results):
    n = null_results
    assert n.seeds >= 256 and n.labels == "scrambled"
    mean = n.mean()
    assert mean.shape == (len(nt.METHODS), len(nt.CIRCUITS))
    bad = {(m, c): round(mean[i, j], 3) for i, m in enumerate(n.methods) for j, c in enumerate(n.circuits)
           if abs(mean[i, j] - 0.5) > 0.05}
    assert not bad, f"null cells outside 0.5 ± 0.05: {bad}"
    # sd of one seed's AUROC is ~0.18 at 4 vs 8 features, so a 256-seed mean has SE ~0.011.
    # (A method that ties every feature scores exactly 0.5 under any mask: SE 0 is legitimate.)
    assert np.all(n.sem() < 0.02), n.sem()
    assert np.all(n.sem()[n.methods.index("random")] > 0.005)


def test_every_regime_fools_exactly_what_it_claims(real_results):
    # Read from the registries: each proxy fails on its own decoy only; causal methods never fail.
    r = real_results
    mean = r.mean()
    for j, circuit in enumerate(r.circuits):
        fools = nt.make_circuit(circuit).fools
        for i, method in enumerate(r.methods):
            if nt.METHODS[method].family == "baseline":
                continue
            if method in fools:
                assert mean[i, j] < 0.9, f"{circuit} claims to fool {method} but it scores {mean[i, j]:.3f}"
            else:
                assert mean[i, j] >= 0.99, f"{method} on {circuit}: {mean[i, j]:.3f}"


def test_importances_score_to_the_stored_auroc(real_results):
    r = real_results
    causal = np.stack([nt.make_circuit(c).causal for c in r.circuits])  # same mask at every seed
    masks = np.broadcast_to(causal[None, :, None, :], r.importances.shape)
    rescored = nt.auroc_rows(r.importances.reshape(-1, 12), masks.reshape(-1, 12)).reshape(r.auroc.shape)
    np.testing.assert_array_equal(rescored, r.auroc)


def test_documented_streams(real_results):
    # Seed s: circuit seed s, data stream ("data", s), method stream ("method", name, s).
    r = real_results
    for method, circuit, seed in [("patching", "suppressor", 3), ("random", "confounded", 9),
                                  ("correlation", "confounded", 0)]:
        c = nt.make_circuit(circuit, seed=seed)
        X = c.sample(512, nt.make_rng("data", seed))
        expected = nt.attribute(method, c, X, rng=nt.make_rng("method", method, seed))
        got = r.importances[r.methods.index(method), r.circuits.index(circuit), seed]
        np.testing.assert_array_equal(got, expected)


def test_run_seed_matches_evaluate(real_results):
    r = real_results
    built, scores, mask = run_seed("suppressor", seed=5)
    assert built.name == "suppressor" and built.seed == 5
    np.testing.assert_array_equal(scores, r.importances[:, r.circuits.index("suppressor"), 5])
    np.testing.assert_array_equal(mask, built.causal)


def test_a_subset_gives_the_same_bits_as_the_full_run(real_results):
    # Streams depend on (method, seed) only, so asking for fewer methods/circuits changes nothing.
    sub = nt.evaluate("gradient", ("suppressor",), seeds=4)
    assert sub.auroc.shape == (1, 1, 4)
    i, j = real_results.methods.index("gradient"), real_results.circuits.index("suppressor")
    np.testing.assert_array_equal(sub.importances[0, 0], real_results.importances[i, j, :4])


def test_scrambled_labels_change_only_the_mask(real_results, null_results):
    # Same importances as the real run (first 16 of the 256 null seeds); different AUROCs.
    np.testing.assert_array_equal(null_results.importances[:, :, :16], real_results.importances)
    assert not np.array_equal(null_results.auroc[:, :, :16], real_results.auroc)
    # The null's per-seed AUROC is the importances scored against scramble(causal, ("labels", s)).
    causal = nt.make_circuit("clean").causal
    for seed in (0, 1, 200):
        mask = nt.scramble(causal, nt.make_rng("labels", seed))
        i, j = null_results.methods.index("gradient"), null_results.circuits.index("clean")
        expected = nt.auroc(null_results.importances[i, j, seed], mask)
        assert null_results.auroc[i, j, seed] == expected


# --- Results ---------------------------------------------------------------------------------


@pytest.fixture
def known():
    """Results with hand-picked per-seed AUROCs: mean 0.75, std sqrt(1/24), sem std/2."""
    auroc = np.array([[[0.5, 1.0, 0.75, 0.75], [1.0, 1.0, 1.0, 1.0]]])
    return nt.Results(("gradient",), ("clean", "suppressor"), auroc, np.zeros((1, 2, 4, 12)),
                      seeds=4, samples=512, labels="real", strength=1.0)


def test_mean_std_sem_by_hand(known):
    np.testing.assert_allclose(known.mean(), [[0.75, 1.0]])
    np.testing.assert_allclose(known.std(), [[np.sqrt(0.125 / 3), 0.0]], rtol=1e-14)  # ddof=1
    np.testing.assert_allclose(known.sem(), [[np.sqrt(0.125 / 3) / 2, 0.0]], rtol=1e-14)


def test_single_seed_has_zero_spread():
    r = nt.Results(("gradient",), ("clean",), np.full((1, 1, 1), 0.8), np.zeros((1, 1, 1, 12)),
                   seeds=1, samples=8, labels="real", strength=0.0)
    np.testing.assert_array_equal(r.std(), [[0.0]])
    np.testing.assert_array_equal(r.sem(), [[0.0]])


def test_to_markdown(known):
    lines = known.to_markdown().splitlines()
    assert lines[0] == "| method | family | clean (control) | suppressor |"
    assert lines[1] == "|---|---|---:|---:|"
    assert lines[2] == "| gradient | proxy | 0.750 ± 0.102 | 1.000 ± 0.000 |"
    assert len(lines) == 3
    assert known.to_markdown(errors="std").splitlines()[2] == "| gradient | proxy | 0.750 ± 0.204 | 1.000 ± 0.000 |"
    assert known.to_markdown(errors="none", digits=2).splitlines()[2] == "| gradient | proxy | 0.75 | 1.00 |"
    with pytest.raises(ValueError, match="unknown errors 'sd'"):
        known.to_markdown(errors="sd")


def test_to_markdown_of_the_real_table(real_results):
    text = real_results.to_markdown()
    rows = text.splitlines()[2:]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == list(real_results.methods)
    assert "| correlation | proxy | 1.000 ± 0.000 | 0.750 ± 0.000 | 1.000 ± 0.000 |" in text


def test_to_dict(known):
    d = known.to_dict()
    assert d["settings"] == {"seeds": 4, "samples": 512, "labels": "real", "strength": 1.0, "level": "input",
                             "truth": "causal", "options": {}}
    assert [(c["method"], c["circuit"]) for c in d["cells"]] == [("gradient", "clean"), ("gradient", "suppressor")]
    first = d["cells"][0]
    assert first["mean"] == 0.75 and first["per_seed"] == [0.5, 1.0, 0.75, 0.75]
    assert first["std"] == pytest.approx(np.sqrt(0.125 / 3)) and first["sem"] == pytest.approx(first["std"] / 2)
    assert json.loads(json.dumps(d)) == d  # plain Python all the way down
    assert all(type(c["mean"]) is float for c in d["cells"])


def test_cell_lookup(known):
    np.testing.assert_array_equal(known.cell("gradient", "clean"), [0.5, 1.0, 0.75, 0.75])
    with pytest.raises(ValueError, match="unknown method 'patching'"):
        known.cell("patching", "clean")
    with pytest.raises(ValueError, match="unknown circuit 'confounded'"):
        known.cell("gradient", "confounded")


# --- determinism -----------------------------------------------------------------------------

SMALL = dict(seeds=3, samples=64)

_DIGEST = """
import hashlib, neurotrace as nt
r = nt.evaluate(seeds=3, samples=64)
x = nt.make_circuit("confounded", seed=2).sample(5, nt.make_rng("data", 2))
h = hashlib.sha256()
for a in (r.auroc, r.importances, x):
    h.update(a.tobytes())
print(h.hexdigest())
"""


def test_same_inputs_give_bit_identical_results_across_processes():
    r = nt.evaluate(**SMALL)
    x = nt.make_circuit("confounded", seed=2).sample(5, nt.make_rng("data", 2))
    h = hashlib.sha256()
    for a in (r.auroc, r.importances, x):
        h.update(a.tobytes())
    np.testing.assert_array_equal(r.importances, nt.evaluate(**SMALL).importances)  # same process
    # A fresh interpreter with a different hash seed: string hashing must not leak into the streams.
    out = subprocess.run([sys.executable, "-c", _DIGEST], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}, timeout=120)
    assert out.stdout.strip() == h.hexdigest()


def test_make_rng_streams():
    draw = lambda *parts: nt.make_rng(*parts).standard_normal(8)  # noqa: E731
    np.testing.assert_array_equal(draw("data", 0), draw("data", 0))
    assert not np.array_equal(draw("data", 0), draw("data", 1))  # different seeds
    assert not np.array_equal(draw("data", 0), draw("labels", 0))  # different purposes
    assert not np.array_equal(draw("method", "random", 0), draw("method", "gradient", 0))
    assert not np.array_equal(draw("data", 0, 1), draw("data", 1, 0))  # order matters


def test_make_rng_streams_of_different_length_differ():
    draw = lambda *parts: nt.make_rng(*parts).standard_normal(8)  # noqa: E731
    assert not np.array_equal(draw("data", 0), draw("data", 0, 0))
    assert not np.array_equal(draw("data", 0), draw("data"))
    with pytest.raises(ValueError, match=r"integer in \[0, 2\*\*32\)"):
        nt.make_rng("a", 2**32)


def test_different_seeds_give_different_draws():
    a, b = nt.evaluate("random", "clean", seeds=2, samples=8), nt.evaluate("random", "clean", seeds=3, samples=8)
    np.testing.assert_array_equal(a.importances[0, 0], b.importances[0, 0, :2])  # a prefix: seeds are indices
    assert not np.array_equal(a.importances[0, 0, 0], a.importances[0, 0, 1])


# --- sweep -----------------------------------------------------------------------------------


def test_sweep_matches_evaluate_and_strength_zero_is_the_control(real_results):
    sw = nt.sweep("suppressor", [0.0, 1.0], methods=("gradient", "patching"))
    assert sw.auroc.shape == (2, 2, 16) and sw.circuit == "suppressor"
    np.testing.assert_array_equal(sw.strengths, [0.0, 1.0])
    i = real_results.methods.index("gradient")
    np.testing.assert_array_equal(sw.auroc[0, 1], real_results.cell("gradient", "suppressor"))
    # At strength 0 the suppressor is the clean circuit: gradient recovers the circuit again.
    np.testing.assert_allclose(sw.auroc[0, 0], real_results.auroc[i, real_results.circuits.index("clean")])
    np.testing.assert_array_equal(sw.curve("gradient"), sw.mean()[0])
    assert sw.curve("gradient")[0] == 1.0 and sw.curve("gradient")[1] < 0.9
    lo, hi = sw.band()
    assert lo.shape == hi.shape == (2, 2) and np.all(lo <= sw.mean()) and np.all(sw.mean() <= hi)
    lo, hi = sw.band(0.0, 1.0)
    np.testing.assert_array_equal(lo, sw.auroc.min(axis=-1))
    np.testing.assert_array_equal(hi, sw.auroc.max(axis=-1))


def test_sweep_errors():
    with pytest.raises(ValueError, match="unknown circuit 'suppresor'; did you mean 'suppressor'"):
        nt.sweep("suppresor", [1.0], seeds=1, samples=8)
    with pytest.raises(ValueError, match="strength must be"):
        nt.sweep("suppressor", [1.0, -0.5], seeds=1, samples=8)
    with pytest.raises(ValueError, match="unknown method"):
        nt.sweep("suppressor", [1.0], methods=("gradint",), seeds=1, samples=8)
    sw = nt.sweep("clean", 1.0, methods="gradient", seeds=1, samples=8)  # a scalar grid is fine
    with pytest.raises(ValueError, match="unknown method 'patching'"):
        sw.curve("patching")


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(methods="gradiant"), r"unknown method 'gradiant'; did you mean 'gradient'"),
    (dict(methods=("gradient", "nope")), r"unknown method 'nope'"),
    (dict(circuits="cleen"), r"unknown circuit 'cleen'; did you mean 'clean'"),
    (dict(seeds=0), r"seeds must be a positive integer up to"),
    (dict(seeds=True), r"seeds must be a positive integer .*\(got True\)"),
    (dict(seeds=2.0), r"seeds must be .*\(got 2.0\)"),
    (dict(samples=1), r"samples must be an integer from 2 to 1,000,000; correlation needs at least 2"),
    (dict(samples=MAX_SAMPLES + 1), r"would exhaust memory"),
    (dict(labels="shuffled"), r"labels must be one of real, scrambled \(got 'shuffled'\)"),
    (dict(strength=-1.0), r"strength must be a finite number >= 0"),
    (dict(strength=float("nan")), r"strength must be a finite number >= 0"),
])
def test_evaluate_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message) as err:
        nt.evaluate(**kwargs)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("value", "expected"), [
    (2, 2), ("512", 512), (" 64 ", 64), (np.int64(7), 7), (MAX_SAMPLES, MAX_SAMPLES),
])
def test_check_samples_accepts(value, expected):
    assert check_samples(value) == expected


@pytest.mark.parametrize("bad", [True, False, 1, 0, -5, 2.0, 512.5, "5e2", "abc", "", None, [512],
                                 MAX_SAMPLES + 1])
def test_check_samples_rejects(bad):
    with pytest.raises(ValueError, match=r"^samples must be an integer from 2 to 1,000,000") as err:
        check_samples(bad)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("value", "expected"), [(0, 0), ("3", 3), (np.uint8(9), 9), (10**9, 10**9)])
def test_check_seed_accepts(value, expected):
    assert check_seed(value) == expected


@pytest.mark.parametrize("bad", [-1, "-1", True, 1.0, "x", None])
def test_check_seed_rejects(bad):
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer"):
        check_seed(bad)
    with pytest.raises(ValueError, match=r"^start must be"):
        check_seed(bad, what="start")


@pytest.mark.parametrize(("value", "expected"), [(1, 1), ("16", 16), (MAX_SEEDS, MAX_SEEDS)])
def test_check_seeds_accepts(value, expected):
    assert check_seeds(value) == expected


@pytest.mark.parametrize("bad", [0, -3, MAX_SEEDS + 1, True, 16.0, "sixteen", None])
def test_check_seeds_rejects(bad):
    with pytest.raises(ValueError, match=r"^seeds must be a positive integer up to 100,000"):
        check_seeds(bad)


@pytest.mark.parametrize("good", ["real", "scrambled"])
def test_check_labels_accepts(good):
    assert check_labels(good) == good


@pytest.mark.parametrize("bad", ["Real", "scramble", "", None, True, 1])
def test_check_labels_rejects(bad):
    with pytest.raises(ValueError, match=r"^labels must be one of real, scrambled"):
        check_labels(bad)
