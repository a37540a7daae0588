"""The README's promises: its results block is current, CI runs its test command verbatim, and its
sentences about the results state what the library computes."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

import neurotrace as nt
from evals import harness
from neurotrace import claims

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands():
    """The shell commands in the README's Quickstart, in order."""
    quick = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```console\n(.+?)\n```", quick)


def test_quickstart_makes_a_virtual_environment_then_has_two_commands_build_then_test():
    venv, build, test = commands()
    assert "python3 -m venv .venv" in venv and ". .venv/bin/activate" in venv  # a stock Debian has no `python`
    assert "jupyter-book build . -W --keep-going" in build and "pip install" in build
    assert "pytest" in test and "pip install" in test and "[dev,book]" in test
    assert build.startswith("python -m pip install -e ") and test.startswith("python -m pip install -e ")


def test_nobody_is_told_to_install_a_name_the_project_does_not_own():
    """The index's "neurotrace" is an unrelated project: install from the clone, never by that name."""
    name = re.search(r'^name = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M).group(1)
    assert name == "neurotrace-circuits"
    texts = {p: p.read_text(encoding="utf-8") for p in [ROOT / "README.md", ROOT / "binder" / "requirements.txt",
                                                         ROOT / ".ci" / "run", *ROOT.glob("book/**/*.ipynb"),
                                                         *ROOT.glob("neurotrace/**/*.py")]}
    by_that_name = re.compile(r"pip install\s+(?:-\S+\s+)*['\"]?neurotrace(?![-\w])")
    assert by_that_name.search("pip install 'neurotrace[torch]'") and not by_that_name.search('pip install -e ".[lab]"')
    for path, text in texts.items():
        bad = [line.strip() for line in text.splitlines() if by_that_name.search(line)]
        assert not bad, f"{path.relative_to(ROOT)}: {bad}"


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    _, _, test = commands()
    assert test in ci.splitlines(), f"{test!r} is not a line of .ci/run"
    # and exit status 5 (no tests collected) is a failure there
    assert re.search(r'"\$rc" -eq 5 \] && fail', ci)


def test_results_block_is_what_the_harness_computes_now():
    real = nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH)
    edges = nt.evaluate(level="edge", seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH)
    assert harness.readme_block(real, edges) in README, "stale README results: run python -m evals.harness"


def test_update_readme_rewrites_only_the_block(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(f"before\n{harness.README_START}\nold table\n{harness.README_END}\nafter\n")
    real = nt.evaluate(methods=["gradient"], circuits=["suppressor"], seeds=2, samples=64)
    assert harness.update_readme(real, path)
    text = path.read_text()
    assert text.startswith("before\n") and text.endswith("\nafter\n") and "old table" not in text
    assert real.to_markdown(errors="sem") in text
    path.write_text("no markers here\n")
    assert not harness.update_readme(real, path) and path.read_text() == "no markers here\n"


# --- the README's sentences about the results, checked against the library --------------------------------


@functools.cache
def table():
    return nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH)


def mean(method, regime) -> float:
    return float(table().cell(method, regime).mean())


def flat(text: str) -> str:
    return " ".join(text.split())


TEXT = flat(README)
SLOPE = ("gradient", "input_x_gradient", "smoothgrad", "attribution_patching")

# A sentence of the README (whitespace-normalised) -> the cells it states, as (method, regime, mean).
SENTENCES = {
    "On `confounded`, correlation falls to 0.75": [("correlation", "confounded", 0.75)],
    "patching, integrated gradients and Shapley stay at 1": [
        (m, "confounded", 1.0) for m in ("patching", "integrated_gradients", "shapley")],
    "(input × gradient, SmoothGrad, attribution patching) fall to 0.75": [(m, "suppressor", 0.75) for m in SLOPE],
    "integrated gradients, patching and Shapley stay at 1.": [
        (m, "suppressor", 1.0) for m in ("patching", "integrated_gradients", "shapley")],
    "Correlation stays at 1 on `suppressor` and gradient saliency at 1 on `confounded`": [
        ("correlation", "suppressor", 1.0), ("gradient", "confounded", 1.0)],
    "noising patching misses the backups (0.75) while denoising patching and Shapley find them": [
        ("patching", "redundant", 0.75), ("denoising_patching", "redundant", 1.0), ("shapley", "redundant", 1.0)],
    "denoising patching scores every causal feature 0 (0.5) while noising patching and Shapley find them": [
        ("denoising_patching", "interaction", 0.5), ("patching", "interaction", 1.0),
        ("shapley", "interaction", 1.0)],
    "gradient saliency, input × gradient and attribution patching score every feature exactly 0 and land on 0.5 "
    "on both `redundant` and `interaction`, and SmoothGrad does on `redundant` (it stays at 1 on `interaction`)": [
        *((m, r, 0.5) for m in ("gradient", "input_x_gradient", "attribution_patching")
          for r in ("redundant", "interaction")),
        ("smoothgrad", "redundant", 0.5), ("smoothgrad", "interaction", 1.0)],
}


def test_readme_result_sentences_state_the_tables_numbers():
    for sentence, cells in SENTENCES.items():
        assert sentence in TEXT, sentence
        for method, regime, value in cells:
            assert mean(method, regime) == value, (sentence, method, regime, mean(method, regime))


def test_readme_saturation_is_exactly_zero_and_only_at_strength_1():
    """"score every feature exactly 0": the slope methods' importances, on every seed; at 0 they hold."""
    res = table()
    for regime in ("redundant", "interaction"):
        for method in nt.CIRCUITS[regime].fools:
            if method in SLOPE:
                imp = res.importances[res.methods.index(method), res.circuits.index(regime)]
                assert np.all(imp[:, : nt.make_circuit(regime).n_features] == 0.0), (method, regime)
    control = nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.CONTROL)
    facts = claims.controls(control).check()  # "at strength 0 the same methods score 1"
    assert facts["control_min"] == 1.0
    # "At 0 the decoy regimes are exactly the clean circuit"
    assert facts["same_as_clean"] == "confounded, suppressor"
    assert "At 0 the decoy regimes are exactly the clean circuit" in TEXT
    assert "there every method but the random baseline scores 1 on every regime" in TEXT


def test_readme_every_failure_is_listed_and_ig_shapley_hold():
    assert "Every failure in the table is one its regime lists, with the reason" in TEXT
    assert claims.cell_failures(table()) == []
    facts = claims.table_facts(table()).check()
    assert facts["ig_shapley_min"] >= claims.HOLDS_AT
    assert "**Integrated gradients and Shapley hold on every regime** at strength 1" in TEXT


def test_readme_ig_beyond_the_grid():
    facts = claims.ig_quadrature().check()  # 64 nodes fooled, the exact rule holds
    far = [facts[f"ig_far_{k}"] for k in (1, 2)]
    assert f"on `suppressor` at strengths {far[0]:g} and {far[1]:g} it falls below {claims.FOOLED_BELOW:g}" in TEXT
    assert facts["igexact_far_1"] == facts["igexact_far_2"] == 1.0  # "still scores 1"


def test_readme_neuron_level_sentences():
    task, effect = harness.run_hidden()
    facts = claims.neuron_facts(task, effect).check()
    assert facts["truths_part_on"] == "suppressor" and "They part only on `suppressor`" in TEXT
    for method in claims.SINGLE_UNIT_METHODS:  # "score 0.5 against the task circuit and 1 against the effect"
        assert facts[f"hidden_{method}_suppressor"] == 0.5 and facts[f"effect_{method}_suppressor"] == 1.0
    assert "the single-unit methods (unit gradient, activation × gradient, patching) score 0.5 against" in TEXT
    assert min(facts[f"hidden_joint_patching_{r}"] for r in task.circuits) >= claims.HOLDS_AT
    assert "`joint_patching`, which patches the units that read the same inputs together, recovers" in TEXT


def test_readme_regimes_table_is_the_registry():
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| [^|]* \| (.*) \|$", README, flags=re.M)}
    assert list(rows) == list(nt.CIRCUITS)
    for name, regime in nt.CIRCUITS.items():
        assert re.findall(r"`(\w+)`", rows[name]) == list(regime.fools), name
    clean = nt.make_circuit("clean")
    assert clean.n_features - int(clean.causal.sum()) == 8 and "the causal core f0–f3, eight noise features" in README
    assert f"below a mean AUROC of {claims.FOOLED_BELOW:g} at strength 1" in TEXT
    switch = [r for r in nt.CIRCUITS.values() if r.name in ("redundant", "interaction")]
    assert {r.complete for r in switch} == {0.5} and "gates are complete from strength 0.5 on" in TEXT


def test_readme_gate_strengths():
    strengths = ", ".join(f"{s:g}" for s in claims.BAND[:-1]) + f" and {claims.BAND[-1]:g}"
    assert f"at the control strength {claims.CONTROL:g} and at {strengths}" in TEXT


def test_readme_settings_are_the_reference_settings():
    assert f"Mean AUROC ± standard error over {claims.SEEDS} seeds × {claims.SAMPLES} samples per circuit, " \
           f"decoy strength {claims.STRENGTH:g}" in TEXT
    assert f"the scrambled-label null over {claims.NULL_SEEDS} seeds" in TEXT
    assert f"({claims.SEEDS} seeds x {claims.SAMPLES} samples)" in TEXT



@functools.cache
def edge_facts() -> dict:
    from neurotrace.claims import edges as edge_claims
    from neurotrace.discovery import faithfulness_of

    real = nt.evaluate(level="edge", seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH)
    return (edge_claims.edge_table_facts(real, faithfulness_of(real)) | edge_claims.eap_ig_nodes()).check()


def test_readme_edge_level_sentences():
    f = edge_facts()
    noising = ("edge_patching", "node_patching", "acdc")
    value = f"{f['edge_edge_patching_backup_path']:.3f}"
    assert all(f"{f[f'edge_{m}_backup_path']:.3f}" == value for m in noising)
    assert f"single-edge noising (edge patching, node patching and ACDC) misses it ({value}) while edge" in TEXT
    assert min(f["edge_edge_denoising_backup_path"], f["edge_joint_edge_patching_backup_path"]) >= claims.HOLDS_AT
    faithful = min(f["faith_edge_patching_backup_path"], f["faith_acdc_backup_path"])
    assert f"the circuits noising recovers are faithful ({faithful:.3f})" in TEXT and faithful >= claims.HOLDS_AT
    eap = f"{f['edge_eap_backup_path']:.3f}"
    assert f["edge_eap_ig_backup_path"] == f["edge_eap_backup_path"] and f"EAP and EAP-IG fall to {eap}" in TEXT
    assert f["eap_ig_many"] >= claims.HOLDS_AT and f"EAP-IG holds with {f['eap_ig_steps']} quadrature nodes" in TEXT
    single = ("edge_patching", "edge_denoising", "eap", "eap_ig", "acdc")
    assert max(f[f"edge_{m}_cancelling_paths"] for m in single) < claims.FOOLED_BELOW
    assert f["edge_joint_edge_patching_cancelling_paths"] >= claims.HOLDS_AT
    assert "On `cancelling_paths` every single-edge method is fooled" in TEXT
    assert f"edge correlation is fooled ({f['edge_edge_correlation_distractor_path']:.3f})" in TEXT
    assert f["edge_fooled_edge_correlation"] == "distractor_path"
    patching = ("node_patching", "edge_patching", "edge_denoising", "joint_edge_patching", "eap", "eap_ig", "acdc")
    assert min(f[f"edge_{m}_distractor_path"] for m in patching) >= claims.HOLDS_AT
    assert f["edge_fooled_joint_edge_patching"] == "nowhere" and "Joint edge patching holds on every regime" in TEXT


def test_readme_edge_level_control():
    """"at strength 0 every method but the random baseline scores 1" (the edge level's control)."""
    control = nt.evaluate(level="edge", seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.CONTROL)
    mean = control.mean()
    assert all(mean[i].min() == 1.0 for i, m in enumerate(control.methods) if m != "random")
    assert "at strength 0 every method but the random baseline scores 1 (`evals/RESULTS.md`, \"Edge level\")" in TEXT
