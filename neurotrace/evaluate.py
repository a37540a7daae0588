"""Run methods on circuits over many seeds: ``evaluate`` (a table) and ``sweep`` (vs strength).

Seeding: for seed ``s`` the circuit is ``make_circuit(name, strength=..., seed=s)``, its data
come from the stream ``("data", s)``, each method's draws from ``("method", name, s)`` and a
scrambled mask from ``("labels", s)``. Streams do not depend on the circuit, so at a given
seed all regimes see the same underlying draws: comparisons between a regime and its
control are paired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ._checks import (
    check_choice,
    check_labels,
    check_memory,
    check_names,
    check_samples,
    check_seed,
    check_seeds,
    check_strength,
)
from ._rng import make_rng
from .circuits import CIRCUITS, Circuit, as_builder
from .hidden import HIDDEN_METHODS, HIDDEN_TRUTHS, attribute_hidden, hidden_truth
from .methods import METHODS, attribute, check_options
from .scoring import auroc_rows, scramble


def _circuits(given) -> dict:
    """``{name: builder(strength=, seed=) -> Circuit}`` for the circuits to run, in order.

    ``given``: ``None`` (every registered circuit), or one or a list of: a registered name, a
    :class:`~neurotrace.circuits.Circuit` (used as it is at every seed and strength), or a
    builder function ``builder(strength, seed) -> Circuit`` (named by the circuits it builds).
    """
    if given is None:
        return dict(CIRCUITS)
    if isinstance(given, (str, Circuit)) or callable(given):
        given = (given,)
    try:
        given = tuple(given)
    except TypeError:
        raise TypeError("circuits must be a name, a Circuit, a builder function builder(strength, seed) -> Circuit, "
                        f"or a list of them, or None for all (got {type(given).__name__})") from None
    if not given:
        raise ValueError(f"circuits must name at least one circuit, or be None for all (got an empty list); "
                         f"registered: {', '.join(CIRCUITS)}")
    out = {}
    for item in given:
        if isinstance(item, str) or not (isinstance(item, Circuit) or callable(item)):
            name = check_choice(item, CIRCUITS, "circuit")
            build = CIRCUITS[name]
        else:
            name, build = as_builder(item)
        if name in out:
            raise ValueError(f"circuits must not repeat a name (got {name!r} twice); give each circuit its own name "
                             "(circuit_from_weights(..., name=...))")
        out[name] = build
    return out


def _method_options(options, methods, registry, what: str = "method") -> dict:
    """``options``: ``{method: {option: value}}`` for methods among ``methods``, each option one the
    method accepts (``ValueError`` naming the valid ones otherwise). Values are checked by the method."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(f"options must be a dict {{method: {{option: value}}}}, e.g. "
                        f"{{'patching': {{'corruption': 'zero'}}}} (got {type(options).__name__})")
    out = {}
    for method, given in options.items():
        check_choice(method, registry, what)
        if method not in methods:
            raise ValueError(f"options are given for {what} {method!r}, which is not among the methods run "
                             f"({', '.join(methods)})")
        if not isinstance(given, Mapping):
            raise TypeError(f"options[{method!r}] must be a dict {{option: value}} (got {type(given).__name__})")
        check_options(registry[method], given, what)
        out[method] = dict(given)
    return out


def _no_loose_options(function: str, loose: dict, registry) -> None:
    """``evaluate(["patching"], corruption="zero")``: say where a method's option goes."""
    if loose:
        name = next(iter(loose))
        takers = [m for m, entry in registry.items() if name in entry.options]
        example = takers[0] if takers else "method"
        raise TypeError(f"{function}() got an unexpected keyword argument {name!r}; a method's options go in "
                        f"options={{{example!r}: {{{name!r}: ...}}}}"
                        + (f" ({name!r} is an option of {', '.join(takers)})" if takers else ""))


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


def _run(circuit, methods, samples, seed, labels, level="input", truth="causal", tick=None, options=None):
    """Importances ``(n_methods, n_units)`` and the mask to score them against.

    The data are read-only: every method sees the same ``X``, and none can change it for the
    next. ``tick()`` is called after each method.
    """
    _, attribute_fn = _level(level)
    X = circuit.sample(samples, make_rng("data", seed))
    X.flags.writeable = False
    scores = np.empty((len(methods), circuit.n_hidden if level == "hidden" else circuit.n_features))
    for k, m in enumerate(methods):
        scores[k] = attribute_fn(m, circuit, X, rng=make_rng("method", m, seed), **(options or {}).get(m, {}))
        if tick is not None:
            tick()
    mask = truth_mask(circuit, truth)
    if labels != "real":
        mask = scramble(mask, make_rng("labels", seed))
    return scores, mask


def run_seed(circuit, methods=None, *, seed: int = 0, samples: int = 512, labels: str = "real",
             strength: float = 1.0, progress=None, options=None):
    """What :func:`evaluate` computes for one circuit at one seed, with the same streams.

    ``circuit``: a name, a ``Circuit`` or a builder, as in :func:`evaluate`; ``options`` too.

    Returns ``(Circuit, importances (n_methods, n_features), mask (n_features,))``; the mask is
    the one scored against (``circuit.causal``, or its scrambled copy). ``evaluate(...).importances
    [:, j, seed]`` equals these importances, so the command line can show one seed of the table.
    ``progress(done, total)``, if given, is called after each method.
    """
    if isinstance(circuit, (list, tuple)) or circuit is None:
        raise TypeError(f"circuit must be one circuit: a name, a Circuit or a builder (got {type(circuit).__name__})")
    (build,) = _circuits(circuit).values()
    methods = check_names(methods, METHODS, "method")
    options = _method_options(options, methods, METHODS)
    seed, samples = check_seed(seed), check_samples(samples)
    labels, strength = check_labels(labels), check_strength(strength)
    progress = _check_progress(progress)
    built = build(strength=strength, seed=seed)
    scores, mask = _run(built, methods, samples, seed, labels, tick=_counter(progress, len(methods)),
                        options=options)
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

    def to_markdown(self, errors: str = "sem", digits: int = 3) -> str:
        """A markdown table: one row per method, ``mean ± sem`` (or ``std``) per circuit.

        ``errors="sem_nonzero"``: ``mean ± sem`` only where the seeds disagree; a cell whose
        seeds all scored the same (its standard error is exactly 0) shows the mean alone, and a
        line under the table says so. ``"none"``: the means alone.
        """
        check_choice(errors, ("sem", "sem_nonzero", "std", "none"), "errors")
        spread = {"sem": self.sem, "sem_nonzero": self.sem, "std": self.std}.get(errors)
        mean = self.mean()
        err = spread() if spread else None
        shown = np.ones(mean.shape, dtype=bool)
        if errors == "sem_nonzero":
            shown = np.ptp(self.auroc, axis=-1) > 0  # every seed the same: the sem is exactly 0
        heads = [f"{c} (control)" if c == "clean" else c for c in self.circuits]
        lines = ["| method | family | " + " | ".join(heads) + " |",
                 "|---|---|" + "---:|" * len(heads)]
        for i, m in enumerate(self.methods):
            cells = [f"{mean[i, j]:.{digits}f}"
                     + (f" ± {err[i, j]:.{digits}f}" if err is not None and shown[i, j] else "")
                     for j in range(len(self.circuits))]
            registry = _level(self.level)[0]
            family = self.families[i] if self.families else registry[m].family if m in registry else "?"
            lines.append(f"| {m} | {family} | " + " | ".join(cells) + " |")
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
        registry = _level(self.level)[0]
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


def evaluate(methods=None, circuits=None, *, seeds: int = 16, samples: int = 512,
             labels: str = "real", strength: float = 1.0, level: str = "input", truth: str | None = None,
             progress=None, options=None, **loose) -> Results:
    """Score ``methods`` (default: all registered) on ``circuits`` (default: all) over seeds.

    ``circuits``: registered names, and your own circuits as they are -- a ``Circuit``
    (``nt.circuit_from_weights``; the same weights at every seed and strength: the seeds vary
    its data and the methods' draws) or a builder function ``builder(strength, seed) -> Circuit``
    -- named in the table by their ``name``. ``options``: per-method options,
    ``{method: {option: value}}``, e.g. ``options={"patching": {"corruption": "zero"}}``; an
    option a method does not take is a ``ValueError`` naming the ones it does.

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
    _no_loose_options("evaluate", loose, registry)
    methods = check_names(methods, registry, "method")
    builders = _circuits(circuits)
    circuits = tuple(builders)
    options = _method_options(options, methods, registry, "method" if level == "input" else "hidden-unit method")
    seeds, samples = check_seeds(seeds), check_samples(samples)
    labels, strength = check_labels(labels), check_strength(strength)
    progress = _check_progress(progress)
    _check_table_memory(methods, builders, seeds, samples, strength, level)
    tick = _counter(progress, len(methods) * len(circuits) * seeds)
    blocks = []
    for name in circuits:
        runs = [_run(builders[name](strength=strength, seed=s), methods, samples, s, labels, level, truth, tick,
                     options) for s in range(seeds)]
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
    return Results(methods, circuits, auroc, importances, seeds, samples, labels, strength, level, families, truth,
                   options)


def _check_table_memory(methods, circuits, seeds, samples, strength, level):
    """Refuse a table whose importances cannot fit in memory before computing any of it (a long
    run that would fail at its end): every circuit's block, then the padded array they are copied into."""
    widths = [(lambda c: c.n_hidden if level == "hidden" else c.n_features)(build(strength=strength, seed=0))
              for build in circuits.values()]
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


def sweep(circuit, strengths, *, methods=None, seeds: int = 16, samples: int = 512,
          labels: str = "real", progress=None, options=None, **loose) -> Sweep:
    """AUROC of ``methods`` on regime ``circuit`` at each decoy strength in ``strengths``.

    ``circuit``: a registered name or a builder function ``builder(strength, seed) -> Circuit``
    (a ``Circuit`` object is the same at every strength: nothing to sweep). ``options`` as in
    :func:`evaluate`. ``progress(done, total)``, if given, is called as in :func:`evaluate`,
    over the whole grid.
    """
    _no_loose_options("sweep", loose, METHODS)
    if isinstance(circuit, Circuit):
        raise TypeError(f"sweep needs a circuit that changes with strength: a registered name or a builder function "
                        f"builder(strength, seed) -> Circuit (got the Circuit {circuit.name!r}, the same at every "
                        "strength); evaluate(circuits=[circuit]) scores it")
    if isinstance(circuit, (list, tuple)) or circuit is None:
        raise TypeError(f"sweep takes one circuit: a name or a builder (got {type(circuit).__name__})")
    builders = _circuits(circuit)
    (name,) = builders
    methods = check_names(methods, METHODS, "method")
    options = _method_options(options, methods, METHODS)
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
        res = evaluate(methods, builders[name], seeds=seeds, samples=samples, labels=labels, strength=strength,
                       progress=inner, options=options)
        out[:, k] = res.auroc[:, 0]
    return Sweep(name, methods, grid, out, seeds, samples)
