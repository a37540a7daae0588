"""The edge level's claims: the table of edge AUROCs, the faithfulness of the recovered circuits,
and the dissociations the book's part "From features to circuits" states.

Every regime of :data:`neurotrace.deep.EDGE_CIRCUITS` lists in ``fools`` every edge method it
makes fail at strength 1, with the reason; :func:`~neurotrace.claims.expectations.cell_failures`
checks the edge table as it checks the feature table (strength 0 a real control, ``fools``
complete on the band).
"""

from __future__ import annotations

import numpy as np

from .._rng import make_rng
from ..deep import EDGE_CIRCUITS, make_deep_circuit
from ..discovery import EDGE_METHODS, acdc_run, attribute_edges, faithfulness
from ..evaluate import Results
from ..scoring import auroc
from ._shared import cell_mean
from .expectations import HOLDS_AT, SAMPLES, SWEEP_SEEDS, cell_failures, fooled_where, verdict
from .facts import Facts

EAP_IG_ENOUGH = 512  # quadrature nodes that resolve the backup OR's narrow transitions (the prose quotes it)

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
        lowest = min(faithfulness(c, c.sample(samples, make_rng("data", s)), c.causal_edges,
                                  make_rng("faithfulness", s))
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
        X = c.sample(samples, make_rng("data", s))
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
    X = c.sample(samples, make_rng("data", seed))
    _, kept = acdc_run(c, X, make_rng("method", "acdc", seed), tau=tau)
    return {"kept": kept, "true_kept": int((kept & c.causal_edges).sum()),
            "false_kept": int((kept & ~c.causal_edges).sum()), "n_true": int(c.causal_edges.sum()),
            "faithfulness": faithfulness(c, X, kept, make_rng("faithfulness", seed))}
