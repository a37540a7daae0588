"""Run methods on circuits over many seeds: ``evaluate`` (a table) and ``sweep`` (vs strength).

Seeding: for seed ``s`` the circuit is ``make_circuit(name, strength=..., seed=s)``, its data
come from the stream ``("data", s)``, each method's draws from ``("method", name, s)`` and a
scrambled mask from ``("labels", s)``. Streams do not depend on the circuit, so at a given
seed all regimes see the same underlying draws: comparisons between a regime and its
control are paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_choice, check_labels, check_memory, check_samples, check_seed, check_seeds, check_strength
from ._rng import make_rng
from .circuits import CIRCUITS, make_circuit
from .hidden import HIDDEN_METHODS, HIDDEN_TRUTHS, attribute_hidden, hidden_truth
from .methods import METHODS, attribute
from .scoring import auroc_rows, scramble


def _names(given, registry, what):
    if given is None:
        return tuple(registry)
    if isinstance(given, str):
        given = (given,)
    try:
        given = tuple(given)
    except TypeError:
        raise TypeError(f"{what}s must be a name or a list of names, or None for all (got {type(given).__name__})"
                        ) from None
    if not given:
        raise ValueError(f"{what}s must name at least one {what}, or be None for all (got an empty list); "
                         f"valid choices: {', '.join(registry)}")
    names = tuple(check_choice(g, registry, what) for g in given)
    if len(set(names)) != len(names):
        repeated = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"{what}s must not repeat a name (got {repeated!r} twice)")
    return names


def _check_progress(progress):
    """``progress`` must be ``None`` or a callable ``progress(done, total)``."""
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable progress(done, total) or None (got {type(progress).__name__})")
    return progress


LEVELS = ("input", "hidden")


def _level(level):
    """The method registry and attribution function of a level."""
    if check_choice(level, LEVELS, "level") == "hidden":
        return HIDDEN_METHODS, attribute_hidden
    return METHODS, attribute


def _truth(level, truth):
    """The checked ground-truth name of a level: ``"causal"`` (input) or one of ``HIDDEN_TRUTHS``."""
    if level == "input":
        if truth not in (None, "causal"):
            raise ValueError(f"truth {truth!r} applies to level='hidden' only (input-level truth: causal)")
        return "causal"
    return "task" if truth is None else check_choice(truth, HIDDEN_TRUTHS, "hidden truth")


def truth_mask(circuit, truth: str = "causal") -> np.ndarray:
    """The ground-truth mask ``truth`` names: ``circuit.causal``, or a hidden truth (``hidden_truth``)."""
    return circuit.causal if truth == "causal" else hidden_truth(circuit, truth)


def _run(circuit, methods, samples, seed, labels, level="input", truth="causal", tick=None):
    """Importances ``(n_methods, n_units)`` and the mask to score them against.

    The data are read-only: every method sees the same ``X``, and none can change it for the
    next. ``tick()`` is called after each method.
    """
    _, attribute_fn = _level(level)
    X = circuit.sample(samples, make_rng("data", seed))
    X.flags.writeable = False
    scores = np.empty((len(methods), circuit.n_hidden if level == "hidden" else circuit.n_features))
    for k, m in enumerate(methods):
        scores[k] = attribute_fn(m, circuit, X, rng=make_rng("method", m, seed))
        if tick is not None:
            tick()
    mask = truth_mask(circuit, truth)
    if labels != "real":
        mask = scramble(mask, make_rng("labels", seed))
    return scores, mask


def run_seed(circuit: str, methods=None, *, seed: int = 0, samples: int = 512, labels: str = "real",
             strength: float = 1.0, progress=None):
    """What :func:`evaluate` computes for one circuit at one seed, with the same streams.

    Returns ``(Circuit, importances (n_methods, n_features), mask (n_features,))``; the mask is
    the one scored against (``circuit.causal``, or its scrambled copy). ``evaluate(...).importances
    [:, j, seed]`` equals these importances, so the command line can show one seed of the table.
    ``progress(done, total)``, if given, is called after each method.
    """
    check_choice(circuit, CIRCUITS, "circuit")
    methods = _names(methods, METHODS, "method")
    seed, samples = check_seed(seed), check_samples(samples)
    labels, strength = check_labels(labels), check_strength(strength)
    progress = _check_progress(progress)
    built = make_circuit(circuit, strength=strength, seed=seed)
    scores, mask = _run(built, methods, samples, seed, labels, tick=_counter(progress, len(methods)))
    return built, scores, mask


def _counter(progress, total: int):
    """A ``tick()`` that reports ``progress(done, total)``; ``None`` when there is no progress."""
    if progress is None:
        return None
    done = 0
    progress(0, total)

    def tick():
        nonlocal done
        done += 1
        progress(done, total)

    return tick


@dataclass(frozen=True)
class Results:
    """Per-seed AUROCs of ``methods x circuits``.

    ``auroc``: ``(n_methods, n_circuits, n_seeds)``; ``importances``:
    ``(n_methods, n_circuits, n_seeds, n_features)``.
    """

    methods: tuple
    circuits: tuple
    auroc: np.ndarray
    importances: np.ndarray
    seeds: int
    samples: int
    labels: str
    strength: float
    level: str = "input"
    families: tuple = ()  # each method's family when it was run (a plug-in may be gone since)
    truth: str = "causal"  # the mask scored against: "causal" (input level), "task" or "effect" (hidden)

    def mean(self) -> np.ndarray:
        """Mean AUROC over seeds, ``(n_methods, n_circuits)``."""
        return self.auroc.mean(axis=-1)

    def std(self) -> np.ndarray:
        """Standard deviation over seeds (ddof=1; 0 with a single seed)."""
        if self.seeds < 2:
            return np.zeros(self.auroc.shape[:2])
        return self.auroc.std(axis=-1, ddof=1)

    def sem(self) -> np.ndarray:
        """Standard error of the mean AUROC."""
        return self.std() / np.sqrt(self.seeds)

    def cell(self, method: str, circuit: str) -> np.ndarray:
        """The per-seed AUROCs of one (method, circuit) cell: ``(n_seeds,)``."""
        i = self.methods.index(check_choice(method, self.methods, "method"))
        j = self.circuits.index(check_choice(circuit, self.circuits, "circuit"))
        return self.auroc[i, j]

    def to_markdown(self, errors: str = "sem", digits: int = 3) -> str:
        """A markdown table: one row per method, ``mean ± sem`` (or ``std``) per circuit."""
        check_choice(errors, ("sem", "std", "none"), "errors")
        spread = {"sem": self.sem, "std": self.std}.get(errors)
        mean = self.mean()
        err = spread() if spread else None
        heads = [f"{c} (control)" if c == "clean" else c for c in self.circuits]
        lines = ["| method | family | " + " | ".join(heads) + " |",
                 "|---|---|" + "---:|" * len(heads)]
        for i, m in enumerate(self.methods):
            cells = [f"{mean[i, j]:.{digits}f}" + (f" ± {err[i, j]:.{digits}f}" if err is not None else "")
                     for j in range(len(self.circuits))]
            registry = _level(self.level)[0]
            family = self.families[i] if self.families else registry[m].family if m in registry else "?"
            lines.append(f"| {m} | {family} | " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain-Python summary (JSON-ready): settings, mean, std, sem and per-seed AUROCs."""
        mean, std, sem = self.mean(), self.std(), self.sem()
        return {
            "settings": {"seeds": self.seeds, "samples": self.samples, "labels": self.labels,
                         "strength": self.strength, "level": self.level, "truth": self.truth},
            "cells": [
                {"method": m, "circuit": c, "mean": float(mean[i, j]), "std": float(std[i, j]),
                 "sem": float(sem[i, j]), "per_seed": self.auroc[i, j].tolist()}
                for i, m in enumerate(self.methods) for j, c in enumerate(self.circuits)
            ],
        }


def evaluate(methods=None, circuits=None, *, seeds: int = 16, samples: int = 512,
             labels: str = "real", strength: float = 1.0, level: str = "input", truth: str | None = None,
             progress=None) -> Results:
    """Score ``methods`` (default: all registered) on ``circuits`` (default: all) over seeds.

    ``labels="scrambled"`` scores against a shuffled ground-truth mask per seed: the null,
    which every method should bring to ~0.5. ``level="hidden"`` scores hidden units with the
    methods of ``neurotrace.hidden.HIDDEN_METHODS`` against the hidden ``truth``: ``"task"``
    (default: the task circuit, ``Circuit.hidden_causal``) or ``"effect"`` (units whose patch
    alone changes the output); see :mod:`neurotrace.hidden`. Circuits differ in width, so
    hidden ``importances`` are padded with NaN to the widest.

    ``progress``: an optional callable ``progress(done, total)``, called with ``done = 0`` first
    and then after each method's run on one seed of one circuit (``total = methods x circuits x
    seeds``): a progress bar for a long table. Every method sees read-only data.
    """
    registry, _ = _level(level)
    truth = _truth(level, truth)
    methods = _names(methods, registry, "method")
    circuits = _names(circuits, CIRCUITS, "circuit")
    seeds, samples = check_seeds(seeds), check_samples(samples)
    labels, strength = check_labels(labels), check_strength(strength)
    progress = _check_progress(progress)
    _check_table_memory(methods, circuits, seeds, samples, strength, level)
    tick = _counter(progress, len(methods) * len(circuits) * seeds)
    blocks = []
    for name in circuits:
        runs = [_run(make_circuit(name, strength=strength, seed=s), methods, samples, s, labels, level, truth, tick)
                for s in range(seeds)]
        imp = np.stack([r[0] for r in runs], axis=1)  # (methods, seeds, units)
        masks = np.broadcast_to(np.stack([r[1] for r in runs]), imp.shape)
        scores = auroc_rows(imp.reshape(-1, imp.shape[-1]), masks.reshape(-1, imp.shape[-1]))
        blocks.append((imp, scores.reshape(imp.shape[:2])))
    width = max(imp.shape[-1] for imp, _ in blocks)
    importances = np.full((len(methods), len(circuits), seeds, width), np.nan)
    for j, (imp, _) in enumerate(blocks):
        importances[:, j, :, : imp.shape[-1]] = imp
    auroc = np.stack([scores for _, scores in blocks], axis=1)
    families = tuple(registry[m].family for m in methods)
    return Results(methods, circuits, auroc, importances, seeds, samples, labels, strength, level, families, truth)


def _check_table_memory(methods, circuits, seeds, samples, strength, level):
    """Refuse a table whose importances cannot fit in memory before computing any of it (a long
    run that would fail at its end): every circuit's block, then the padded array they are copied into."""
    widths = [(lambda c: c.n_hidden if level == "hidden" else c.n_features)(make_circuit(name, strength=strength))
              for name in circuits]
    need = 8.0 * len(methods) * seeds * (sum(widths) + len(circuits) * max(widths)) + 8.0 * 4 * samples * max(widths)
    check_memory(need, f"a table of {len(methods)} methods x {len(circuits)} circuits x {seeds:,} seeds",
                 "use fewer seeds")


@dataclass(frozen=True)
class Sweep:
    """AUROC of each method along a grid of decoy strengths on one regime.

    ``auroc``: ``(n_methods, n_strengths, n_seeds)``.
    """

    circuit: str
    methods: tuple
    strengths: np.ndarray
    auroc: np.ndarray
    seeds: int
    samples: int

    def mean(self) -> np.ndarray:
        """Mean AUROC over seeds: ``(n_methods, n_strengths)``."""
        return self.auroc.mean(axis=-1)

    def band(self, lower: float = 0.1, upper: float = 0.9):
        """Quantiles over seeds (default the middle 80%): two ``(n_methods, n_strengths)`` arrays."""
        return (np.quantile(self.auroc, lower, axis=-1), np.quantile(self.auroc, upper, axis=-1))

    def curve(self, method: str) -> np.ndarray:
        """Mean AUROC of one method along the strengths: ``(n_strengths,)``."""
        return self.mean()[self.methods.index(check_choice(method, self.methods, "method"))]


def sweep(circuit: str, strengths, *, methods=None, seeds: int = 16, samples: int = 512,
          labels: str = "real", progress=None) -> Sweep:
    """AUROC of ``methods`` on regime ``circuit`` at each decoy strength in ``strengths``.

    ``progress(done, total)``, if given, is called as in :func:`evaluate`, over the whole grid.
    """
    check_choice(circuit, CIRCUITS, "circuit")
    methods = _names(methods, METHODS, "method")
    seeds, samples, labels = check_seeds(seeds), check_samples(samples), check_labels(labels)
    progress = _check_progress(progress)
    if isinstance(strengths, str) or np.ndim(strengths) > 1:
        raise ValueError(f"strengths must be a number or a list of numbers (got {type(strengths).__name__} "
                         f"of shape {np.shape(strengths)})")
    grid = np.array([check_strength(s) for s in np.atleast_1d(np.asarray(strengths, dtype=object))], dtype=float)
    if not len(grid):
        raise ValueError("strengths must hold at least one strength (got an empty list)")
    out = np.empty((len(methods), len(grid), seeds))
    per = len(methods) * seeds
    for k, strength in enumerate(grid):
        inner = None if progress is None else (
            lambda done, _total, k=k: (done or not k) and progress(k * per + done, len(grid) * per))
        res = evaluate(methods, circuit, seeds=seeds, samples=samples, labels=labels, strength=strength,
                       progress=inner)
        out[:, k] = res.auroc[:, 0]
    return Sweep(circuit, methods, grid, out, seeds, samples)
