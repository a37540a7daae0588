"""Assert the book's claims on the full table; exit non-zero with one line per failing cell.

    python -m evals.gate

Thin: what must hold lives in :mod:`neurotrace.claims`, written once. At the control strength
0 every method but the random baseline must hold on every regime. At each strength of
``claims.BAND`` a method must be fooled (mean AUROC below ``FOOLED_BELOW``) exactly where a
regime's ``fools`` lists it and hold (at least ``HOLDS_AT``) everywhere else -- so ``fools``
is complete and no failure goes unlisted. The random baseline sits within ``RANDOM_SE``
standard errors of 0.5, every scrambled-label cell within ``0.5 ± NULL_TOLERANCE``, and the
dissociations and neuron-level claims the book states hold. The edge level (deep networks,
``neurotrace.discovery``) is checked the same way: every cell at the control and across the band,
its scrambled-truth null, and the claims of its part of the book (the dissociations, faithful but
incomplete circuits, the truth's own faithfulness, EAP-IG's quadrature).
"""

from __future__ import annotations

import sys

from neurotrace import claims
from neurotrace.claims import edges as edge_claims

from .harness import run, run_band, run_edges, run_hidden


def failures(real, null, band=(), hidden=None, edges=None) -> list[str]:
    """One line per cell or claim that breaks an expectation; empty when everything holds.

    ``band``: further real-label Results at other strengths (the control 0, the band), checked
    cell by cell as well. ``hidden``: the neuron-level ``(task, effect)`` Results, whose claims
    are checked too. ``edges``: the edge level's tables (``harness.EdgeTables``), checked cell by
    cell (the real table and its band), against its null, and for its claims.
    """
    out = claims.cell_failures(real)
    for res in band:
        out += claims.cell_failures(res)
    out += claims.null_failures(null)
    stated = claims.table_facts(real)
    if hidden is not None:
        stated = stated | claims.neuron_facts(*hidden)
    if edges is not None:
        for res in (edges.real, *edges.band):
            out += claims.cell_failures(res, where=f" (edge level) at strength {res.strength:g}")
        out += [f"edge level {line}" for line in claims.null_failures(edges.null)]
        stated = (stated | edge_claims.edge_table_facts(edges.real, edges.faithfulness)
                  | edge_claims.true_circuits_are_faithful() | edge_claims.eap_ig_nodes())
    if not out:  # a failing cell already says what is wrong; the sentences are checked once the cells hold
        out += [f"claim: {sentence}" for sentence in stated.failed()]
    return out


def main(argv=None) -> int:
    real, null = run()
    band = [res for res in run_band() if res.strength != real.strength]
    edges = run_edges()
    bad = failures(real, null, band, hidden=run_hidden(), edges=edges)
    for line in bad:
        print(f"FAIL {line}")
    if not bad:
        strengths = ", ".join(f"{s:g}" for s in (claims.CONTROL, *claims.BAND))
        print(f"gate passed: {len(real.methods)} methods x {len(real.circuits)} circuits, "
              f"{real.seeds} seeds, strengths {strengths}; null over {null.seeds} seeds; neuron level; "
              f"edge level: {len(edges.real.methods)} edge methods x {len(edges.real.circuits)} deep circuits, "
              "the same strengths and null")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
