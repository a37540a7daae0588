"""The measurements. Each function returns plain, JSON-ready dicts; ``run`` collects them all.

Every comparison uses one circuit (the registered regime with the most hidden units, the
costliest to attribute) and one draw of inputs, float64 on the CPU. Methods and circuits are
read from the registries, so new entries are benchmarked without editing this file.
"""

from __future__ import annotations

import importlib
import itertools
import os
import platform
import time
import tracemalloc
from dataclasses import asdict, dataclass

import numpy as np

import neurotrace as nt
from neurotrace import methods as nt_methods

from .floors import FLOORS
from .timing import compare, loglog_slope, median_seconds

# Targets from issue 8. A miss is reported, never hidden: the fix is faster code.
CAPTUM_SPEEDUP = 10.0  # neurotrace at least 10x faster than Captum
FLOOR_RATIO = 2.0  # each method within 2x of its bare-numpy floor
EVALUATE_SECONDS = 2.0  # the full default evaluate() table
REDRAW_SECONDS = 0.1  # one slider redraw
MEMORY_GROWTH = 1.25  # IG's peak at 256 steps vs at 16 steps: must not grow with steps
# Targets from issue 16 (the edge level), on a 3-layer, 64-unit network with skip connections.
EAP_SPEEDUP = 10.0  # EAP at least 10x faster than per-edge patching
ACDC_SECONDS = 10.0  # ACDC on that network
EDGE_TABLE_SECONDS = 5.0  # the full edge-level table (evaluate_edges at the reference settings)

SAMPLES = 512
STEPS = 64


@dataclass(frozen=True)
class Settings:
    """How hard to measure. ``quick`` is a smoke run for CI (well under a minute)."""

    quick: bool
    repeats: int  # interleaved rounds per comparison (the median is reported)
    captum_repeats: int
    evaluate_repeats: int
    scaling_repeats: int
    sample_grid: tuple
    step_grid: tuple
    memory_samples: int
    memory_steps: tuple  # (few, many): the peak must not grow from the first to the second

    @classmethod
    def make(cls, quick: bool) -> Settings:
        if quick:
            return cls(True, 3, 2, 1, 2, tuple(2**k for k in range(7, 12)), tuple(2**k for k in range(3, 7)),
                       8192, (16, 64))
        return cls(False, 21, 9, 5, 9, tuple(2**k for k in range(7, 17)), tuple(2**k for k in range(3, 11)),
                   65536, (16, 256))


def benchmark_circuit() -> nt.Circuit:
    """The registered regime with the most hidden units, at strength 1, seed 0."""
    circuits = [nt.make_circuit(name) for name in nt.CIRCUITS]
    return max(circuits, key=lambda c: c.n_hidden)


def inputs(circuit, samples: int = SAMPLES) -> np.ndarray:
    return circuit.sample(samples, nt.make_rng("benchmark", "data", samples))


def environment() -> dict:
    """Versions and machine facts that a reader needs to interpret the times."""
    env = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
           "system": platform.system(), "cpus": _cpu_count(), "neurotrace": nt.__version__,
           "chunk_elements": nt_methods.CHUNK_ELEMENTS}
    for name in ("torch", "captum"):
        module = _optional(name)
        if module is not None:
            env[name] = module.__version__
    env["threads"] = {name: os.environ.get(name, "unset") for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    if "torch" in env:
        env["torch_threads"] = 1  # captum_comparisons pins torch to one thread
    return env


def _optional(name):
    """The module ``name``, or None where it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _cpu_count():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


# --- 1, 2: neurotrace vs Captum ---------------------------------------------------------------


def _captum_unavailable() -> str | None:
    """Why the Captum comparison cannot run here, or None when it can."""
    for name, extra in (("torch", "torch==2.13.0"), ("captum", "captum")):
        if _optional(name) is None:
            return f"{name} is not installed (pip install {extra}, or the [torch] extra)"
    try:
        importlib.import_module("neurotrace.torch").to_module  # noqa: B018
    except (ImportError, AttributeError) as exc:
        return f"neurotrace.torch.to_module is not available ({exc})"
    return None


def _row(name, ours, theirs, target, **extra) -> dict:
    speedup = theirs / ours
    return {"name": name, "ours_s": ours, "theirs_s": theirs, "speedup": speedup, "target": target,
            "met": bool(speedup >= target), **extra}


def captum_comparisons(circuit, X, settings: Settings) -> dict:
    """IG vs Captum ``IntegratedGradients`` and patching vs Captum ``FeatureAblation``.

    Both sides get the same circuit and inputs, float64, and are checked to agree before
    being timed. The module and input tensors are built outside the timed calls; where
    patching draws random corrupted values, the Captum call draws the same ones too.
    """
    reason = _captum_unavailable()
    if reason:
        return {"skipped": reason, "rows": []}
    import torch
    from captum.attr import FeatureAblation, IntegratedGradients

    from neurotrace.torch import to_module

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # like numpy here: see the note on threads in __main__.py
    try:
        return {"skipped": None, "rows": _captum_rows(circuit, X, settings, torch, FeatureAblation,
                                                      IntegratedGradients, to_module)}
    finally:
        torch.set_num_threads(threads)


def _captum_rows(circuit, X, settings, torch, FeatureAblation, IntegratedGradients, to_module) -> list:
    model = to_module(circuit)
    Xt = torch.from_numpy(X)
    rows = []

    # 1. Integrated gradients: Gauss-Legendre nodes on both sides, zero baseline.
    ig = IntegratedGradients(model)

    def captum_ig():
        return ig.attribute(Xt, baselines=torch.zeros_like(Xt), n_steps=STEPS, method="gausslegendre")

    ours = nt.ig_attributions(circuit, X, steps=STEPS, rule="gausslegendre")
    # Captum casts its step weights to float32 (see neurotrace/torch.py): agreement ~1e-7.
    diff = float(np.abs(captum_ig().numpy() - ours).max())
    assert diff <= 1e-6 * np.abs(ours).max(), f"IG disagrees with Captum by {diff:.3g}"
    t = compare({"ours": lambda: nt.ig_attributions(circuit, X, steps=STEPS), "captum": captum_ig},
                repeats=settings.captum_repeats)
    rows.append(_row(f"integrated_gradients vs Captum IntegratedGradients ({SAMPLES} samples x {STEPS} steps)",
                     t["ours"], t["captum"], CAPTUM_SPEEDUP, max_abs_diff=diff))

    # 2. Patching vs FeatureAblation, which replaces a feature by a baseline and reports
    # f(x) - f(x ablated) per sample and feature. Both sides end with the mean |effect|.
    # (a) Captum's default use, baseline 0 = patching with corruption="zero".
    zero = torch.zeros_like(Xt)
    fa = FeatureAblation(model)
    for per_eval in (1, circuit.n_features):
        def captum_zero(per_eval=per_eval):
            return fa.attribute(Xt, baselines=zero, perturbations_per_eval=per_eval).abs().mean(dim=0)

        rows.append(_patching_row(circuit, X, captum_zero, settings, "zero",
                                  f"patching (zero) vs Captum FeatureAblation (baseline 0, "
                                  f"perturbations_per_eval={per_eval})"))

    # (b) The default resample corruption, first given the corrupted values (the computation
    # alone), then end to end: a Captum user draws the same derangement and passes it as
    # per-sample baselines, so both timed calls include the draw.
    patched = nt_methods.corrupted_values(X, "resample", nt.make_rng("benchmark", "patching"))
    patched_t = torch.from_numpy(np.ascontiguousarray(patched))
    effects = nt_methods.patch_effects(circuit, X, patched)
    captum = -fa.attribute(Xt, baselines=patched_t, perturbations_per_eval=circuit.n_features).numpy()
    diff = float(np.abs(captum - effects).max())
    assert diff <= 1e-12, f"patch_effects and FeatureAblation disagree by {diff:.3g}"
    t = compare({"ours": lambda: np.abs(nt_methods.patch_effects(circuit, X, patched)).mean(axis=0),
                 "captum": lambda: fa.attribute(Xt, baselines=patched_t, perturbations_per_eval=circuit.n_features)
                 .abs().mean(dim=0)}, repeats=settings.captum_repeats)
    rows.append(_row(f"patch_effects vs Captum FeatureAblation, given the same resampled values "
                     f"(perturbations_per_eval={circuit.n_features})", t["ours"], t["captum"], CAPTUM_SPEEDUP,
                     max_abs_diff=diff))

    def captum_resample(per_eval=circuit.n_features):
        patched = nt_methods.corrupted_values(X, "resample", nt.make_rng("benchmark", "patching"))
        base = torch.from_numpy(np.ascontiguousarray(patched))
        return fa.attribute(Xt, baselines=base, perturbations_per_eval=per_eval).abs().mean(dim=0)

    rows.append(_patching_row(circuit, X, captum_resample, settings, "resample",
                              "patching (resample, end to end) vs Captum FeatureAblation "
                              f"(per-sample baselines drawn alike, perturbations_per_eval={circuit.n_features})"))
    return rows


def _patching_row(circuit, X, captum_fn, settings, corruption, name) -> dict:
    """Check that Captum and ``patching(corruption=...)`` agree, then time both."""
    def ours():
        return nt_methods.patching(circuit, X, nt.make_rng("benchmark", "patching"), corruption=corruption)

    diff = float(np.abs(captum_fn().numpy() - ours()).max())
    assert diff <= 1e-12, f"{name}: Captum and neurotrace disagree by {diff:.3g}"
    t = compare({"ours": ours, "captum": captum_fn}, repeats=settings.captum_repeats)
    return _row(name, t["ours"], t["captum"], CAPTUM_SPEEDUP, max_abs_diff=diff)


# --- 3: each method vs its bare-numpy floor -----------------------------------------------------


def floor_comparisons(circuit, X, settings: Settings) -> dict:
    """Each registered method's own function vs its floor, after checking they agree.

    The method is timed as ``METHODS[name].fn(circuit, X, rng)``: the computation, without
    ``attribute()``'s input and output checks (a fixed ~tens of microseconds per call).
    """
    rows, missing = [], []
    for name, method in nt.METHODS.items():
        floor = FLOORS.get(name)
        if floor is None:
            missing.append(name)
            continue
        ours = method.fn(circuit, X, nt.make_rng("benchmark", name))
        plain = floor(circuit, X, nt.make_rng("benchmark", name))
        assert np.allclose(ours, plain, rtol=1e-9, atol=1e-12), f"{name}: floor disagrees with the library"
        rng = nt.make_rng("benchmark", "timing", name)  # timing only: the draws need not repeat
        t = compare({"ours": lambda fn=method.fn, rng=rng: fn(circuit, X, rng),
                     "floor": lambda fn=floor, rng=rng: fn(circuit, X, rng)}, repeats=settings.repeats)
        ratio = t["ours"] / t["floor"]
        rows.append({"method": name, "family": method.family, "ours_s": t["ours"], "floor_s": t["floor"],
                     "ratio": ratio, "target": FLOOR_RATIO, "met": bool(ratio <= FLOOR_RATIO),
                     "max_abs_diff": float(np.abs(ours - plain).max())})
    return {"rows": rows, "no_floor": missing}


# --- 4: time budgets ---------------------------------------------------------------------------


SLIDER_STRENGTHS = (0.25, 0.5, 0.75, 1.0, 1.5)  # a redraw is a slider move: cycle through these


def _slider(redraw):
    """``redraw(strength)`` as a no-argument call that moves to the next strength each time."""
    strengths = itertools.cycle(SLIDER_STRENGTHS)
    return lambda: redraw(next(strengths))


def _explorer_unavailable() -> str | None:
    for name in ("matplotlib", "ipywidgets"):
        if _optional(name) is None:
            return f"{name} is not installed (the [book] extra)"
    try:
        importlib.import_module("neurotrace.widgets").Explorer  # noqa: B018
    except (ImportError, AttributeError) as exc:
        return f"neurotrace.widgets.Explorer is not available ({exc})"
    return None


def budgets(settings: Settings) -> dict:
    """Wall-clock budgets: the default table, and one slider redraw on each regime (the slowest counts).

    A redraw is what the book's live explorer does when the strength slider moves: every
    method on one regime at the new strength, one seed (``nt.evaluate(circuits=name,
    seeds=1, strength=s)``); "with plotting" times ``neurotrace.widgets.Explorer.show``,
    which also redraws the figure and encodes the PNG.
    """
    rows, skipped = [], []

    def add(name, seconds, target, **extra):
        rows.append({"name": name, "seconds": seconds, "target_s": target, "met": bool(seconds < target), **extra})

    add("evaluate(): the default table (all methods x all regimes, 16 seeds, 512 samples)",
        median_seconds(nt.evaluate, repeats=settings.evaluate_repeats, min_seconds=0), EVALUATE_SECONDS)

    def slowest(make_redraw):
        per = {name: median_seconds(_slider(make_redraw(name)), repeats=settings.repeats) for name in nt.CIRCUITS}
        worst = max(per, key=per.get)
        return per[worst], {"per_circuit": per, "slowest": worst}

    seconds, extra = slowest(lambda name: lambda s: nt.evaluate(circuits=name, seeds=1, strength=s))
    add(f"slider redraw, no plotting: all methods on one regime, one seed (slowest: {extra['slowest']})",
        seconds, REDRAW_SECONDS, **extra)
    reason = _explorer_unavailable()
    if reason:
        skipped.append(f"slider redraw with plotting: {reason}")
    else:
        from neurotrace.widgets import Explorer

        explorer = Explorer(next(iter(nt.CIRCUITS)))
        seconds, extra = slowest(lambda name: lambda s: explorer.show(name, s))
        add(f"slider redraw with plotting: Explorer.show, figure + PNG (slowest: {extra['slowest']})",
            seconds, REDRAW_SECONDS, **extra)
    return {"rows": rows, "skipped": skipped}


# --- scaling and memory ------------------------------------------------------------------------


def scaling(circuit, settings: Settings) -> dict:
    """Seconds per call vs samples (every method) and vs IG steps, with log-log slopes.

    All cells of a grid are timed in interleaved rounds (every method at every size, then
    again), so a burst of load from another process spreads over the grid instead of
    bending one column of it.
    """
    grid, steps = list(settings.sample_grid), list(settings.step_grid)
    data = {n: inputs(circuit, n) for n in grid}
    cells = {}
    for name, method in nt.METHODS.items():
        rng = nt.make_rng("benchmark", "timing", name)
        for n in grid:
            cells[name, n] = lambda fn=method.fn, X=data[n], rng=rng: fn(circuit, X, rng)
    t = compare(cells, repeats=settings.scaling_repeats)
    per_method = {name: [t[name, n] for n in grid] for name in nt.METHODS}
    X = inputs(circuit)
    t = compare({k: lambda k=k: nt.ig_attributions(circuit, X, steps=k) for k in steps},
                repeats=settings.scaling_repeats)
    ig_steps = [t[k] for k in steps]
    # The slope is fitted on the larger half of each grid, where the work, not the fixed
    # per-call overhead, sets the time; the all-points fit is kept too.
    half, half_k = len(grid) // 2, len(steps) // 2
    return {
        "samples": {"grid": grid, "seconds": per_method, "fit_from": grid[half],
                    "slope": {name: loglog_slope(grid[half:], ts[half:]) for name, ts in per_method.items()},
                    "slope_all": {name: loglog_slope(grid, ts) for name, ts in per_method.items()}},
        "steps": {"grid": steps, "samples": SAMPLES, "seconds": ig_steps, "fit_from": steps[half_k],
                  "slope": loglog_slope(steps[half_k:], ig_steps[half_k:]), "slope_all": loglog_slope(steps, ig_steps)},
    }


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory(circuit, settings: Settings) -> dict:
    """Peak traced memory of ``integrated_gradients`` at many samples, few vs many steps.

    Unchunked, IG would hold a ``(samples, steps, hidden)`` array; chunked, the peak is the
    chunk plus ``(samples, features)``-sized inputs and outputs, whatever the steps.
    """
    n = settings.memory_samples
    X = inputs(circuit, n)  # allocated before tracing: the inputs are not the method's cost
    peaks = {k: _peak_bytes(lambda k=k: nt.ig_attributions(circuit, X, steps=k)) for k in settings.memory_steps}
    few, many = settings.memory_steps
    unchunked = n * many * circuit.n_hidden * 8
    return {"samples": n, "steps": list(settings.memory_steps), "peak_bytes": [peaks[k] for k in settings.memory_steps],
            "unchunked_bytes": unchunked, "input_bytes": X.nbytes, "target_growth": MEMORY_GROWTH,
            "growth": peaks[many] / peaks[few], "met": bool(peaks[many] <= MEMORY_GROWTH * peaks[few])}


def edges(settings: Settings) -> dict:
    """The edge level: EAP against per-edge patching (checked to agree on a linear network, where
    first order is exact), ACDC's wall clock, and the full edge table -- on a dense 3-layer,
    64-unit network with skip connections (``deep.random_deep_circuit``)."""
    from dataclasses import replace

    from neurotrace import deep
    from neurotrace import discovery as D

    network = deep.random_deep_circuit(width=64, layers=3)
    X = network.sample(SAMPLES, nt.make_rng("data", 0))
    linear = replace(network, activation="linear")
    eap, patched = D.eap(linear, X, nt.make_rng("bench", 0)), D.edge_patching(linear, X, nt.make_rng("bench", 0))
    diff = float(np.abs(eap - patched).max())  # on a linear network EAP is exact: the two agree
    times = compare({"eap": lambda: D.eap(network, X, nt.make_rng("bench", 0)),
                     "edge_patching": lambda: D.edge_patching(network, X, nt.make_rng("bench", 0))},
                    repeats=max(1, settings.repeats // 7))
    acdc = median_seconds(lambda: D.acdc(network, X, nt.make_rng("bench", 0)), repeats=1, min_seconds=0)
    table = median_seconds(lambda: D.evaluate_edges(), repeats=settings.evaluate_repeats, min_seconds=0)
    speedup = times["edge_patching"] / times["eap"]
    return {"network": {"width": 64, "layers": 3, "edges": network.n_edges, "samples": SAMPLES},
            "eap_s": times["eap"], "edge_patching_s": times["edge_patching"], "eap_speedup": speedup,
            "eap_vs_patching_linear_max_diff": diff, "target_eap_speedup": EAP_SPEEDUP,
            "acdc_s": acdc, "target_acdc_s": ACDC_SECONDS, "edge_table_s": table,
            "target_edge_table_s": EDGE_TABLE_SECONDS,
            "met": bool(speedup >= EAP_SPEEDUP and acdc <= ACDC_SECONDS and table <= EDGE_TABLE_SECONDS
                        and diff < 1e-9)}


def run(quick: bool = False, log=print) -> dict:
    """Every measurement, as one JSON-ready dict."""
    settings = Settings.make(quick)
    circuit = benchmark_circuit()
    X = inputs(circuit)
    started = time.time()
    out = {"settings": asdict(settings), "environment": environment(),
           "circuit": {"name": circuit.name, "n_hidden": circuit.n_hidden, "n_features": circuit.n_features,
                       "samples": SAMPLES, "steps": STEPS}}
    for key, step in (("captum", lambda: captum_comparisons(circuit, X, settings)),
                      ("floors", lambda: floor_comparisons(circuit, X, settings)),
                      ("budgets", lambda: budgets(settings)),
                      ("scaling", lambda: scaling(circuit, settings)),
                      ("memory", lambda: memory(circuit, settings)),
                      ("edges", lambda: edges(settings))):
        log(f"[benchmarks] {key} ...")
        out[key] = step()
    out["elapsed_s"] = time.time() - started
    return out
