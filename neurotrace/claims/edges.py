"""The edge level's claims: the table of edge AUROCs, the faithfulness of the recovered circuits,
and the dissociations the book's part "From features to circuits" states.

Every regime of :data:`neurotrace.deep.EDGE_CIRCUITS` lists in ``fools`` every edge method it
makes fail at strength 1, with the reason; :func:`~neurotrace.claims.expectations.cell_failures`
checks the edge table as it checks the feature table (strength 0 a real control, ``fools``
complete on the band).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_choice, check_strength
from .._rng import make_rng
from ..analysis import default_data
from ..deep import (
    BACKUP_COMPLETE,
    BACKUP_CONTROL_GAIN,
    BACKUP_GAIN,
    BACKUP_SHARE,
    CANCEL_DECOY,
    CHAINS,
    DISTRACTOR_DECOY,
    EDGE_CIRCUITS,
    make_deep_circuit,
)
from ..discovery import (
    EDGE_METHODS,
    acdc_run,
    attribute_edges,
    corrupted_inputs,
    edge_effects,
    edge_groups,
    evaluate_edges,
    faithfulness,
    faithfulness_of,
    recovered,
)
from ..evaluate import Results
from ..scoring import auroc
from ._shared import cell_mean, families, index, seed_circuits
from .expectations import (
    BAND,
    CONTROL,
    EAP_IG_ENOUGH,
    FOOLED_BELOW,
    HOLDS_AT,
    ROUNDING,
    SAMPLES,
    SWEEP_SEEDS,
    cell_failures,
    failure_kind,
    fooled_where,
    verdict,
)
from .facts import Facts, power_of_ten_above, scientific
from .regimes import cell_claims
from .why import regime_table

SINGLE_EDGE = ("edge_patching", "edge_denoising", "eap", "eap_ig", "acdc")  # each scores one edge at a time


def edge_table_facts(results: Results, faith: np.ndarray | None = None) -> Facts:
    """The edge table's facts (``discovery.evaluate_edges()`` at the reference settings).

    Values: every cell as ``edge_<method>_<regime>``, where each method is fooled
    (``edge_fooled_<method>``), and, given ``faith`` (``discovery.faithfulness_of(results)``),
    every cell's mean faithfulness as ``faith_<method>_<regime>``. Claims: every cell meets its
    expectation (a method fails exactly where a regime lists it); the four dissociations of the
    book's edge-level part; with ``faith``, the backup regime's "faithful but incomplete" circuits.
    """
    if results.level != "edge":
        raise ValueError(f"edge_table_facts needs edge-level results (got level={results.level!r})")
    values = {"edge_seeds": results.seeds, "edge_samples": results.samples,
              "n_edge_methods": len(results.methods), "n_edge_regimes": len(results.circuits)}
    for method in results.methods:
        for regime in results.circuits:
            values[f"edge_{method}_{regime}"] = cell_mean(results, method, regime)
    for method, regimes in fooled_where(results).items():
        values[f"edge_fooled_{method}"] = ", ".join(regimes) or "nowhere"

    def holds(m, r):
        return verdict(cell_mean(results, m, r)) == "holds"

    def fooled(m, r):
        return verdict(cell_mean(results, m, r)) == "fooled"

    bad = cell_failures(results)
    claims = {"every edge cell meets its expectation: a method fails exactly where a regime lists it"
              + (f" ({'; '.join(bad)})" if bad else ""): not bad}
    sentences = [
        ("redundancy across paths: edge patching, node patching and ACDC are fooled on backup_path; edge "
         "denoising and joint edge patching hold there",
         [("edge_patching", "backup_path", fooled), ("node_patching", "backup_path", fooled),
          ("acdc", "backup_path", fooled), ("edge_denoising", "backup_path", holds),
          ("joint_edge_patching", "backup_path", holds)]),
        ("saturation: EAP is fooled on backup_path",
         [("eap", "backup_path", fooled)]),
        ("cancellation: every single-edge method is fooled on cancelling_paths, joint edge patching holds",
         [*[(m, "cancelling_paths", fooled) for m in SINGLE_EDGE], ("joint_edge_patching", "cancelling_paths", holds)]),
        ("distraction: edge correlation is fooled on distractor_path, every patching method holds there",
         [("edge_correlation", "distractor_path", fooled),
          *[(m, "distractor_path", holds) for m in ("edge_patching", "edge_denoising", "joint_edge_patching",
                                                    "node_patching", "eap", "eap_ig", "acdc")]]),
        ("double dissociation: edge correlation holds on cancelling_paths, where every single-edge method is "
         "fooled", [("edge_correlation", "cancelling_paths", holds), ("edge_patching", "cancelling_paths", fooled)]),
    ]
    for sentence, cells in sentences:
        if all(m in results.methods and r in results.circuits for m, r, _ in cells):
            claims[sentence] = all(test(m, r) for m, r, test in cells)
    if "joint_edge_patching" in results.methods:
        claims["joint edge patching holds on every edge-level regime"] = \
            all(holds("joint_edge_patching", r) for r in results.circuits)
    if faith is not None:
        mean = faith.mean(axis=-1)
        for i, method in enumerate(results.methods):
            for j, regime in enumerate(results.circuits):
                values[f"faith_{method}_{regime}"] = float(mean[i, j])
        if "backup_path" in results.circuits:
            j = results.circuits.index("backup_path")
            for method in ("edge_patching", "acdc"):
                if method in results.methods:
                    i = results.methods.index(method)
                    claims[f"on backup_path {method}'s circuit is faithful (>= {HOLDS_AT}) though incomplete"] = \
                        bool(mean[i, j] >= HOLDS_AT and fooled(method, "backup_path"))
    return Facts(values, claims)


def true_circuits_are_faithful(*, seeds: int = SWEEP_SEEDS, samples: int = SAMPLES, strength: float = 1.0) -> Facts:
    """The truth's own faithfulness on every edge-level regime: the true circuit alone reproduces
    the network (the construction's check). Values ``true_faith_<regime>`` (the lowest over seeds)."""
    values, claims = {}, {}
    for name in EDGE_CIRCUITS:
        lowest = min(faithfulness(c, default_data(c, samples), c.causal_edges, make_rng("faithfulness", s))
                     for s in range(seeds) for c in [make_deep_circuit(name, strength=strength, seed=s)])
        values[f"true_faith_{name}"] = float(lowest)
        claims[f"the true circuit of {name} alone reproduces the network (faithfulness >= {HOLDS_AT})"] = \
            lowest >= HOLDS_AT
    return Facts(values, claims)


def eap_ig_nodes(*, steps: int = EAP_IG_ENOUGH, seeds: int = SWEEP_SEEDS, samples: int = SAMPLES) -> Facts:
    """EAP-IG on backup_path with its default nodes against ``steps`` nodes: the failure there is
    quadrature, not the method. Values ``eap_ig_default``, ``eap_ig_many``, ``eap_ig_steps``."""
    default = EDGE_METHODS["eap_ig"].fn.__kwdefaults__["steps"]
    few, many = [], []
    for s in range(seeds):
        c = make_deep_circuit("backup_path", seed=s)
        X = default_data(c, samples)
        rng = make_rng("method", "eap_ig", s)
        few.append(auroc(attribute_edges("eap_ig", c, X, rng=rng), c.causal_edges))
        many.append(auroc(attribute_edges("eap_ig", c, X, rng=make_rng("method", "eap_ig", s), steps=steps),
                          c.causal_edges))
    return Facts({"eap_ig_default_steps": default, "eap_ig_steps": steps, "eap_ig_default": float(np.mean(few)),
                  "eap_ig_many": float(np.mean(many))},
                 {f"EAP-IG is fooled on backup_path with {default} nodes": verdict(np.mean(few)) == "fooled",
                  f"EAP-IG holds on backup_path with {steps} nodes": verdict(np.mean(many)) == "holds"})


def acdc_recovers(regime: str, tau: float, *, seed: int = 0, samples: int = SAMPLES, strength: float = 1.0) -> dict:
    """ACDC's circuit on one seed of ``regime`` at threshold ``tau``: which true and which other
    edges it keeps, and the circuit's faithfulness -- what the book's tau slider shows."""
    c = make_deep_circuit(regime, strength=strength, seed=seed)
    X = default_data(c, samples)
    _, kept = acdc_run(c, X, make_rng("method", "acdc", seed), tau=tau)
    return {"kept": kept, "true_kept": int((kept & c.causal_edges).sum()),
            "false_kept": int((kept & ~c.causal_edges).sum()), "n_true": int(c.causal_edges.sum()),
            "faithfulness": faithfulness(c, X, kept, make_rng("faithfulness", seed))}


# =====================================================================================================
# The book's part "From features to circuits": what each edge of a network is, the snapshot its pages
# draw, the tables they show, and the facts each page publishes.
# =====================================================================================================

EDGE_STRENGTHS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0)
"""The strengths of the edge pages' AUROC-vs-strength figures and kernel-free sliders (dense where the
backup route saturates, 0 to 0.5)."""
EDGE_EXPLORER_TOP = 3.0  # the live explorer's slider ends here
ACDC_TAUS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
"""ACDC's thresholds on the backup page's tau slider (a fraction of what corrupting every edge moves the output):
few enough that the slider's labels fit under its track on a phone."""

EDGE_ROLES = {
    "causal": "in the circuit",
    "backup": "in the circuit: the backup route",
    "decoy": "planted decoy path (not in the circuit)",
    "dead": "dead branch (not in the circuit)",
}
"""What an edge of an edge-level network is (:func:`edge_roles`), in the words of the diagrams' legends."""



def _node_layers(circuit) -> np.ndarray:
    """The layer of every node ``(n_nodes,)``: 0 for the inputs, 1..L for the hidden layers."""
    return np.repeat(np.arange(len(circuit.layer_sizes)), circuit.layer_sizes)


def reaches_output(circuit) -> np.ndarray:
    """Whether each node has a path of edges to the output: ``(n_nodes + 1,)`` bool (the output last)."""
    e = circuit.edges
    reach = np.zeros(circuit.n_nodes + 1, dtype=bool)
    reach[-1] = True
    for i in np.argsort(-e.layer, kind="stable"):  # from the output back: a target is final before its sources
        reach[e.source[i]] |= reach[e.target[i]]
    return reach


def _downstream_of(circuit, nodes) -> np.ndarray:
    """Every node reachable from ``nodes`` (themselves included): ``(n_nodes + 1,)`` bool."""
    e = circuit.edges
    down = np.zeros(circuit.n_nodes + 1, dtype=bool)
    down[list(nodes)] = True
    for i in np.argsort(e.layer, kind="stable"):  # in topological order of the targets
        down[e.target[i]] |= down[e.source[i]]
    return down


def backup_units(circuit) -> np.ndarray:
    """The hidden units that are a backup copy of another unit: ``(n_nodes,)`` bool.

    Unit ``u`` is a backup of ``u'`` when both sit in the same layer, read the same nodes and feed
    the same nodes, and ``u`` feeds each of them with a strictly smaller weight (in size): the
    backup route of ``backup_path``. Two identical twins (the cancelling pair) are not backups.
    """
    e = circuit.edges
    layers = _node_layers(circuit)
    reads = {u: frozenset(e.source[e.target == u].tolist()) for u in range(circuit.n_features, circuit.n_nodes)}
    feeds = {u: {int(t): abs(float(w)) for t, w in zip(e.target[e.source == u], e.weight[e.source == u],
                                                           strict=True)} for u in reads}
    out = np.zeros(circuit.n_nodes, dtype=bool)
    for u in reads:
        for other in reads:
            if (other != u and layers[other] == layers[u] and reads[other] == reads[u] and feeds[u]
                    and feeds[other].keys() == feeds[u].keys()
                    and all(feeds[u][t] < feeds[other][t] for t in feeds[u])):
                out[u] = True
    return out


def edge_roles(circuit) -> np.ndarray:
    """What each edge is, ``(n_edges,)`` of the keys of :data:`EDGE_ROLES`: ``"causal"`` (in the
    circuit), ``"backup"`` (in the circuit, into or out of a :func:`backup_units` unit), ``"decoy"``
    (not in the circuit, downstream of a planted decoy input: the cancelling pair's or the
    distractor's) or ``"dead"`` (not in the circuit otherwise: the dead branch)."""
    e = circuit.edges
    backup = np.append(backup_units(circuit), False)
    decoys = [j for j in (CANCEL_DECOY, DISTRACTOR_DECOY) if j < circuit.n_features]
    planted = _downstream_of(circuit, decoys)
    return np.where(circuit.causal_edges, np.where(backup[e.source] | backup[e.target], "backup", "causal"),
                    np.where(planted[e.source], "decoy", "dead"))


def node_roles(circuit) -> np.ndarray:
    """What each node is, ``(n_nodes,)``: an input takes the role of its edges out, a hidden unit the
    role of its edges in (an input feeding the circuit and its backup route is ``"causal"``);
    ``"unused"`` for an input with no edge."""
    e = circuit.edges
    roles = edge_roles(circuit)
    out = np.full(circuit.n_nodes, "unused", dtype=object)
    for role in reversed(tuple(EDGE_ROLES)):  # the first role listed wins
        inputs = e.source[(roles == role) & (e.source < circuit.n_features)]
        out[inputs] = role
        units = e.target[(roles == role) & (e.target < circuit.n_nodes)]
        out[units] = role
    return out.astype(str)


def skip_edges(circuit) -> np.ndarray:
    """Edges that jump at least one layer: ``(n_edges,)`` bool."""
    e = circuit.edges
    return e.layer > _node_layers(circuit)[e.source] + 1


def _names(circuit, mask) -> str:
    """Edge names for the prose: ``"m3->y"`` written ``m3 → y``, comma-separated."""
    return ", ".join(n.replace("->", " → ") for n, m in zip(circuit.edges.names, mask, strict=True) if m)


def strength_changes(circuit, reference: float = CONTROL) -> dict:
    """What the strength changes in ``circuit`` against the same regime and seed at ``reference``:
    ``edges (n_edges,)`` (a weight that differs), ``mixing (n_features, n_features)`` (how the data
    generate a feature), ``features (n_features,)`` (a feature whose generation differs)."""
    check_choice(circuit.name, EDGE_CIRCUITS, "edge-level circuit")
    ref = EDGE_CIRCUITS[circuit.name](strength=reference, seed=circuit.seed)
    if ref.edges.names != circuit.edges.names:
        raise ValueError(f"{circuit.name}: the structure differs between strengths {reference:g} and "
                         f"{circuit.strength:g}")
    mixing = circuit.mixing != ref.mixing
    return {"edges": circuit.edges.weight != ref.edges.weight, "mixing": mixing, "features": mixing.any(axis=1),
            "reference": float(reference)}


def strength_summary(circuit, changes=None) -> str:
    """What the strength changes, in words: ``"the strength changes the weights of cA → y, cB → y"``."""
    changes = strength_changes(circuit) if changes is None else changes
    parts = []
    edges = changes["edges"]
    if edges.sum() > 4:
        roles = edge_roles(circuit)[edges]
        kinds = [f"{int((roles == r).sum())} {'of the circuit' if r == 'causal' else 'of its ' + r + ' route'}"
                 if r != "decoy" else f"{int((roles == r).sum())} planted" for r in EDGE_ROLES if (roles == r).any()]
        parts.append(f"the weights of {int(edges.sum())} edges: {', '.join(kinds)}")
    elif edges.any():
        parts.append(f"the weights of {_names(circuit, edges)}")
    for i in np.flatnonzero(changes["features"]):
        sources = [f"x{j}" for j in np.flatnonzero(changes["mixing"][i]) if j != i]
        parts.append(f"how the data generate x{i}" + (f" (from {', '.join(sources)})" if sources else ""))
    return "the strength changes " + (" and ".join(parts) if parts else "nothing")


# --- one seed: what the pages draw ---------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeSnapshot:
    """Every edge method on one regime at one strength, seed 0: what a page's recovered-edges grid
    draws. ``results``: a one-seed edge-level ``Results``; ``faith (n_methods,)``: the
    faithfulness of each method's recovered circuit (:func:`neurotrace.discovery.faithfulness_of`)."""

    results: Results
    faith: np.ndarray

    @property
    def regime(self) -> str:
        return self.results.circuits[0]

    @property
    def strength(self) -> float:
        return float(self.results.strength)

    @property
    def methods(self) -> tuple:
        return self.results.methods

    @property
    def circuit(self):
        return make_deep_circuit(self.regime, strength=self.strength, seed=0)

    @property
    def aurocs(self) -> dict:
        """``{method: AUROC}`` (plain floats)."""
        return {m: float(a) for m, a in zip(self.methods, self.results.auroc[:, 0, 0], strict=True)}

    @property
    def faithfulness(self) -> dict:
        """``{method: faithfulness of its recovered circuit}`` (plain floats)."""
        return {m: float(f) for m, f in zip(self.methods, self.faith, strict=True)}

    def scores(self, method: str) -> np.ndarray:
        circuit = self.circuit
        return self.results.importances[self.methods.index(method), 0, 0, : circuit.n_edges]

    def kept(self, method: str) -> np.ndarray:
        """The circuit ``method`` recovers: its top ``k`` edges, ``k`` the true circuit's size, whole
        tie groups only (:func:`neurotrace.discovery.recovered`). ``(n_edges,)`` bool."""
        circuit = self.circuit
        return recovered(self.scores(method), int(circuit.causal_edges.sum()))


def edge_snapshot(regime: str, strength: float = 1.0, *, methods=None, samples: int = SAMPLES) -> EdgeSnapshot:
    """Every edge method (or ``methods``) on ``regime`` at ``strength``, seed 0, with the faithfulness of
    each recovered circuit: the one computation behind the grids, the sliders and the live explorer."""
    results = evaluate_edges(methods, regime, seeds=1, samples=samples, strength=check_strength(strength))
    return EdgeSnapshot(results, faithfulness_of(results)[:, 0, 0])


def edge_explain(regime: str, method: str) -> str:
    """Why ``method`` falls below ``FOOLED_BELOW`` on edge-level ``regime``: the regime's own reason
    when its ``fools`` lists the method, the baseline's summary for the random baseline, and
    otherwise a plain statement that the regime does not list it."""
    check_choice(regime, EDGE_CIRCUITS, "edge-level circuit")
    entry = EDGE_CIRCUITS[regime]
    if method in entry.fools:
        return entry.fools[method]
    if method in EDGE_METHODS and EDGE_METHODS[method].family == "baseline":
        return "the chance floor: " + EDGE_METHODS[method].summary
    return f"not a failure {regime} is built to cause: its fools does not list {method}"


def edge_failures(snapshot: EdgeSnapshot) -> list[dict]:
    """Every method of ``snapshot`` below ``FOOLED_BELOW``, in method order: ``method``, ``auroc``,
    ``faithfulness``, ``kind`` (:func:`~neurotrace.claims.expectations.failure_kind`) and ``reason``
    (:func:`edge_explain`)."""
    out = []
    for method, value in snapshot.aurocs.items():
        kind = failure_kind(snapshot.regime, method, value)
        if kind:
            out.append({"method": method, "auroc": value, "faithfulness": snapshot.faithfulness[method],
                        "kind": kind, "reason": edge_explain(snapshot.regime, method)})
    return out


# --- tables the pages show -------------------------------------------------------------------------------


def edge_regime_table(*, links: bool = False) -> str:
    """:func:`~neurotrace.claims.why.regime_table` of the edge-level registry ``EDGE_CIRCUITS``."""
    return regime_table(links=links, registry=EDGE_CIRCUITS)


# --- the facts of the part's pages -----------------------------------------------------------------------


def _cell(results, method, regime, n_edges) -> np.ndarray:
    """One cell's edge scores: ``(seeds, n_edges)``."""
    return results.importances[results.methods.index(method), index(results, regime), :, :n_edges]


def _structure_values(circuit) -> dict:
    """The numbers a page quotes about a network's shape (the regime's own, at seed 0)."""
    roles, nodes = edge_roles(circuit), node_roles(circuit)
    names = np.array(circuit.node_names)
    return {
        "n_hidden_layers": circuit.n_layers, "n_units": circuit.n_nodes - circuit.n_features,
        "n_inputs": circuit.n_features, "n_edges": circuit.n_edges, "n_true": int(circuit.causal_edges.sum()),
        "n_other": int((~circuit.causal_edges).sum()), "n_backup": int((roles == "backup").sum()),
        "n_decoy_edges": int((roles == "decoy").sum()), "n_dead_edges": int((roles == "dead").sum()),
        "skip_edges": _names(circuit, skip_edges(circuit)) or "none",
        "dead_units": ", ".join(names[circuit.n_features:][nodes[circuit.n_features:] == "dead"]) or "none",
        "decoy_units": ", ".join(names[circuit.n_features:][nodes[circuit.n_features:] == "decoy"]) or "none",
    }


def edge_regime_page(regime: str, results: Results, faith: np.ndarray, first_seed: EdgeSnapshot) -> Facts:
    """The facts an edge-level regime page states, from ``evaluate_edges(circuits=regime)``
    (``results``), ``faithfulness_of(results)`` (``faith``) and the seed-0 snapshot the page draws.

    Values: every method's mean AUROC, its standard error and its circuit's mean faithfulness
    (``auroc_<m>``, ``sem_<m>``, ``faith_<m>``), the settings, the network's shape, the fooled
    methods, the band, and the regime's own story (``EDGE_STORIES``). Claims: every method's
    verdict; the true circuit alone reproduces the network on every seed; every method that holds
    recovers a faithful circuit; and the story's.
    """
    check_choice(regime, EDGE_CIRCUITS, "edge-level circuit")
    if results.level != "edge" or faith.shape != results.auroc.shape:
        raise ValueError("edge_regime_page needs edge-level results and their faithfulness_of")
    if first_seed.regime != regime or first_seed.strength != results.strength:
        raise ValueError(f"first_seed must be {regime}'s snapshot at strength {results.strength:g}")
    j = index(results, regime)
    circuit = make_deep_circuit(regime, strength=results.strength, seed=0)
    mean, sem, fmean = results.mean()[:, j], results.sem()[:, j], faith.mean(axis=-1)[:, j]
    entry = EDGE_CIRCUITS[regime]
    fooled = [m for m in results.methods if m in entry.fools]
    values = {
        "seeds": results.seeds, "samples": results.samples, "n_methods": len(results.methods),
        "fooled": ", ".join(fooled) or "none", "n_fooled": len(fooled), "target": entry.target or "none",
        "band": ", ".join(f"{s:g}" for s in BAND), "explorer_top": EDGE_EXPLORER_TOP,
        "holds_at": HOLDS_AT, "fooled_below": FOOLED_BELOW, **_structure_values(circuit),
    }
    for i, method in enumerate(results.methods):
        values[f"auroc_{method}"] = float(mean[i])
        values[f"sem_{method}"] = float(sem[i])
        values[f"faith_{method}"] = float(fmean[i])
    truth = [faithfulness(c, default_data(c, results.samples), c.causal_edges, make_rng("faithfulness", c.seed))
             for c in seed_circuits(regime, results)]
    values["true_faith"] = float(min(truth))
    holding = [i for i, m in enumerate(results.methods) if verdict(mean[i]) == "holds"]
    claims = {
        **cell_claims(results, regime),  # expectation() reads either registry
        f"the true circuit of {regime} alone reproduces the network on every seed (faithfulness at least "
        f"{HOLDS_AT})": min(truth) >= HOLDS_AT,
        f"every method that holds on {regime} recovers a faithful circuit (mean faithfulness at least {HOLDS_AT})":
            all(fmean[i] >= HOLDS_AT for i in holding),
        "no edge of the dead branch reaches the output":
            not reaches_output(circuit)[circuit.edges.target[edge_roles(circuit) == "dead"]].any(),
        "every edge of the circuit lies on a path to the output":
            bool(reaches_output(circuit)[circuit.edges.target[circuit.causal_edges]].all()),
    }
    facts = Facts(values, claims)
    story = EDGE_STORIES.get(regime)
    return facts | story(circuit, results, faith, first_seed) if story else facts


def _clean_paths_story(circuit, results, faith, first_seed) -> Facts:
    j = index(results, "clean_paths")
    honest = [i for i, f in enumerate(families(results)) if f != "baseline"]
    e = circuit.edges
    return Facts({"random_faith": float(faith[results.methods.index("random"), j].mean())}
                 if "random" in results.methods else {}, {
        "every method but the random baseline recovers the circuit on every seed":
            bool(np.all(results.auroc[honest, j] >= HOLDS_AT)),
        "every method but the random baseline recovers a faithful circuit on every seed":
            bool(np.all(faith[honest, j] >= HOLDS_AT)),
        "on every seed every method but the random baseline recovers exactly the true circuit (its top edges, as many "
        "as the circuit has, whole ties only)": all(
            np.array_equal(recovered(_cell(results, results.methods[i], "clean_paths", circuit.n_edges)[s],
                                     int(circuit.causal_edges.sum())), circuit.causal_edges)
            for i in honest for s in range(results.seeds)),
        "the clean_paths network is the same at every strength (0, 1, 2)":
            all(np.array_equal(make_deep_circuit("clean_paths", strength=s).edges.weight, e.weight)
                for s in (0.0, 1.0, 2.0)),
        "the skip edge is in the circuit": bool(circuit.causal_edges[skip_edges(circuit)].all()),
    })


def _saturated(circuit, X, units) -> bool:
    """Every unit of ``units`` (node indices) has slope exactly 0 at every sample of ``X``."""
    Z, _ = circuit.run(X)
    for k in range(1, circuit.n_layers + 1):
        cols = circuit.columns(k)
        mine = [u - cols.start for u in units if cols.start <= u < cols.stop]
        if mine and np.any(circuit.dphi(Z[k - 1][:, mine]) != 0):
            return False
    return True


def _backup_story(circuit, results, faith, first_seed) -> Facts:
    roles = edge_roles(circuit)
    backup, primary = roles == "backup", roles == "causal"
    e = circuit.edges
    n = circuit.n_edges
    X = default_data(circuit, results.samples)
    knockouts = [edge_effects(circuit, X, corrupted_inputs(X, corruption, make_rng("knockout", 0)))
                 for corruption in ("resample", "zero")]
    chain = (primary | backup) & (e.target < circuit.n_nodes) & (e.layer < circuit.n_layers)  # into u, ub, m
    chain_units = sorted(set(e.target[chain].tolist()))
    j = index(results, "backup_path")
    seeds = seed_circuits("backup_path", results)
    k = int(circuit.causal_edges.sum())
    claims = {
        "on seed 0 knocking out any one backup-route edge changes the output by exactly 0 at every sample, "
        "whether the edge then carries another sample's activation or the absent reference's":
            all(np.all(effects[:, backup] == 0.0) for effects in knockouts),
        "edge patching scores every backup-route edge exactly 0 on every seed":
            bool(np.all(_cell(results, "edge_patching", "backup_path", n)[:, backup] == 0.0)),
        "ACDC scores every backup-route edge exactly 0 on every seed: removing it never moved the output":
            bool(np.all(_cell(results, "acdc", "backup_path", n)[:, backup] == 0.0)),
        "edge denoising scores every backup-route edge above 0 on every seed":
            bool(np.all(_cell(results, "edge_denoising", "backup_path", n)[:, backup] > 0.0)),
        "on seed 0 every unit of the chains and their backups is saturated: its slope is exactly 0 at every sample":
            _saturated(circuit, X, chain_units),
        "EAP scores every edge into a chain unit exactly 0 on every seed":
            bool(np.all(_cell(results, "eap", "backup_path", n)[:, chain] == 0.0)),
        "EAP's recovered circuit is no better than nothing: its faithfulness is exactly 0 on every seed":
            bool(np.all(faith[results.methods.index("eap"), j] == 0.0)),
    }
    for method in ("edge_patching", "acdc"):
        scores = _cell(results, method, "backup_path", n)
        kept = [recovered(scores[s], k) for s in range(results.seeds)]
        claims[f"on every seed {method}'s top {k} edges (whole ties) are exactly the primary route: every primary "
               "edge, no backup-route edge, nothing else"] = all(np.array_equal(kp, primary) for kp in kept)
        claims[f"on every seed {method}'s recovered circuit is faithful (at least {HOLDS_AT})"] = \
            bool(np.all(faith[results.methods.index(method), j] >= HOLDS_AT))
    claims["the backup route has the same structure on every seed"] = \
        all(np.array_equal(edge_roles(c), roles) for c in seeds)
    values = {"n_primary": int(primary.sum()), "gain_control": BACKUP_CONTROL_GAIN, "gain": BACKUP_GAIN,
              "complete": BACKUP_COMPLETE, "backup_share": BACKUP_SHARE}
    values["eap_ig_seeds"] = SWEEP_SEEDS
    return Facts(values, claims) | eap_ig_nodes(seeds=SWEEP_SEEDS, samples=results.samples) | acdc_thresholds()


def _cancelling_story(circuit, results, faith, first_seed) -> Facts:
    roles = edge_roles(circuit)
    decoy = roles == "decoy"
    e = circuit.edges
    n = circuit.n_edges
    into_fork = decoy & (e.source < circuit.n_features)
    past_fork = decoy & ~into_fork
    gap = 0.0
    for c in seed_circuits("cancelling_paths", results):
        X = default_data(c, results.samples)
        control = make_deep_circuit("cancelling_paths", strength=CONTROL, seed=c.seed)
        gap = max(gap, float(np.abs(c.forward(X) - control.forward(X)).max()))
    patch = _cell(results, "edge_patching", "cancelling_paths", n)
    joint = _cell(results, "joint_edge_patching", "cancelling_paths", n)
    corr = _cell(results, "edge_correlation", "cancelling_paths", n)
    truth = circuit.causal_edges
    groups = edge_groups(circuit)
    return Facts({
        "cancel_gap": gap, "cancel_below": power_of_ten_above(gap), "rounding": scientific(ROUNDING, 0),
        "n_past_fork": int(past_fork.sum()), "fork_edge": _names(circuit, into_fork),
        "past_fork_edges": _names(circuit, past_fork),
        "decoy_patch_min": float(patch[0, past_fork].min()), "true_patch_min": float(patch[0, truth].min()),
        "true_patch_max": float(patch[0, truth].max()),
    }, {
        f"on every seed the output at strength 1 equals the output at strength 0 at every sample, to rounding "
        f"(below {ROUNDING:g})": gap < ROUNDING,
        "on every seed each decoy edge past the fork alone moves the output more than the weakest true edge "
        "(edge patching)": bool(np.all(patch[:, past_fork].min(axis=1) > patch[:, truth].min(axis=1))),
        f"on every seed edge patching scores the edge into the fork 0 to rounding (below {ROUNDING:g})":
            bool(np.all(patch[:, into_fork] < ROUNDING)),
        "the decoy edges past the fork come in twin pairs (same group: they are patched together)":
            all((groups == groups[i]).sum() == 2 for i in np.flatnonzero(past_fork)),
        f"on every seed joint edge patching scores every decoy edge 0 to rounding (below {ROUNDING:g})":
            bool(np.all(joint[:, decoy] < ROUNDING)),
        "on every seed edge correlation ranks every decoy edge below every true edge":
            bool(np.all(corr[:, decoy].max(axis=1) < corr[:, truth].min(axis=1))),
    })


def _distractor_story(circuit, results, faith, first_seed) -> Facts:
    roles = edge_roles(circuit)
    decoy = roles == "decoy"
    e = circuit.edges
    n = circuit.n_edges
    truth = circuit.causal_edges
    patchers = [m for m in ("edge_patching", "edge_denoising", "joint_edge_patching", "node_patching", "eap",
                            "eap_ig", "acdc") if m in results.methods]
    corr = _cell(results, "edge_correlation", "distractor_path", n)
    control = make_deep_circuit("distractor_path", strength=CONTROL)
    return Facts({
        "distractor_input": f"x{DISTRACTOR_DECOY}", "distractor_edges": _names(circuit, decoy),
        "patchers": ", ".join(patchers),
        "corr_decoy_min": float(corr[0, decoy].min()), "corr_true_min": float(corr[0, truth].min()),
        "n_outranked": int((corr[0, truth] < corr[0, decoy].min()).sum()),
    }, {
        "no edge of the distractor path reaches the output": not reaches_output(circuit)[e.target[decoy]].any(),
        "every method that patches, or reads the output's gradient, scores every distractor edge exactly 0 on "
        "every seed": all(np.all(_cell(results, m, "distractor_path", n)[:, decoy] == 0.0) for m in patchers),
        "on every seed edge correlation ranks every distractor edge above the weakest true edge":
            bool(np.all(corr[:, decoy].min(axis=1) > corr[:, truth].min(axis=1))),
        "at strength 0 the distractor input is independent noise: its row of the mixing matrix is the identity's":
            bool(np.array_equal(control.mixing[DISTRACTOR_DECOY], np.eye(circuit.n_features)[DISTRACTOR_DECOY])),
        "the distractor path is the same at every strength (only the data change)":
            all(np.array_equal(make_deep_circuit("distractor_path", strength=s).edges.weight, e.weight)
                for s in (0.0, 1.0, 2.0)),
    })


EDGE_STORIES = {
    "clean_paths": _clean_paths_story, "backup_path": _backup_story, "cancelling_paths": _cancelling_story,
    "distractor_path": _distractor_story,
}
"""Edge-level regime -> its page's own facts ``(circuit, results, faith, first_seed) -> Facts``."""


def edge_controls(results: Results) -> Facts:
    """Strength 0 on every edge-level regime (``evaluate_edges(strength=0)``): every method but the
    random baseline holds. Values: ``control_min``, the lowest such mean."""
    if results.strength != CONTROL or results.level != "edge":
        raise ValueError(f"edge_controls needs edge-level results at strength {CONTROL:g}")
    honest = [i for i, family in enumerate(families(results)) if family != "baseline"]
    bad = cell_failures(results)
    return Facts({"control_min": float(results.mean()[honest].min()), "control_seeds": results.seeds},
                 {"every edge method but the random baseline holds on every edge-level regime at strength 0"
                  + (f" ({'; '.join(bad)})" if bad else ""): not bad})


def edge_part_page(results: Results, faith: np.ndarray) -> Facts:
    """The facts of the part's opening page: the edge table (:func:`edge_table_facts`), the truth's own
    faithfulness, the shared core's shape, and which methods hold everywhere.

    Values beyond ``edge_table_facts``: the core's shape (``core_*``, from ``clean_paths`` at seed 0),
    ``everywhere`` (the methods that hold on every regime), ``eap_faith_backup``. Claims: only joint
    edge patching holds on every regime; EAP's circuit on backup_path is no better than nothing.
    """
    core = make_deep_circuit("clean_paths")
    shape = {f"core_{k}": v for k, v in _structure_values(core).items()}
    mean = results.mean()
    everywhere = [m for i, m in enumerate(results.methods) if all(verdict(x) == "holds" for x in mean[i])]
    values = {**shape, "everywhere": ", ".join(everywhere) or "none", "n_chains": len(CHAINS),
              "holds_at": HOLDS_AT, "fooled_below": FOOLED_BELOW}
    claims = {}
    if "joint_edge_patching" in results.methods and len(results.circuits) > 1:
        claims["joint edge patching is the only edge method that holds on every edge-level regime"] = \
            everywhere == ["joint_edge_patching"]
    if "eap" in results.methods and "backup_path" in results.circuits:
        f = faith[results.methods.index("eap"), results.circuits.index("backup_path")]
        values["eap_faith_backup"] = float(f.mean())
        backup = make_deep_circuit("backup_path")
        scores = _cell(results, "eap", "backup_path", backup.n_edges)
        zeros = int((scores == 0.0).sum(axis=1).min())
        values["eap_zero_backup"], values["backup_n_edges"] = zeros, backup.n_edges
        claims["on backup_path EAP scores more than half of the edges exactly 0 on every seed"] = \
            zeros > backup.n_edges / 2
        claims["on backup_path EAP's recovered circuit is no better than nothing (faithfulness exactly 0 on every "
               "seed)"] = bool(np.all(f == 0.0))
    reach = reaches_output(core)
    claims["the dead branch of the shared core never reaches the output"] = \
        not reach[core.edges.target[edge_roles(core) == "dead"]].any()
    return edge_table_facts(results, faith) | true_circuits_are_faithful() | Facts(values, claims)


def acdc_default_tau() -> float:
    """The threshold ACDC uses by default (``discovery.acdc``'s ``tau``)."""
    return float(EDGE_METHODS["acdc"].fn.__kwdefaults__["tau"])


def acdc_thresholds(regime: str = "backup_path", taus=ACDC_TAUS, *, seed: int = 0) -> Facts:
    """What ACDC keeps on one seed of ``regime`` as its threshold ``tau`` rises: the backup page's tau slider.

    Values: ``tau_default``, ``tau_top``; at tau 0 (``acdc_kept_zero``), at the default
    (``acdc_true_default``, ``acdc_other_default``, ``acdc_faith_default``), the first tau of the grid
    that drops a primary edge (``acdc_tau_breaks``, ``acdc_faith_breaks``) and the top of the grid
    (``acdc_kept_top``, ``acdc_faith_top``). Claims: tau 0 keeps every edge; the default keeps exactly
    the primary route (no backup edge, nothing else) and its circuit is faithful; once a primary edge
    goes, faithfulness falls below ``FOOLED_BELOW``; the top of the grid keeps nothing.
    """
    taus = tuple(float(t) for t in taus)
    default = acdc_default_tau()
    if 0.0 not in taus or default not in taus:
        raise ValueError(f"taus must include 0 and ACDC's default {default:g}")
    circuit = make_deep_circuit(regime, seed=seed)
    roles = edge_roles(circuit)
    primary, backup = roles == "causal", roles == "backup"
    runs = {t: acdc_recovers(regime, t, seed=seed) for t in taus}
    at_default = runs[default]
    breaking = [t for t in taus if not runs[t]["kept"][primary].all()]
    first_break = breaking[0] if breaking else float("nan")
    top = runs[max(taus)]
    values = {"tau_default": default, "tau_top": max(taus), "acdc_kept_zero": int(runs[0.0]["kept"].sum()),
              "acdc_true_default": at_default["true_kept"], "acdc_other_default": at_default["false_kept"],
              "acdc_faith_default": at_default["faithfulness"], "acdc_tau_breaks": first_break,
              "acdc_faith_breaks": runs[first_break]["faithfulness"] if breaking else float("nan"),
              "acdc_kept_top": int(top["kept"].sum()), "acdc_faith_top": top["faithfulness"]}
    claims = {
        f"at tau 0 ACDC keeps every edge of {regime}": bool(runs[0.0]["kept"].all()),
        f"at its default tau {default:g} ACDC's circuit is faithful (at least {HOLDS_AT})":
            at_default["faithfulness"] >= HOLDS_AT,
        f"once ACDC drops a primary edge (from tau {first_break:g} on the grid) its circuit's faithfulness falls "
        f"below {FOOLED_BELOW}": bool(breaking) and all(runs[t]["faithfulness"] < FOOLED_BELOW for t in breaking),
        f"at the top of the grid (tau {max(taus):g}) ACDC keeps no edge": not top["kept"].any(),
    }
    if backup.any():
        claims["at every tau of the grid above 0 ACDC keeps no backup-route edge"] = \
            not any(runs[t]["kept"][backup].any() for t in taus if t > 0)
        claims[f"at its default tau {default:g} ACDC keeps exactly the primary route: every primary edge, no "
               "backup-route edge, nothing else"] = bool(np.array_equal(at_default["kept"], primary))
        same = [t for t in taus if np.array_equal(runs[t]["kept"], primary)]
        low, high = min(same, default=float("nan")), max(same, default=float("nan"))
        values["acdc_same_from"], values["acdc_same_to"] = low, high
        claims[f"every tau of the grid from {low:g} to {high:g} keeps exactly the primary route"] = bool(same) and all(
            np.array_equal(runs[t]["kept"], primary) for t in taus if min(same) <= t <= max(same))
    return Facts(values, claims)
