"""evals/: the harness writes RESULTS.md atomically; the gate passes the real results and flags
doctored ones with one line per bad cell."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurotrace as nt
import neurotrace.claims  # noqa: F401  (nt.claims)
from evals import gate, harness
from neurotrace import claims
from neurotrace._io import write_text_atomic
from neurotrace.discovery import faithfulness_of

ROOT = Path(__file__).resolve().parents[1]


REFERENCE = ("clean", "confounded", "suppressor")


def doctor(results, auroc):
    """A copy of ``results`` with different per-seed AUROCs."""
    return dataclasses.replace(results, auroc=auroc)


def reference_only(results):
    """``results`` restricted to the three reference regimes (the lead adds more regimes over time)."""
    j = [results.circuits.index(c) for c in REFERENCE]
    return dataclasses.replace(results, circuits=REFERENCE, auroc=results.auroc[:, j],
                               importances=results.importances[:, j])


# --- the gate --------------------------------------------------------------------------------


def test_gate_passes_the_real_results(real_results, null_results):
    assert gate.failures(real_results, null_results) == []


def test_gate_flags_swapped_correlation_and_patching_rows(real_results, null_results):
    r = reference_only(real_results)
    assert gate.failures(r, reference_only(null_results)) == []
    i, k = r.methods.index("correlation"), r.methods.index("patching")
    auroc = r.auroc.copy()
    auroc[[i, k]] = auroc[[k, i]]
    bad = gate.failures(doctor(r, auroc), reference_only(null_results))
    # Correlation now recovers the confounder it should fall for; patching now falls for it.
    assert bad == [
        f"correlation on confounded at strength 1: 1.000 should fall below {claims.FOOLED_BELOW} "
        "(the regime lists correlation in its fools)",
        f"patching on confounded at strength 1: 0.750 should be >= {claims.HOLDS_AT} "
        "(an unlisted failure: confounded's fools does not name patching)",
    ]


def test_gate_flags_one_line_per_failing_cell(real_results, null_results):
    r = real_results
    auroc = r.auroc.copy()
    ig = r.methods.index("integrated_gradients")
    auroc[ig] = 0.95  # IG slips below RECOVERS on every circuit
    bad = gate.failures(doctor(r, auroc), null_results)
    assert len(bad) == len(r.circuits)
    for line, circuit in zip(bad, r.circuits, strict=True):
        assert line.startswith(f"integrated_gradients on {circuit} at strength 1: 0.950 should be >= ")
        assert "\n" not in line


def test_gate_flags_a_drifting_null(real_results, null_results):
    n = null_results
    auroc = n.auroc.copy()
    i, j = n.methods.index("gradient"), n.circuits.index("suppressor")
    auroc[i, j] += 0.1 - (auroc[i, j].mean() - 0.5)  # that cell's mean becomes exactly 0.6
    bad = gate.failures(real_results, doctor(n, auroc))
    assert bad == [f"null gradient on suppressor: 0.600 is outside 0.5 ± {claims.NULL_TOLERANCE}"]


def test_gate_flags_a_biased_random_baseline(real_results, null_results):
    r = real_results
    auroc = r.auroc.copy()
    i = r.methods.index("random")
    auroc[i] = np.clip(auroc[i] + 0.3, 0, 1)  # a 'random' baseline that secretly sees the circuit
    bad = gate.failures(doctor(r, auroc), null_results)
    assert len(bad) == len(r.circuits)
    assert all(line.startswith("random on ") and "SE" in line and "from chance 0.5" in line for line in bad)


def test_gate_main_prints_fail_lines_and_exits_1(monkeypatch, capsys, real_results, null_results, edge_tables):
    auroc = real_results.auroc.copy()
    auroc[real_results.methods.index("patching"), real_results.circuits.index("clean")] = 0.5
    monkeypatch.setattr(gate, "run", lambda: (doctor(real_results, auroc), null_results))
    monkeypatch.setattr(gate, "run_band", lambda: [real_results])  # the band is tested below
    monkeypatch.setattr(gate, "run_hidden", harness.run_hidden)
    monkeypatch.setattr(gate, "run_edges", lambda: edge_tables)
    assert gate.main([]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"FAIL patching on clean at strength 1: 0.500 should be >= {claims.HOLDS_AT} "
                   "(an unlisted failure: clean's fools does not name patching)"]


def test_gate_main_passes_and_says_so(monkeypatch, capsys, real_results, null_results, edge_tables):
    monkeypatch.setattr(gate, "run", lambda: (real_results, null_results))
    monkeypatch.setattr(gate, "run_band", lambda: [real_results])
    monkeypatch.setattr(gate, "run_hidden", harness.run_hidden)
    monkeypatch.setattr(gate, "run_edges", lambda: edge_tables)
    assert gate.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("gate passed:") and "edge level: 9 edge methods x 4 deep circuits" in out


# --- the gate at the edge level --------------------------------------------------------------


def test_the_edge_tables_are_the_reference_run(edge_tables):
    real, null = edge_tables.real, edge_tables.null
    assert (real.level, real.seeds, real.samples, real.strength) == ("edge", claims.SEEDS, claims.SAMPLES,
                                                                     claims.STRENGTH)
    assert (null.labels, null.seeds) == ("scrambled", claims.NULL_SEEDS)
    assert sorted(r.strength for r in (real, *edge_tables.band)) == sorted({claims.CONTROL, *claims.BAND})
    assert edge_tables.faithfulness.shape == real.auroc.shape


def test_gate_passes_the_edge_level(real_results, null_results, edge_tables):
    assert gate.failures(real_results, null_results, edges=edge_tables) == []


def test_gate_flags_a_doctored_edge_cell(real_results, null_results, edge_tables):
    real = edge_tables.real
    auroc = real.auroc.copy()
    auroc[real.methods.index("joint_edge_patching"), real.circuits.index("cancelling_paths")] = 0.6
    bad = gate.failures(real_results, null_results, edges=dataclasses.replace(edge_tables, real=doctor(real, auroc)))
    assert bad == [f"joint_edge_patching on cancelling_paths (edge level) at strength 1: 0.600 should be >= "
                   f"{claims.HOLDS_AT} (an unlisted failure: cancelling_paths's fools does not name "
                   "joint_edge_patching)"]


def test_gate_flags_an_edge_control_that_is_not_a_control(real_results, null_results, edge_tables):
    control = next(r for r in edge_tables.band if r.strength == claims.CONTROL)
    auroc = control.auroc.copy()
    auroc[control.methods.index("eap"), control.circuits.index("backup_path")] = 0.8
    band = tuple(doctor(r, auroc) if r is control else r for r in edge_tables.band)
    bad = gate.failures(real_results, null_results, edges=dataclasses.replace(edge_tables, band=band))
    assert len(bad) == 1 and bad[0].startswith("eap on backup_path (edge level) at strength 0: 0.800")
    assert "strength 0 is the control" in bad[0]


def test_gate_flags_a_drifting_edge_null(real_results, null_results, edge_tables):
    null = edge_tables.null
    auroc = null.auroc.copy()
    auroc[null.methods.index("eap"), null.circuits.index("distractor_path")] = 0.9
    bad = gate.failures(real_results, null_results, edges=dataclasses.replace(edge_tables, null=doctor(null, auroc)))
    assert bad == [f"edge level null eap on distractor_path: 0.900 is outside 0.5 ± {claims.NULL_TOLERANCE}"]


def test_gate_checks_the_edge_claims_once_the_cells_hold(real_results, null_results, edge_tables):
    """A faithfulness that contradicts the book ("faithful though incomplete") is a failing claim."""
    faith = edge_tables.faithfulness.copy()
    faith[edge_tables.real.methods.index("acdc"), edge_tables.real.circuits.index("backup_path")] = 0.5
    bad = gate.failures(real_results, null_results, edges=dataclasses.replace(edge_tables, faithfulness=faith))
    assert bad == [f"claim: on backup_path acdc's circuit is faithful (>= {claims.HOLDS_AT}) though incomplete"]


def test_gate_checks_every_strength_of_the_band(real_results, null_results):
    r = reference_only(real_results)
    auroc = r.auroc.copy()
    auroc[r.methods.index("gradient"), r.circuits.index("suppressor")] = 1.0  # not fooled at 1.5
    at_15 = dataclasses.replace(doctor(r, auroc), strength=1.5)
    bad = gate.failures(r, reference_only(null_results), band=[at_15])
    assert bad == [f"gradient on suppressor at strength 1.5: 1.000 should fall below {claims.FOOLED_BELOW} "
                   "(the regime lists gradient in its fools)"]
    assert 1.0 in claims.BAND and min(claims.BAND) < 1.0 < max(claims.BAND)


def test_python_m_evals_gate_exits_zero():
    out = subprocess.run([sys.executable, "-m", "evals.gate"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "gate passed" in out.stdout and "FAIL" not in out.stdout


# --- the harness -----------------------------------------------------------------------------


@pytest.fixture
def cheap_extras(monkeypatch, real_results):
    """Stand-ins for the harness's extra tables: small but real Results.

    (``harness.main`` also refreshes the repository README unless ``--no-readme``: tests pass
    that flag or replace ``update_readme``, so they never rewrite the README.)
    """
    from neurotrace.sanity import randomization_check

    hidden = tuple(nt.evaluate(level="hidden", truth=t, seeds=2, samples=32) for t in nt.HIDDEN_TRUTHS)
    sanity = randomization_check(seeds=1, samples=16)
    monkeypatch.setattr(harness, "run_hidden", lambda progress=None: hidden)
    monkeypatch.setattr(harness, "run_band", lambda progress=None: [real_results])
    monkeypatch.setattr(harness, "run_sanity", lambda progress=None: sanity)
    small = {"level": "edge", "seeds": 2, "samples": 64}
    real = nt.evaluate(**small)
    edges = harness.EdgeTables(real, faithfulness_of(real), nt.evaluate(labels="scrambled", **small),
                               (nt.evaluate(strength=0.0, **small),))
    monkeypatch.setattr(harness, "run_edges", lambda progress=None: edges)
    return hidden, sanity, edges


def test_harness_writes_every_table_and_the_settings(monkeypatch, tmp_path, real_results, null_results,
                                                     cheap_extras):
    hidden, sanity, edges = cheap_extras
    monkeypatch.setattr(harness, "run", lambda progress=None: (real_results, null_results))
    out = tmp_path / "sub" / "RESULTS.md"  # a missing folder is created
    assert harness.main(["--out", str(out), "--no-readme"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text == harness.report(real_results, null_results, hidden=hidden, band=[real_results], sanity=sanity,
                                  edges=edges)
    assert "## Edge level: circuit discovery on deep networks" in text
    for table in (edges.real.to_markdown(errors="sem"), edges.null.to_markdown(errors="sem"),
                  edges.real.to_markdown(errors="sem", values=edges.faithfulness),
                  harness.band_table([edges.band[0], edges.real])):
        assert table in text
    assert "backup_path @ 0 | backup_path @ 1" in text and "clean_paths @" not in text  # the control left out
    assert [p.name for p in out.parent.iterdir()] == ["RESULTS.md"]  # no temp file left behind
    assert f"{claims.SEEDS} seeds x {claims.SAMPLES} samples per circuit, decoy strength 1" in text
    assert "## Real labels (mean ± standard error over seeds)" in text
    assert "## Real labels (mean ± standard deviation over seeds)" in text
    assert f"## Scrambled-label null ({claims.NULL_SEEDS} seeds; mean ± standard error)" in text
    for table in (real_results.to_markdown(errors="sem"), real_results.to_markdown(errors="std"),
                  null_results.to_markdown(errors="sem"), hidden[0].to_markdown(errors="sem"),
                  hidden[1].to_markdown(errors="sem"), nt.claims.neuron_table(),
                  harness.band_table([real_results]), sanity.to_markdown()):
        assert table in text
    for name in [*nt.METHODS, *nt.CIRCUITS]:
        assert name in text


def test_harness_refreshes_only_the_readme_block(tmp_path, real_results):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{harness.README_START}\nstale\n{harness.README_END}\noutro\n")
    assert harness.update_readme(real_results, path=readme) is True
    assert readme.read_text() == f"intro\n{harness.readme_block(real_results)}\noutro\n"
    assert real_results.to_markdown(errors="sem") in readme.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]  # written atomically, no temp left
    plain = tmp_path / "NOMARKERS.md"
    plain.write_text("no markers here\n")
    assert harness.update_readme(real_results, path=plain) is False
    assert plain.read_text() == "no markers here\n"


@pytest.mark.parametrize(("flags", "refreshed"), [([], True), (["--no-readme"], False)])
def test_harness_main_refreshes_the_readme_unless_told_not_to(monkeypatch, tmp_path, real_results,
                                                              null_results, cheap_extras, flags, refreshed):
    # A stand-in README, so the test never rewrites the repository's.
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{harness.README_START}\nstale\n{harness.README_END}\n")
    monkeypatch.setattr(harness, "README", readme)
    monkeypatch.setattr(harness, "run", lambda progress=None: (real_results, null_results))
    assert harness.main(["--out", str(tmp_path / "R.md"), *flags]) == 0
    edges = cheap_extras[2].real
    assert (harness.readme_block(real_results, edges) in readme.read_text()) == refreshed
    if refreshed:  # the edge-level table beside the feature-level one
        text = readme.read_text()
        assert text.index(real_results.to_markdown(errors="sem")) < text.index(edges.to_markdown(errors="sem"))


def test_harness_run_uses_the_reference_settings(real_results, monkeypatch):
    calls = []
    monkeypatch.setattr(harness.nt, "evaluate", lambda **kw: calls.append(kw) or real_results)
    harness.run()
    harness.run_band()
    assert calls == [
        dict(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH),
        dict(seeds=claims.NULL_SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH,
             labels="scrambled"),
        *[dict(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=s) for s in (claims.CONTROL, *claims.BAND)],
    ]
    assert claims.NULL_SEEDS >= 256


def test_write_text_atomic_replaces_whole_or_not_at_all(tmp_path):
    path = tmp_path / "RESULTS.md"
    write_text_atomic(path, "old table\n")
    write_text_atomic(path, "new table\n")
    assert path.read_text() == "new table\n"
    with pytest.raises(TypeError):
        write_text_atomic(path, 12345)  # fails while writing the temp file
    assert path.read_text() == "new table\n"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RESULTS.md"]  # and the temp file is gone


def test_write_text_atomic_goes_through_a_rename(tmp_path, monkeypatch):
    # The text reaches the final name only by os.replace of a complete temp file in the same folder.
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((Path(src).parent, Path(src).read_text(), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    path = write_text_atomic(tmp_path / "out.md", "all of it\n")
    assert seen == [(tmp_path, "all of it\n", tmp_path / "out.md")]
    assert path == tmp_path / "out.md"
