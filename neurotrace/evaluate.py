"""Run methods on circuits over many seeds: ``evaluate`` (a table) and ``sweep`` (vs strength).

Seeding: for seed ``s`` the circuit is ``make_circuit(name, strength=..., seed=s)``, its data
come from the stream ``("data", s)``, each method's draws from ``("method", name, s)`` and a
scrambled mask from ``("labels", s)``. Streams do not depend on the circuit, so at a given
seed all regimes see the same underlying draws: comparisons between a regime and its
control are paired.
"""

from __future__ import annotations

from collections.abc import Mapping

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
from .discovery import EDGE_METHODS, attribute_edges, evaluate_edges, sweep_edges
from .hidden import HIDDEN_METHODS, HIDDEN_TRUTHS, attribute_hidden, hidden_truth
from .methods import METHODS, attribute, check_options
from .progress import counter
from .results import Results, Sweep, scored_table
from .scoring import scramble


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


LEVELS = ("input", "hidden", "edge")
"""What a table scores: input features, hidden units, or the edges of a deep network (``neurotrace.discovery``)."""


def _level(level):
    """The method registry and attribution function of a level."""
    level = check_choice(level, LEVELS, "level")
    if level == "hidden":
        return HIDDEN_METHODS, attribute_hidden
    if level == "edge":
        return EDGE_METHODS, attribute_edges
    return METHODS, attribute


def _truth(level, truth):
    """The checked ground-truth name of a level: ``"causal"`` (input), one of ``HIDDEN_TRUTHS``, or
    ``"edges"`` (the edge level: a deep circuit's causal edges)."""
    if level in ("input", "edge"):
        own = "causal" if level == "input" else "edges"
        if truth not in (None, own):
            raise ValueError(f"truth {truth!r} applies to level='hidden' only ({level}-level truth: {own})")
        return own
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
    scores, mask = _run(built, methods, samples, seed, labels, tick=counter(progress, len(methods)),
                        options=options)
    return built, scores, mask


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
    if level == "edge":  # deep circuits and edge methods: neurotrace.discovery runs the table
        methods = check_names(methods, registry, "edge method")
        return evaluate_edges(methods, circuits, seeds=seeds, samples=samples, labels=labels, strength=strength,
                              options=_method_options(options, methods, registry, "edge method"),
                              progress=_check_progress(progress))
    methods = check_names(methods, registry, "method")
    builders = _circuits(circuits)
    circuits = tuple(builders)
    options = _method_options(options, methods, registry, "method" if level == "input" else "hidden-unit method")
    seeds, samples = check_seeds(seeds), check_samples(samples)
    labels, strength = check_labels(labels), check_strength(strength)
    progress = _check_progress(progress)
    _check_table_memory(methods, builders, seeds, samples, strength, level)
    tick = counter(progress, len(methods) * len(circuits) * seeds)
    blocks = []
    for name in circuits:
        runs = [_run(builders[name](strength=strength, seed=s), methods, samples, s, labels, level, truth, tick,
                     options) for s in range(seeds)]
        blocks.append((np.stack([r[0] for r in runs], axis=1), np.stack([r[1] for r in runs])))
    importances, auroc = scored_table(blocks)
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


def sweep(circuit, strengths, *, methods=None, seeds: int = 16, samples: int = 512,
          labels: str = "real", progress=None, options=None, level: str = "input", **loose) -> Sweep:
    """AUROC of ``methods`` on regime ``circuit`` at each decoy strength in ``strengths``.

    ``circuit``: a registered name or a builder function ``builder(strength, seed) -> Circuit``
    (a ``Circuit`` object is the same at every strength: nothing to sweep). ``options`` as in
    :func:`evaluate`. ``progress(done, total)``, if given, is called as in :func:`evaluate`,
    over the whole grid. ``level="edge"``: an edge-level regime (``neurotrace.deep.EDGE_CIRCUITS``)
    scored by edge methods (``neurotrace.discovery.sweep_edges``); ``"input"`` the default.
    """
    if check_choice(level, ("input", "edge"), "sweep level") == "edge":
        registry = _level(level)[0]
        _no_loose_options("sweep", loose, registry)
        if labels != "real":
            raise ValueError(f"labels {labels!r}: an edge-level sweep scores the real truth only "
                             "(nt.evaluate(level='edge', labels='scrambled') runs the null)")
        methods = check_names(methods, registry, "edge method")
        return sweep_edges(circuit, strengths, methods=methods, seeds=seeds, samples=samples,
                           options=_method_options(options, methods, registry, "edge method"),
                           progress=_check_progress(progress))
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
