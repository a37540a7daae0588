"""The benchmark suite runs and reports well-formed results. No timing is asserted anywhere:
the machine is shared, so only the shape and the honesty of the report are checked."""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurotrace as nt
from benchmarks.floors import FLOORS
from benchmarks.report import load, markdown, missed, performance_facts
from benchmarks.timing import compare, loglog_slope
from neurotrace.claims import ClaimError
from neurotrace.claims.facts import quoted_names

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One ``python -m benchmarks --quick`` run into a temporary folder."""
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc.stdout, json.loads((out / "results.json").read_text())


def _tables(text):
    """Markdown tables as lists of rows (each a list of cells)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    return tables


def test_quick_run_writes_well_formed_markdown(quick):
    out, stdout, _ = quick
    text = (out / "RESULTS.md").read_text()
    assert text in stdout  # the printed table is the file
    for heading in ("neurotrace vs Captum", "bare-numpy floor", "Time budgets", "Scaling with samples",
                    "Scaling with IG steps", "Peak memory"):
        assert heading in text
    tables = _tables(text)
    assert len(tables) >= 5
    for table in tables:
        header, rule, *rows = table
        assert set("".join(rule)) <= set("-:") and len(rule) == len(header)
        assert rows and all(len(row) == len(header) for row in rows)
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporary behind


def test_every_registered_method_is_compared_or_listed(quick):
    _, _, res = quick
    compared = [row["method"] for row in res["floors"]["rows"]]
    assert sorted(compared + res["floors"]["no_floor"]) == sorted(nt.METHODS)
    assert set(res["scaling"]["samples"]["seconds"]) == set(nt.METHODS)
    for row in res["floors"]["rows"]:
        assert row["ours_s"] > 0 and row["floor_s"] > 0
        assert math.isclose(row["ratio"], row["ours_s"] / row["floor_s"])
        assert row["met"] == (row["ratio"] <= row["target"])
        assert row["max_abs_diff"] <= 1e-9


def test_results_json_is_consistent(quick):
    _, _, res = quick
    assert res["settings"]["quick"] is True
    sc = res["scaling"]
    assert sc["samples"]["grid"] == sorted(sc["samples"]["grid"]) and len(sc["samples"]["grid"]) >= 3
    for seconds in sc["samples"]["seconds"].values():
        assert len(seconds) == len(sc["samples"]["grid"]) and min(seconds) > 0
    assert len(sc["steps"]["seconds"]) == len(sc["steps"]["grid"])
    mem = res["memory"]
    assert len(mem["peak_bytes"]) == 2 and min(mem["peak_bytes"]) > 0
    assert mem["met"] == (mem["peak_bytes"][1] <= mem["target_growth"] * mem["peak_bytes"][0])
    cap = res["captum"]
    if cap["skipped"]:
        assert not cap["rows"]
    else:  # Captum and neurotrace were checked to agree before being timed
        assert len(cap["rows"]) >= 2 and all(row["max_abs_diff"] < 1e-6 for row in cap["rows"])


def test_runs_without_torch_and_says_what_it_skipped(tmp_path):
    """With torch unimportable (as where the [torch] extra is absent) the run still succeeds
    and the report names the skipped comparison and why; every other section is there."""
    script = ("import runpy, sys; sys.modules['torch'] = None; "  # None in sys.modules blocks the import
              f"sys.argv = ['benchmarks', '--quick', '--out', {str(tmp_path)!r}]; "
              "runpy.run_module('benchmarks', run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["captum"] == {"skipped": res["captum"]["skipped"], "rows": []}
    assert res["captum"]["skipped"].startswith("torch is not installed")
    text = (tmp_path / "RESULTS.md").read_text()
    assert "SKIPPED: torch is not installed" in text
    assert "torch" not in res["environment"] and res["floors"]["rows"] and res["budgets"]["rows"]
    assert all("Captum" not in line for line in missed(res))


def test_missed_targets_are_listed(quick):
    """A missed target shows up as MISSED in the markdown and in ``missed``."""
    _, _, base = quick
    row = dict(base["floors"]["rows"][0], ratio=5.0, met=False)
    res = dict(base, floors={"rows": [row], "no_floor": ["mystery"]})
    assert "**MISSED**" in markdown(res)
    assert f"{row['method']} vs floor (5.00x)" in missed(res)
    assert "No floor written yet for: mystery" in markdown(res)


@pytest.mark.parametrize("circuit", list(nt.CIRCUITS))
def test_floors_compute_the_library_numbers(circuit):
    c = nt.make_circuit(circuit, seed=3)
    X = c.sample(300, nt.make_rng("test", "floors"))
    for name, floor in FLOORS.items():
        if name not in nt.METHODS:
            continue
        ours = nt.METHODS[name].fn(c, X, nt.make_rng("test", name))
        np.testing.assert_allclose(floor(c, X, nt.make_rng("test", name)), ours, rtol=1e-9, atol=1e-12)


def test_loglog_slope_recovers_the_exponent():
    n = np.array([128, 256, 1024, 4096])
    assert math.isclose(loglog_slope(n, 3e-6 * n), 1.0)
    assert math.isclose(loglog_slope(n, 1e-9 * n**2), 2.0)
    assert math.isclose(loglog_slope(n, np.full(4, 0.5)), 0.0, abs_tol=1e-12)


def test_compare_times_every_contender():
    calls = {"a": 0, "b": 0}

    def bump(key):
        calls[key] += 1

    t = compare({"a": lambda: bump("a"), "b": lambda: bump("b")}, repeats=3, min_seconds=0)
    assert set(t) == {"a", "b"} and all(v >= 0 for v in t.values())
    assert calls == {"a": 4, "b": 4}  # one warm-up + three rounds each, with min_seconds=0


# --- the Performance page's facts (on the committed results.json) --------------------------------------


def test_performance_facts_hold_on_the_committed_results():
    res = load()
    facts = performance_facts(res)
    assert facts.failed() == []
    ig = next(r for r in res["captum"]["rows"] if r["name"].startswith("integrated_gradients"))
    compute = next(r for r in res["captum"]["rows"] if r["name"].startswith("patch_effects"))
    end_to_end = next(r for r in res["captum"]["rows"] if r["name"].startswith("patching (resample"))
    assert facts["ig_speedup"] == ig["speedup"] == ig["theirs_s"] / ig["ours_s"]
    assert math.isclose(facts["draw_ms"], facts["e2e_ms"] - compute["ours_s"] * 1e3)
    assert facts["e2e_ms"] == end_to_end["ours_s"] * 1e3
    ratios = {r["method"]: r["ratio"] for r in res["floors"]["rows"]}
    assert facts["worst_floor_ratio"] == max(ratios.values()) == ratios[facts["worst_floor_method"]]
    assert facts["mem_growth"] == res["memory"]["peak_bytes"][1] / res["memory"]["peak_bytes"][0]
    assert facts["zero_speedup_min"] < facts["zero_speedup_max"]


def test_the_performance_page_quotes_only_published_values():
    nb = json.loads((ROOT / "book" / "performance.ipynb").read_text())
    prose = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    quoted = set(quoted_names(prose))
    assert quoted and quoted <= set(performance_facts(load()).values)


def _doctored(change):
    res = copy.deepcopy(load())
    change(res)
    return performance_facts(res)


@pytest.mark.parametrize("change, false_claim", [
    (lambda r: r["captum"]["rows"][0].update(max_abs_diff=1e-3), "agreed (max abs diff < 1e-6)"),
    (lambda r: r["captum"].update(skipped="torch is not installed", rows=[]), "include the Captum comparison"),
    (lambda r: r["captum"]["rows"][2].update(speedup=0.8), "faster than Captum in every comparison"),
    (lambda r: r["floors"]["rows"][3].update(max_abs_diff=1e-6), "every floor computed the method's numbers"),
    (lambda r: r["budgets"]["rows"].pop(), "both slider-redraw budgets"),
    (lambda r: r["memory"].update(peak_bytes=[1, 2 * r["memory"]["unchunked_bytes"]]), "below the unchunked"),
    (lambda r: r["memory"].update(met=False), "does not grow with the steps"),
    (lambda r: r["environment"].update(torch_threads=2), "one thread"),
])
def test_performance_facts_name_a_false_claim(change, false_claim):
    facts = _doctored(change)
    assert len(facts.failed()) == 1 and false_claim in facts.failed()[0], facts.failed()
    with pytest.raises(ClaimError, match=re.escape(false_claim)):
        facts.check()
