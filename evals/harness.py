"""Compute the benchmark tables and write ``evals/RESULTS.md`` and the README's results block.

    python -m evals.harness [--out PATH | --out -] [--no-readme] [--quiet]

Files: both targets are checked before anything is computed (a read-only file or an unwritable
folder stops the run at once, with one line); then both are written as one step -- both or
neither -- each atomically, keeping its permissions and writing through a symlink
(``neurotrace._io``). ``--out -`` writes no file at all: the report goes to stdout only (the
container's default run). A kill leaves no half-written file; a SIGTERM or Ctrl-C leaves no
temporary file either, and one left by SIGKILL is removed by the next run.

Progress: one line on stderr while it computes, only when stderr is a terminal (``--quiet``
turns it off).
"""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import neurotrace as nt
from neurotrace import claims
from neurotrace._io import NotWritable, check_writable, write_files, write_text_atomic
from neurotrace.discovery import faithfulness_of
from neurotrace.progress import Progress
from neurotrace.results import is_control
from neurotrace.sanity import randomization_check

DEFAULT_OUT = Path(__file__).with_name("RESULTS.md")
README = Path(__file__).resolve().parents[1] / "README.md"
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def _stage(progress, name):
    """``evaluate``'s keyword for a progress line labelled ``name`` (none without a progress)."""
    if progress is None:
        return {}
    progress.label = f"python -m evals.harness: {name}: "
    return {"progress": progress}


def run(progress=None):
    """The real-label table and the scrambled-label null, at the reference settings."""
    real = nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH,
                       **_stage(progress, "real labels"))
    null = nt.evaluate(seeds=claims.NULL_SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH,
                       labels="scrambled", **_stage(progress, "scrambled-label null"))
    return real, null


def run_band(progress=None):
    """Real-label Results at the control strength and each strength of ``claims.BAND``."""
    return [nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=s,
                        **_stage(progress, f"strength {s:g}"))
            for s in (claims.CONTROL, *claims.BAND)]


def run_hidden(progress=None):
    """The neuron-level tables: hidden-unit methods against the task circuit and against the
    units with an individual effect (see ``neurotrace.hidden``)."""
    return tuple(nt.evaluate(seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH,
                             level="hidden", truth=truth, **_stage(progress, f"neuron level ({truth})"))
                 for truth in nt.HIDDEN_TRUTHS)


@dataclass(frozen=True)
class EdgeTables:
    """The edge level's tables (deep networks, edge methods; ``neurotrace.discovery``): the real
    table at the reference settings, the faithfulness of each method's recovered circuit
    (``(n_methods, n_circuits, n_seeds)``), the scrambled-truth null, and the real tables at the
    control strength and across the band."""

    real: nt.Results
    faithfulness: np.ndarray
    null: nt.Results
    band: tuple


def run_edges(progress=None) -> EdgeTables:
    """The edge level at the feature level's reference settings (seeds, samples, strength, null)."""
    real = nt.evaluate(level="edge", seeds=claims.SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH,
                       **_stage(progress, "edge level"))
    null = nt.evaluate(level="edge", seeds=claims.NULL_SEEDS, samples=claims.SAMPLES, strength=claims.STRENGTH,
                       labels="scrambled", **_stage(progress, "edge level, scrambled-truth null"))
    band = tuple(nt.evaluate(level="edge", seeds=claims.SEEDS, samples=claims.SAMPLES, strength=s,
                             **_stage(progress, f"edge level, strength {s:g}"))
                 for s in (claims.CONTROL, *claims.BAND) if s != claims.STRENGTH)
    return EdgeTables(real, faithfulness_of(real), null, band)


def run_sanity(progress=None):
    """The parameter-randomisation check (Adebayo et al. 2018)."""
    if progress is not None:
        _stage(progress, "randomisation check")
        progress(0, 1)
    out = randomization_check(seeds=claims.SANITY_SEEDS, samples=claims.SANITY_SAMPLES)
    if progress is not None:
        progress(1, 1)
    return out


def band_table(band) -> str:
    """Mean AUROC of every method on every regime at each strength of the band (the control
    regimes, whose strength changes nothing, left out)."""
    planted = [(j, c) for j, c in enumerate(band[0].circuits) if not is_control(c)]
    heads = [f"{c} @ {r.strength:g}" for _, c in planted for r in band]
    lines = ["| method | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for i, m in enumerate(band[0].methods):
        cells = [f"{r.mean()[i, j]:.3f}" for j, _ in planted for r in band]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def edge_section(edges: EdgeTables) -> list[str]:
    """RESULTS.md's edge-level section: AUROC, faithfulness, the band and the null."""
    band = sorted([edges.real, *edges.band], key=lambda r: r.strength)
    return ["## Edge level: circuit discovery on deep networks (mean ± standard error)", "",
            "Compiled networks with three hidden layers and a skip edge (`neurotrace.deep`); each edge method "
            "(`neurotrace.discovery`) scores every edge, against the edges the computation runs through. "
            "`neurotrace table --level edge` prints the same tables.", "",
            "Edge AUROC:", "", edges.real.to_markdown(errors="sem"), "",
            "Faithfulness of the circuit each method recovers (its top k edges, k = the true circuit's size, "
            "whole tie groups only): the circuit alone, every other edge patched from a corrupted input, against "
            "the full network; 1 = it computes the output, 0 = no better than patching everything. A circuit can "
            "be faithful and incomplete (a backup path it left out is not needed while the primary runs).", "",
            edges.real.to_markdown(errors="sem", values=edges.faithfulness), "",
            "Across decoy strengths (mean edge AUROC; the gate checks every cell at each):", "",
            band_table(band), "",
            f"Scrambled-truth null ({edges.null.seeds} seeds): every method should fall to ~0.5.", "",
            edges.null.to_markdown(errors="sem"), ""]


def report(real, null, hidden=None, band=None, sanity=None, edges=None) -> str:
    """RESULTS.md: the tables with mean ± std and mean ± sem, and the settings used."""
    extra = []
    if hidden is not None:
        task, effect = hidden
        extra += ["## Neuron level (hidden units; mean ± standard error)", "",
                  "Two ground truths (`neurotrace.hidden`): the **task circuit**, units that read a causal "
                  "feature with a non-zero output weight (`Circuit.hidden_causal`), and the units with an "
                  "**individual effect**, whose patch alone changes the output. They part only where units "
                  "cancel: the suppressor's gate pairs.", "",
                  "Against the task circuit:", "", task.to_markdown(errors="sem"), "",
                  "Against the units with an individual effect:", "", effect.to_markdown(errors="sem"), "",
                  "Units one at a time and in groups (seed 0, strength 1):", "", claims.neuron_table(), ""]
    if band is not None:
        extra += ["## Across decoy strengths (mean AUROC)", "",
                  f"The gate checks every cell at each of these strengths, not only at 1: at {claims.CONTROL:g} "
                  "(the control) every method but the random baseline must hold; at the others a method "
                  "must fail exactly where a regime's `fools` lists it.", "",
                  band_table(band), ""]
    if edges is not None:
        extra += edge_section(edges)
    if sanity is not None:
        extra += [f"## Sanity check: parameter randomisation ({sanity.seeds} seeds, "
                  f"{claims.SANITY_SAMPLES} samples)", "",
                  "Re-draw the output weights `v`, then `v` and `W` (cascading), and attribute again "
                  "on the same data. Rank corr: Spearman correlation between the map before and after "
                  "(1 = the map did not change: it does not depend on the model). AUROC after: against "
                  "the original circuit, which should collapse. Means over every regime.", "",
                  sanity.to_markdown(), ""]
    return "\n".join([
        "# neurotrace results",
        "",
        "Generated by `python -m evals.harness`; do not edit by hand.",
        "",
        f"Settings: {real.seeds} seeds x {real.samples} samples per circuit, decoy strength "
        f"{real.strength:g}, neurotrace {nt.__version__}. AUROC of each method's importances "
        "against the known circuit: 1.0 = circuit recovered, 0.5 = chance.",
        "",
        "## Real labels (mean ± standard error over seeds)",
        "",
        real.to_markdown(errors="sem"),
        "",
        "## Real labels (mean ± standard deviation over seeds)",
        "",
        real.to_markdown(errors="std"),
        "",
        f"## Scrambled-label null ({null.seeds} seeds; mean ± standard error)",
        "",
        "The ground-truth mask is shuffled per seed: every method should fall to ~0.5.",
        "",
        null.to_markdown(errors="sem"),
        "",
        *extra,
    ])


def readme_block(real, edges=None) -> str:
    """The README's results (between its markers): the real-label table, mean ± sem, and with
    ``edges`` (a ``Results`` at the edge level) the edge-level table beside it."""
    if edges is None:
        return f"{README_START}\n{real.to_markdown(errors='sem')}\n{README_END}"
    return "\n".join([
        README_START,
        "**Feature level**: which input features matter (AUROC against the causal features).", "",
        real.to_markdown(errors="sem"), "",
        "**Edge level**: which edges of a three-layer network carry the computation (edge AUROC against the "
        "causal edges; `neurotrace table --level edge`).", "",
        edges.to_markdown(errors="sem"),
        README_END])


def has_block(text: str) -> bool:
    """Whether ``text`` holds the results markers, in order."""
    return README_START in text and README_END in text.split(README_START, 1)[1]


def with_block(text: str, real, edges=None) -> str:
    """``text`` with its results block replaced by the one of ``real`` (and ``edges``)."""
    head, rest = text.split(README_START, 1)
    return head + readme_block(real, edges) + rest.split(README_END, 1)[1]


def update_readme(real, path=README, edges=None) -> bool:
    """Rewrite the results block of the README in place (atomically); False if no markers."""
    text = Path(path).read_text(encoding="utf-8")
    if not has_block(text):
        return False
    write_text_atomic(path, with_block(text, real, edges))
    return True


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is: it unwinds like Ctrl-C, so the writers remove their
    temporary files (a KeyboardInterrupt, so nothing on the way mistakes it for an error)."""


def _terminate(signum, frame):
    raise Terminated


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.harness", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help="where to write RESULTS.md; '-' writes no file, the report goes to stdout only "
                             "(default: %(default)s)")
    parser.add_argument("--no-readme", action="store_true", help="do not refresh the README's results block")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress line on stderr")
    args = parser.parse_args(argv)
    prog = parser.prog
    to_file = args.out != "-"
    readme = Path(README)
    previous = signal.signal(signal.SIGTERM, _terminate) if hasattr(signal, "SIGTERM") else None
    progress = Progress(sys.stderr, enabled=not args.quiet)
    try:
        # Check every target before computing anything: a read-only README or an unwritable folder
        # stops the run now, with nothing written.
        targets = {}
        if to_file:
            targets[args.out] = check_writable(args.out)
        readme_text = None
        if to_file and not args.no_readme:
            readme_text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
            if has_block(readme_text):
                targets[str(readme)] = check_writable(readme)
            else:
                readme_text = None
        real, null = run(progress)
        edges = run_edges(progress)
        text = report(real, null, hidden=run_hidden(progress), band=run_band(progress), sanity=run_sanity(progress),
                      edges=edges)
        progress.close()
        files = {args.out: text} if to_file else {}
        if readme_text is not None:
            files[str(readme)] = with_block(readme_text, real, edges.real)
        write_files(files)  # both or neither
    except (NotWritable, OSError) as err:
        progress.close()
        print(f"{prog}: error: {err} (nothing was written)", file=sys.stderr)
        return 1
    except KeyboardInterrupt as err:
        progress.close()
        print(f"{prog}: interrupted (nothing was written)", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    try:
        print(text)
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError) as err:  # stdout closed or full
        print(f"{prog}: error: cannot write the report to stdout: {getattr(err, 'strerror', None) or err}",
              file=sys.stderr)
        return 1
    if readme_text is not None:
        print(f"refreshed the results block of {readme}", file=sys.stderr)
    if to_file:
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
