"""What a run of methods on circuits returns: ``Results`` (a table over seeds) and ``Sweep``
(AUROC against strength), and ``combine`` to join two tables.

``evaluate``/``sweep`` (:mod:`neurotrace.evaluate`) and the edge level's ``evaluate_edges``/
``sweep_edges`` (:mod:`neurotrace.discovery`) all return these, so this module imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ._checks import check_choice
from .circuits import CIRCUITS
from .deep import EDGE_CIRCUITS
from .hidden import HIDDEN_METHODS
from .methods import METHODS
from .scoring import auroc_rows

# A table records each method's family when it runs (``families``); a table built by hand without
# them looks the family up here. Edge-level tables always carry theirs.
_REGISTRIES = {"input": METHODS, "hidden": HIDDEN_METHODS}


def is_control(name: str) -> bool:
    """Whether ``name`` is a registered control regime at either level (``Regime.is_control``):
    a table heads its column "(control)"."""
    entry = CIRCUITS.get(name) or EDGE_CIRCUITS.get(name)
    return entry is not None and entry.is_control


def scored_table(blocks) -> tuple[np.ndarray, np.ndarray]:
    """A table's arrays from one block per circuit, ``(importances, truths)``: each method's
    importances on each seed, ``(n_methods, n_seeds, width)``, and the truth they are scored
    against, ``(n_seeds, width)`` (a circuit's own width: features, units or edges).

    Returns ``importances (n_methods, n_circuits, n_seeds, widest)``, padded with NaN past a
    circuit's width, and ``auroc (n_methods, n_circuits, n_seeds)``.
    """
    blocks = [(np.asarray(imp, dtype=float), np.asarray(truth, dtype=bool)) for imp, truth in blocks]
    n_methods, n_seeds = blocks[0][0].shape[:2]
    importances = np.full((n_methods, len(blocks), n_seeds, max(imp.shape[-1] for imp, _ in blocks)), np.nan)
    auroc = np.empty((n_methods, len(blocks), n_seeds))
    for j, (imp, truth) in enumerate(blocks):
        width = imp.shape[-1]
        importances[:, j, :, :width] = imp
        truths = np.broadcast_to(truth, imp.shape).reshape(-1, width)
        auroc[:, j] = auroc_rows(imp.reshape(-1, width), truths).reshape(n_methods, n_seeds)
    return importances, auroc


def _per_seed(values, shape) -> np.ndarray:
    """``values`` checked to hold one number per method, circuit and seed of a table of ``shape``."""
    values = np.asarray(values, dtype=float)
    if values.shape != shape:
        raise ValueError(f"values must have the table's shape (methods, circuits, seeds) = {shape} "
                         f"(got {values.shape})")
    return values


@dataclass(frozen=True)
class Results:
    """Per-seed AUROCs of ``methods x circuits``.

    ``auroc``: ``(n_methods, n_circuits, n_seeds)``; ``importances``:
    ``(n_methods, n_circuits, n_seeds, n_features)``. ``options``: the options each method ran
    with (``{method: {option: value}}``; a method absent ran with its defaults).

    Out: :meth:`to_markdown`, :meth:`to_dict` (JSON), :meth:`to_csv`, :meth:`to_dataframe`
    (pandas, optional); :func:`combine` joins two runs (built-ins, then plug-ins) into one table.
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
    options: dict = field(default_factory=dict)  # {method: {option: value}} the run passed

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

    def to_markdown(self, errors: str = "sem", digits: int = 3, values=None) -> str:
        """A markdown table: one row per method, ``mean ± sem`` (or ``std``) per circuit.

        ``errors="sem_nonzero"``: ``mean ± sem`` only where the seeds disagree; a cell whose
        seeds all scored the same (its standard error is exactly 0) shows the mean alone, and a
        line under the table says so. ``"none"``: the means alone. ``values``: another per-seed
        measure of the same cells to tabulate instead of the AUROC, ``(n_methods, n_circuits,
        n_seeds)`` -- e.g. the faithfulness of each recovered circuit
        (``neurotrace.discovery.faithfulness_of``).
        """
        check_choice(errors, ("sem", "sem_nonzero", "std", "none"), "errors")
        table = self if values is None else replace(self, auroc=_per_seed(values, self.auroc.shape))
        spread = {"sem": table.sem, "sem_nonzero": table.sem, "std": table.std}.get(errors)
        mean = table.mean()
        err = spread() if spread else None
        shown = np.ones(mean.shape, dtype=bool)
        if errors == "sem_nonzero":
            shown = np.ptp(table.auroc, axis=-1) > 0  # every seed the same: the sem is exactly 0
        heads = [f"{c} (control)" if is_control(c) else c for c in self.circuits]
        lines = ["| method | family | " + " | ".join(heads) + " |",
                 "|---|---|" + "---:|" * len(heads)]
        for i, m in enumerate(self.methods):
            cells = [f"{mean[i, j]:.{digits}f}"
                     + (f" ± {err[i, j]:.{digits}f}" if err is not None and shown[i, j] else "")
                     for j in range(len(self.circuits))]
            lines.append(f"| {m} | {self.family(m)} | " + " | ".join(cells) + " |")
        if errors == "sem_nonzero":
            note = f"± is the standard error over {self.seeds} seeds"
            if self.seeds < 2:
                note = "One seed: no standard error"
            elif not shown.all():
                note += (f"; a mean shown without one has standard error 0: all {self.seeds} seeds scored it "
                         "the same")
            lines += ["", note + "."]
        return "\n".join(lines)

    def family(self, method: str) -> str:
        """The family ``method`` had when it ran (``"?"`` for a plug-in gone since, in old results)."""
        i = self.methods.index(check_choice(method, self.methods, "method"))
        if self.families:
            return self.families[i]
        registry = _REGISTRIES.get(self.level, {})
        return registry[method].family if method in registry else "?"

    def to_dict(self) -> dict:
        """Plain-Python summary (JSON-ready): settings, mean, std, sem and per-seed AUROCs.

        ``{"settings": {"seeds", "samples", "labels", "strength", "level", "truth", "options"},
        "cells": [{"method", "family", "circuit", "mean", "std", "sem", "per_seed": [one AUROC per
        seed, seed 0 first]}, ...]}``, one cell per method and circuit, methods outermost.
        ``options`` is ``{method: {option: value}}`` (a value JSON cannot hold is shown as text).
        ``neurotrace table --json`` prints this.
        """
        mean, std, sem = self.mean(), self.std(), self.sem()
        return {
            "settings": {"seeds": self.seeds, "samples": self.samples, "labels": self.labels,
                         "strength": self.strength, "level": self.level, "truth": self.truth,
                         "options": _plain_options(self.options)},
            "cells": [
                {"method": m, "family": self.family(m), "circuit": c, "mean": float(mean[i, j]),
                 "std": float(std[i, j]), "sem": float(sem[i, j]), "per_seed": self.auroc[i, j].tolist()}
                for i, m in enumerate(self.methods) for j, c in enumerate(self.circuits)
            ],
        }

    def rows(self, per_seed: bool = False) -> list[dict]:
        """The table as flat rows (what :meth:`to_csv` and :meth:`to_dataframe` hold): one per method
        and circuit (``mean``, ``std``, ``sem``), or with ``per_seed=True`` one per seed (``seed``,
        ``auroc``); each with the run's settings and the method's ``options`` as text."""
        if not isinstance(per_seed, bool):
            raise TypeError(f"per_seed must be True or False (got {type(per_seed).__name__})")
        mean, std, sem = self.mean(), self.std(), self.sem()
        settings = {"seeds": self.seeds, "samples": self.samples, "labels": self.labels, "strength": self.strength,
                    "level": self.level, "truth": self.truth}
        out = []
        for i, m in enumerate(self.methods):
            head = {"method": m, "family": self.family(m)}
            shown = " ".join(f"{k}={v}" for k, v in _plain_options({m: self.options.get(m, {})})[m].items())
            for j, c in enumerate(self.circuits):
                if per_seed:
                    out += [{**head, "circuit": c, "seed": s, "auroc": float(self.auroc[i, j, s]), **settings,
                             "options": shown} for s in range(self.seeds)]
                else:
                    out.append({**head, "circuit": c, "mean": float(mean[i, j]), "std": float(std[i, j]),
                                "sem": float(sem[i, j]), **settings, "options": shown})
        return out

    def to_csv(self, path=None, *, per_seed: bool = False):
        """The table as CSV (:meth:`rows`, a header line first): returned as text, or written to
        ``path`` -- atomically (a temporary file renamed over it: a reader or a kill never sees
        half a file) -- and the path returned."""
        import csv
        import io

        rows = self.rows(per_seed)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: repr(v) if isinstance(v, float) else v for k, v in row.items()} for row in rows)
        if path is None:
            return buffer.getvalue()
        from ._io import write_text_atomic

        return write_text_atomic(path, buffer.getvalue())

    def to_dataframe(self, per_seed: bool = False):
        """The table as a pandas ``DataFrame`` (:meth:`rows`). pandas is optional: without it, an
        ``ImportError`` says how to install it."""
        try:
            import pandas
        except ImportError:
            raise ImportError("Results.to_dataframe needs pandas, which neurotrace does not install: in the clone, "
                              "python -m pip install -e \".[pandas]\" (Results.to_csv and to_dict need nothing)"
                              ) from None
        return pandas.DataFrame(self.rows(per_seed))

    def combine(self, *others) -> Results:
        """This table joined with ``others``: see :func:`combine`."""
        return combine(self, *others)


def _plain_options(options: dict) -> dict:
    """``{method: {option: value}}`` with plain, JSON-ready values (others shown as short text)."""
    from ._checks import show

    def plain(value):
        if isinstance(value, np.generic):
            value = value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        return show(value)

    return {m: {k: plain(v) for k, v in given.items()} for m, given in options.items()}


SETTINGS = ("seeds", "samples", "labels", "strength", "level", "truth")


def combine(*results) -> Results:
    """One table from several runs: the same circuits with other methods (built-ins, then your
    plug-ins), or the same methods on other circuits.

    Every run must have the same settings (``seeds``, ``samples``, ``labels``, ``strength``,
    ``level``, ``truth``) -- otherwise their numbers would not be comparable -- and no method (or
    circuit) may appear twice. ``ValueError`` says which setting or name is in the way.
    """
    if len(results) == 1 and isinstance(results[0], (list, tuple)):
        results = tuple(results[0])
    if not results:
        raise ValueError("combine needs at least one Results")
    for r in results:
        if not isinstance(r, Results):
            raise TypeError(f"combine takes Results from evaluate (got {type(r).__name__})")
    first = results[0]
    for r in results[1:]:
        for name in SETTINGS:
            if getattr(r, name) != getattr(first, name):
                raise ValueError(f"cannot combine results whose {name} differ ({getattr(first, name)!r} and "
                                 f"{getattr(r, name)!r}): run both with the same {name}")
    same_circuits = all(r.circuits == first.circuits for r in results)
    same_methods = all(r.methods == first.methods for r in results)
    if same_circuits:
        axis, names, what = 0, [m for r in results for m in r.methods], "method"
    elif same_methods:
        axis, names, what = 1, [c for r in results for c in r.circuits], "circuit"
    else:
        raise ValueError("cannot combine: the runs must have the same circuits (to add methods) or the same "
                         "methods (to add circuits)")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"cannot combine: {what} {repeated[0]!r} is in more than one run")
    if axis == 1 and any(r.options != first.options for r in results):
        raise ValueError("cannot combine: the runs passed different method options")
    width = max(r.importances.shape[-1] for r in results)
    padded = [np.concatenate([r.importances, np.full(r.importances.shape[:-1] + (width - r.importances.shape[-1],),
                                                     np.nan)], axis=-1) for r in results]
    families = tuple(r.family(m) for r in results for m in r.methods) if axis == 0 else first.families
    options = {m: o for r in results for m, o in r.options.items()}
    return Results(
        tuple(names) if axis == 0 else first.methods, first.circuits if axis == 0 else tuple(names),
        np.concatenate([r.auroc for r in results], axis=axis), np.concatenate(padded, axis=axis),
        first.seeds, first.samples, first.labels, first.strength, first.level, families, first.truth, options,
    )


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
