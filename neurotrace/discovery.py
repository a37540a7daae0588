"""Circuit discovery scored on edges: which edges of a :class:`~neurotrace.deep.DeepCircuit` carry
the computation?

Every method here scores every edge and returns ``(n_edges,)`` non-negative importances, in the
order of ``circuit.edges``; ``EDGE_METHODS`` is their registry and :func:`evaluate_edges` scores
them with AUROC against ``circuit.causal_edges`` over seeds, like ``evaluate`` at the feature level.

The corrupted input ``x'`` (``corruption``): ``"resample"`` -- another sample's whole input, the
same partner for every edge (the "corrupted prompt" of circuit discovery); ``"zero"`` -- the
all-absent reference; ``"mean"`` -- the sample mean. An edge ``s -> t`` *carries* its source's
activation ``a_s`` into its target; patching the edge replaces that one term of ``t``'s input by
``a_s(x')``, leaves every other edge as it is, and lets the change run downstream.

- ``edge_patching`` (noising): mean ``|y(x, edge from x') - y(x)|``: is the edge *needed*?
- ``edge_denoising``: mean ``|y(x', edge from x) - y(x')|``, from the reference: does the edge
  *suffice*?
- ``joint_edge_patching``: edges between nodes of the same kind (sources that read the same
  inputs, targets that read the same inputs) patched together: sees paths that cancel or back
  each other up, as ``joint_patching`` does for units.
- ``eap`` (edge attribution patching, Syed et al. 2023): the first-order estimate
  ``(a_s(x') - a_s(x)) w_e dy/dz_t(x)`` -- one forward, one corrupted forward, one backward.
- ``eap_ig`` (Hanna et al. 2024): the same with ``dy/dz_t`` averaged along the straight path of
  inputs from ``x'`` to ``x`` (integrated gradients on the edge).
- ``acdc`` (Conmy et al. 2023): greedy pruning from the output back; an edge is removed when
  removing it moves the circuit's output by less than ``tau``; its score is that move.
- ``node_patching``, ``edge_correlation``: node-level methods lifted to edges (an edge scores the
  smaller of its two nodes' scores; the output node scores infinity): the baselines.
- ``random``: the chance floor.
"""

from __future__ import annotations

import inspect

import numpy as np

from ._checks import check_choice, check_labels, check_names, check_samples, check_seeds, check_strength
from ._rng import as_generator, make_rng
from .deep import EDGE_CIRCUITS, make_deep_circuit
from .methods import LEVELS, Method, abs_correlation, derangements, ig_nodes
from .progress import counter
from .results import Results, Sweep, scored_table
from .scoring import scramble, tie_groups

EDGE_CORRUPTIONS = ("resample", "zero", "mean")
CHUNK_ELEMENTS = 1 << 16  # largest (samples x edges x width) block one propagation builds at once


def corrupted_inputs(X, corruption: str, rng) -> np.ndarray:
    """The corrupted input ``x'`` of every sample ``(n, n_features)``."""
    check_choice(corruption, EDGE_CORRUPTIONS, "corruption")
    if corruption == "zero":
        return np.zeros_like(X)
    if corruption == "mean":
        return np.broadcast_to(X.mean(axis=0), X.shape).copy()
    return X[derangements(len(X), 1, rng)[:, 0]]


# --- one edge at a time ----------------------------------------------------------------------------


def _downstream(circuit, Z, A, layer: int, units, da) -> np.ndarray:
    """Output change ``(n, m)`` when hidden units ``units (m,)`` of ``layer`` change by ``da (n, m)``,
    each one separately, with every later layer recomputed."""
    dy = da * circuit.v[units]
    changed = []  # (columns, their activation change (n, m, width)) for every later layer so far
    for k in range(layer + 1, circuit.n_layers + 1):
        cols, w = circuit.columns(k), circuit.W[k - 1]
        dz = da[:, :, None] * w[:, units].T[None]
        for c, dA in changed:
            dz = dz + dA @ w[:, c].T
        dA = circuit.phi(Z[k - 1][:, None, :] + dz) - A[:, None, cols]
        changed.append((cols, dA))
        dy = dy + dA @ circuit.v[cols]
    return dy


def edge_effects(circuit, X_base, X_donor) -> np.ndarray:
    """Signed output change when each edge alone carries its source's activation from ``X_donor``:
    ``(n_samples, n_edges)``, ``out[i, e] = y(x_i, edge e from x'_i) - y(x_i)`` with ``x = X_base``,
    ``x' = X_donor``. Vectorised over edges; one batch per target layer."""
    Z, A = circuit.run(X_base)
    A_donor = circuit.activations(X_donor)
    e = circuit.edges
    out = np.empty((len(A), len(e)))
    moved = (A_donor[:, e.source] - A[:, e.source]) * e.weight  # each edge's change to its target's input
    last = e.layer == circuit.n_layers + 1
    out[:, last] = moved[:, last]  # into the output: the change itself
    for k in range(1, circuit.n_layers + 1):
        ids = np.flatnonzero(e.layer == k)
        units = e.target[ids]
        local = units - circuit.columns(k).start
        width = max(1, sum(circuit.layer_sizes[k:]))
        step = max(1, CHUNK_ELEMENTS // (len(ids) * width or 1))
        for start in range(0, len(A), step):
            sl = slice(start, start + step)
            da = circuit.phi(Z[k - 1][sl][:, local] + moved[sl][:, ids]) - A[sl][:, units]
            out[sl, ids] = _downstream(circuit, [z[sl] for z in Z], A[sl], k, units, da)
    return out


def _corrupted(circuit, X, corruption, rng):
    X = circuit.check_X(X)
    return X, corrupted_inputs(X, corruption, as_generator(rng, "edge-corruption", 0))


def edge_patching(circuit, X, rng=None, *, corruption: str = "resample") -> np.ndarray:
    """Noising: mean ``|y(x with edge e from x') - y(x)|`` -- what each edge is needed for."""
    X, Xc = _corrupted(circuit, X, corruption, rng)
    return np.abs(edge_effects(circuit, X, Xc)).mean(axis=0)


def edge_denoising(circuit, X, rng=None, *, corruption: str = "zero") -> np.ndarray:
    """Denoising: mean ``|y(x' with edge e from x) - y(x')|``, from the all-absent reference by
    default -- what each edge suffices for on its own."""
    X, Xc = _corrupted(circuit, X, corruption, rng)
    return np.abs(edge_effects(circuit, Xc, X)).mean(axis=0)


# --- edges patched together ---------------------------------------------------------------------------


def edge_groups(circuit) -> np.ndarray:
    """Group id per edge ``(n_edges,)``: edges whose sources are nodes of the same kind and whose
    targets are too. A node's kind: an input is its own; a hidden unit's is its layer and the set
    of nodes it reads; the output is its own. Two identical paths (backups, cancelling twins)
    fall into the same groups."""
    kinds = [("input", j) for j in range(circuit.n_features)]
    for k, s in enumerate(circuit.structure):
        kinds += [("unit", k + 1, tuple(np.flatnonzero(row))) for row in s]
    kinds.append(("output",))
    e = circuit.edges
    keys = [(kinds[s], kinds[t]) for s, t in zip(e.source, e.target, strict=True)]
    ids = {}
    return np.array([ids.setdefault(key, len(ids)) for key in keys])


def joint_edge_patching(circuit, X, rng=None, *, corruption: str = "resample") -> np.ndarray:
    """Noising a group of edges at once (:func:`edge_groups`): mean ``|y(x, group from x') - y(x)|``,
    given to every edge of the group. An edge in a group of one is patched alone."""
    X, Xc = _corrupted(circuit, X, corruption, rng)
    A, Ac = circuit.activations(X), circuit.activations(Xc)
    y = A @ circuit.v
    groups = edge_groups(circuit)
    scores = np.empty(circuit.n_edges)
    for g in np.unique(groups):
        members = groups == g
        scores[members] = np.abs(circuit.forward_patched(A, Ac, members) - y).mean()
    return scores


def _lift(circuit, node_scores) -> np.ndarray:
    """Node scores ``(n_nodes,)`` to edge scores: the smaller of the edge's two nodes (output: inf)."""
    scores = np.append(node_scores, np.inf)
    e = circuit.edges
    return np.minimum(scores[e.source], scores[e.target])


def node_patching(circuit, X, rng=None, *, corruption: str = "resample") -> np.ndarray:
    """A node-level baseline: patch every outgoing edge of a node at once (the node's activation
    from ``x'``); an edge scores the smaller effect of its two nodes."""
    X, Xc = _corrupted(circuit, X, corruption, rng)
    A, Ac = circuit.activations(X), circuit.activations(Xc)
    y = A @ circuit.v
    e = circuit.edges
    node = np.array([np.abs(circuit.forward_patched(A, Ac, e.source == s) - y).mean()
                     for s in range(circuit.n_nodes)])
    return _lift(circuit, node)


def edge_correlation(circuit, X, rng=None) -> np.ndarray:
    """A node-level proxy: ``|corr(a_node, y)|`` over the samples; an edge scores the smaller of its
    two nodes' correlations."""
    A = circuit.activations(circuit.check_X(X))
    return _lift(circuit, abs_correlation(A, A @ circuit.v))


# --- first-order estimates ---------------------------------------------------------------------------


def _edge_products(circuit, G, dA) -> np.ndarray:
    """Per edge ``s -> t``: ``|w_e| mean_n |dA_s(n)| |G_t(n)|`` from unit gradients ``G (n, n_hidden)``
    (the output's gradient is 1) and source changes ``dA (n, n_nodes)``.

    ``|a b c| = |a| |b| |c|``, so the mean over samples of every edge's product is one matrix
    product per layer, ``|G_l|^T |dA_<l| / n``: no ``(samples, edges)`` array is built.
    """
    n = len(dA)
    absA = np.abs(dA)
    e = circuit.edges
    out = np.empty(len(e))
    for k in range(1, circuit.n_layers + 1):
        cols = circuit.columns(k)
        local = slice(cols.start - circuit.n_features, cols.stop - circuit.n_features)
        M = np.abs(G[:, local]).T @ absA[:, : cols.start] / n  # (n_k, n_before): mean |g_t| |da_s|
        ids = np.flatnonzero(e.layer == k)
        out[ids] = M[e.target[ids] - cols.start, e.source[ids]]
    ids = np.flatnonzero(e.layer == circuit.n_layers + 1)
    out[ids] = absA[:, e.source[ids]].mean(axis=0)
    return out * np.abs(e.weight)


def eap(circuit, X, rng=None, *, corruption: str = "resample") -> np.ndarray:
    """Edge attribution patching: mean ``|(a_s(x') - a_s(x)) w_e dy/dz_t(x)|`` -- edge patching to
    first order, from one clean forward, one corrupted forward and one backward pass."""
    X, Xc = _corrupted(circuit, X, corruption, rng)
    Z, A = circuit.run(X)
    return _edge_products(circuit, circuit.unit_gradients(Z, A), circuit.activations(Xc) - A)


def eap_ig(circuit, X, rng=None, *, corruption: str = "resample", steps: int = 16,
           rule: str = "gausslegendre") -> np.ndarray:
    """EAP-IG: mean ``|(a_s(x) - a_s(x')) w_e int_0^1 dy/dz_t(x' + a (x - x')) da|``, the target's
    gradient averaged along the straight path of inputs from ``x'`` to ``x`` (``steps`` nodes of
    the quadrature ``rule``, as integrated gradients)."""
    X, Xc = _corrupted(circuit, X, corruption, rng)
    alphas, weights = ig_nodes(steps, rule)
    G = 0.0
    for a, w in zip(alphas, weights, strict=True):
        G = G + w * circuit.unit_gradients(*circuit.run(Xc + a * (X - Xc)))
    return _edge_products(circuit, G, circuit.activations(X) - circuit.activations(Xc))


# --- greedy pruning ----------------------------------------------------------------------------------


def acdc_order(circuit) -> np.ndarray:
    """The order ACDC considers edges in: from the output back, each target's edges by source,
    last source first (reverse topological order)."""
    e = circuit.edges
    return np.lexsort((-e.source, -e.target))


def acdc_run(circuit, X, rng=None, *, tau: float = 0.02, corruption: str = "resample"):
    """Greedy pruning (Conmy et al. 2023): consider each edge once, from the output back; remove it
    when that moves the circuit's output by less than ``tau`` (a fraction of what corrupting every
    edge moves it) and keep it otherwise. A removed edge carries its source's activation from the
    corrupted input from then on.

    Returns ``(scores (n_edges,), kept (n_edges,) bool)``: an edge's score is how far removing it
    moved the output (mean ``|.|``) given what had been removed before it, clipped at 0.

    Each trial recomputes only what the edge reaches: its target, then the later layers through
    the edges still in the circuit (``forward_patched`` of the whole network gives the same
    numbers, one full forward per edge: the tests check that).
    """
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not np.isfinite(tau) or tau < 0:
        raise ValueError(f"tau must be a finite number >= 0 (got {tau!r})")
    X, Xc = _corrupted(circuit, X, corruption, rng)
    Z, A = circuit.run(X)
    Z = [z.copy() for z in Z]
    Ac = circuit.activations(Xc)
    y_full = A @ circuit.v
    y = y_full.copy()
    scale = np.abs(Ac @ circuit.v - y_full).mean() or 1.0
    W = [w.copy() for w in circuit.W]  # the circuit's weights: a removed edge's entry is 0
    v = circuit.v.copy()
    e = circuit.edges
    L = circuit.n_layers
    scores, kept = np.zeros(len(e)), np.ones(len(e), dtype=bool)
    current = 0.0
    for i in acdc_order(circuit):
        s, t, k, w = e.source[i], e.target[i], e.layer[i], e.weight[i]
        moved = w * (Ac[:, s] - A[:, s])  # the edge's input to t, from now on from the corrupted run
        if k == L + 1:
            changes, dy = [], moved
        else:
            changes, dy = _trial(circuit, Z, A, W, v, k, t, moved)
        distance = np.abs(y + dy - y_full).mean() / scale
        scores[i] = max(distance - current, 0.0)
        if distance - current < tau:
            kept[i], current, y = False, distance, y + dy
            for layer, local, cols, dz, da in changes:
                Z[layer - 1][:, local] += dz
                A[:, cols] += da
            if k == L + 1:
                v[s] = 0.0
            else:
                W[k - 1][t - circuit.columns(k).start, s] = 0.0
    return scores * scale, kept


def _trial(circuit, Z, A, W, v, k, t, moved):
    """Remove one edge into unit ``t`` of layer ``k``: the changes it makes downstream, through the
    current weights ``W`` and output weights ``v``: ``(changes, dy)``, ``changes`` a list of
    ``(layer, local columns, node columns, dz, da)``."""
    u = t - circuit.columns(k).start
    da = circuit.phi(Z[k - 1][:, u] + moved) - A[:, t]
    changes = [(k, slice(u, u + 1), slice(t, t + 1), moved[:, None], da[:, None])]
    dy = da * v[t]
    for kk in range(k + 1, circuit.n_layers + 1):
        cols = circuit.columns(kk)
        dz = sum(d @ W[kk - 1][:, c].T for _, _, c, _, d in changes)
        new = circuit.phi(Z[kk - 1] + dz) - A[:, cols]
        changes.append((kk, slice(None), cols, dz, new))
        dy = dy + new @ v[cols]
    return changes, dy


def acdc(circuit, X, rng=None, *, tau: float = 0.02, corruption: str = "resample") -> np.ndarray:
    """ACDC's scores: how far removing each edge moved the output when it was considered (see
    :func:`acdc_run`, which also returns the circuit it keeps)."""
    return acdc_run(circuit, X, rng, tau=tau, corruption=corruption)[0]


def _random(circuit, X, rng=None):
    return as_generator(rng, "edge-random", 0).uniform(size=circuit.n_edges)


# --- the registry and the checked entry point ---------------------------------------------------------


EDGE_METHODS = {
    m.name: m
    for m in (
        Method("random", _random, "baseline", "uniform random scores per edge", "edge"),
        Method("edge_correlation", edge_correlation, "proxy", "min over its nodes of |corr(a, y)|", "edge"),
        Method("node_patching", node_patching, "causal", "min over its nodes of mean |y(node from x') - y|", "edge"),
        Method("edge_patching", edge_patching, "causal", "mean |y(x, edge from x') - y(x)|: noising", "edge"),
        Method("edge_denoising", edge_denoising, "causal", "mean |y(x', edge from x) - y(x')|: denoising", "edge"),
        Method("joint_edge_patching", joint_edge_patching, "causal",
               "mean |y(x, group from x') - y(x)|: edges of the same kind patched together", "edge"),
        Method("eap", eap, "proxy", "mean |(a_s(x') - a_s(x)) w dy/dz_t|: edge attribution patching", "edge"),
        Method("eap_ig", eap_ig, "causal", "EAP with dy/dz_t integrated from x' to x", "edge"),
        Method("acdc", acdc, "causal", "greedy pruning from the output back; the move each removal made", "edge"),
    )
}


def attribute_edges(method: str, circuit, X, *, rng=None, **options) -> np.ndarray:
    """Importances ``(n_edges,)`` of an edge ``method`` on a DeepCircuit at samples ``X (n, n_features)``."""
    check_choice(method, EDGE_METHODS, "edge method")
    entry = EDGE_METHODS[method]
    X = circuit.check_X(X)
    if len(X) < 2:
        raise ValueError(f"X must hold at least 2 samples (got {len(X)})")
    allowed = tuple(p.name for p in inspect.signature(entry.fn).parameters.values() if p.kind is p.KEYWORD_ONLY)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r} for edge method {method!r} "
                         f"(valid options: {', '.join(allowed) or 'none'})")
    X.flags.writeable = False
    scores = np.asarray(entry.fn(circuit, X, as_generator(rng, "attribute_edges", method, 0), **options), dtype=float)
    if scores.shape != (circuit.n_edges,) or not np.all(np.isfinite(scores)) or np.any(scores < 0):
        raise ValueError(f"edge method {method!r} must return {circuit.n_edges} finite non-negative scores")
    return scores


LEVELS["edge"] = attribute_edges


def evaluate_edges(methods=None, circuits=None, *, seeds: int = 16, samples: int = 512, labels: str = "real",
                   strength: float = 1.0, options=None, progress=None) -> Results:
    """Score edge ``methods`` (default: all) on edge-level ``circuits`` (default: all) over seeds.

    Same seeding as ``evaluate``: for seed ``s`` the circuit is built at that seed, its data come
    from the stream ``("data", s)``, each method's draws from ``("method", name, s)`` and a
    scrambled truth from ``("labels", s)``. Returns a ``Results`` with ``level="edge"`` and
    ``truth="edges"``; ``importances`` are padded with NaN to the widest circuit's edge count.
    ``options``: ``{method: {option: value}}`` (e.g. ``{"acdc": {"tau": 0.05}}``); ``progress``:
    ``progress(done, total)`` after each method's run on one seed, as in ``nt.evaluate``, which
    calls this for ``level="edge"``.
    """
    methods = check_names(methods, EDGE_METHODS, "edge method")
    circuits = check_names(circuits, EDGE_CIRCUITS, "edge-level circuit")
    seeds, samples = check_seeds(seeds), check_samples(samples)
    labels, strength = check_labels(labels), check_strength(strength)
    options = {} if options is None else dict(options)
    unknown = sorted(set(options) - set(methods))
    if unknown:
        raise ValueError(f"options name {unknown[0]!r}, which is not among the edge methods run "
                         f"({', '.join(methods)})")
    tick = counter(progress, len(methods) * len(circuits) * seeds)
    blocks = []
    for name in circuits:
        imp, masks = [], []
        for s in range(seeds):
            circuit = make_deep_circuit(name, strength=strength, seed=s)
            X = circuit.sample(samples, make_rng("data", s))
            row = []
            for m in methods:
                row.append(attribute_edges(m, circuit, X, rng=make_rng("method", m, s), **options.get(m, {})))
                if tick is not None:
                    tick()
            imp.append(row)
            mask = circuit.causal_edges
            masks.append(mask if labels == "real" else scramble(mask, make_rng("labels", s)))
        blocks.append((np.array(imp).transpose(1, 0, 2), np.array(masks)))  # (methods, seeds, edges), (seeds, edges)
    importances, auroc = scored_table(blocks)
    families = tuple(EDGE_METHODS[m].family for m in methods)
    return Results(methods, circuits, auroc, importances, seeds, samples, labels, strength, "edge", families,
                   "edges", {m: dict(o) for m, o in options.items() if o})


# --- faithfulness of a recovered circuit ---------------------------------------------------------------


def recovered(scores, k: int) -> np.ndarray:
    """The circuit a ranking recovers: its top ``k`` edges, whole tie groups only (a group that
    would straddle the k-th place is left out, so a tie is never broken by index). ``(n_edges,)`` bool."""
    kept = np.zeros(len(scores), dtype=bool)
    for group in tie_groups(scores):
        if kept.sum() + len(group) > k:
            break
        kept[group] = True
    return kept


def faithfulness(circuit, X, kept, rng=None, *, corruption: str = "resample") -> float:
    """How much of the network the circuit ``kept (n_edges,) bool`` reproduces on its own:
    ``1 - mean|y_circuit - y| / mean|y_none - y|``, where every edge outside the circuit carries its
    source's activation from the corrupted input and ``y_none`` corrupts every edge. 1 = the
    circuit alone computes the output; 0 = no better than nothing."""
    X, Xc = _corrupted(circuit, X, corruption, rng)
    A, Ac = circuit.activations(X), circuit.activations(Xc)
    y = A @ circuit.v
    none = np.abs(Ac @ circuit.v - y).mean()
    alone = np.abs(circuit.forward_patched(A, Ac, ~np.asarray(kept, dtype=bool)) - y).mean()
    return float(1.0 - alone / none) if none > 0 else 1.0


def faithfulness_of(results) -> np.ndarray:
    """Per method, regime and seed of an edge-level ``results``: the faithfulness of the circuit
    each ranking recovers (its top ``k`` edges, ``k`` the size of the true circuit, whole tie
    groups only), on the same circuits and data. ``(n_methods, n_circuits, n_seeds)``.

    The corrupted input comes from the stream ``("faithfulness", seed)``, shared by every method.
    """
    if results.level != "edge":
        raise ValueError(f"faithfulness_of needs edge-level results (got level={results.level!r})")
    out = np.empty(results.auroc.shape)
    for j, name in enumerate(results.circuits):
        for s in range(results.seeds):
            circuit = make_deep_circuit(name, strength=results.strength, seed=s)
            X = circuit.sample(results.samples, make_rng("data", s))
            k = int(circuit.causal_edges.sum())
            for i in range(len(results.methods)):
                kept = recovered(results.importances[i, j, s, : circuit.n_edges], k)
                out[i, j, s] = faithfulness(circuit, X, kept, make_rng("faithfulness", s))
    return out


def sweep_edges(circuit: str, strengths, *, methods=None, seeds: int = 16, samples: int = 512, options=None,
                progress=None):
    """Edge AUROC of ``methods`` on edge-level regime ``circuit`` at each strength: a ``Sweep``.

    ``options`` and ``progress`` as in :func:`evaluate_edges` (``progress`` over the whole grid);
    ``nt.sweep(circuit, strengths, level="edge")`` calls this."""
    check_choice(circuit, EDGE_CIRCUITS, "edge-level circuit")
    methods = check_names(methods, EDGE_METHODS, "edge method")
    grid = np.array([check_strength(s) for s in np.atleast_1d(strengths)], dtype=float)
    per = len(methods) * check_seeds(seeds)
    auroc = np.stack([evaluate_edges(methods, circuit, seeds=seeds, samples=samples, strength=s, options=options,
                                     progress=None if progress is None else
                                     (lambda done, _total, k=k: (done or not k) and progress(k * per + done,
                                                                                             len(grid) * per))
                                     ).auroc[:, 0]
                      for k, s in enumerate(grid)], axis=1)
    return Sweep(circuit, methods, grid, auroc, check_seeds(seeds), check_samples(samples))
