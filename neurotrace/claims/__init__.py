"""The book's claims: the thresholds, written once, and the facts each page states.

Every sentence the book repeats -- a method "holds", "is fooled", "fails only where a regime
lists it", "strength 0 is a control" -- is a function here, computed from ``evaluate`` /
``sweep`` results. A page calls one function, gets :class:`Facts` (the numbers its prose
quotes and the claims those numbers support), and publishes them; ``python -m evals.gate``
and the tests call the same functions, so a claim that stops being true fails the tests,
not only the book build.

The thresholds:

- ``HOLDS_AT``: a method *holds* (recovers the circuit) when its mean AUROC is at least this.
- ``FOOLED_BELOW``: a method *is fooled* when its mean AUROC falls below this.
- ``CONTROL``: the control strength; there every method but the random baseline holds.
- ``BAND``: the strengths at which a regime's ``fools`` must be exactly the methods that fail.
- ``NULL_TOLERANCE``, ``RANDOM_SE``: the scrambled-label null and the random baseline's bars.

numpy only. ``Facts.publish`` checks the claims and binds the values as names in the running
notebook, which the prose reads with myst-nb's ``{eval}`` role: in the built book and in
JupyterLab with jupyterlab-myst alike (see :mod:`neurotrace.claims.facts`).

The package, one module per kind of fact:

- ``expectations``: the thresholds and reference settings (the only module that holds them),
  ``verdict``, ``expectation`` and the cell-by-cell checks the gate runs.
- ``facts``: :class:`Facts` and :class:`ClaimError`.
- ``why``: ``explain`` (why a method fails where it fails), ``DIAGNOSES``, ``regime_table``, ``why_table``.
- ``regimes``: ``regime_page``, each regime's story (``STORIES``) and ``phase``; ``switches``: the
  two switch regimes' stories and where their slopes vanish.
- ``results_page``: the full table, the controls, the null, the sweeps, IG beyond the grid, the
  sanity check; ``neurons``: the neuron level.
- ``method_sections``, ``instructors``, ``your_method``: the methods page, the instructor's guide,
  and "Evaluate your own method".
"""

from .expectations import (
    BAND,
    BRUTE_SAMPLES,
    BUMP_SEEDS,
    CONTROL,
    EAP_IG_ENOUGH,
    FOOLED_BELOW,
    GAP_STEPS,
    GAP_TOL,
    HOLDS_AT,
    IG_FAR,
    IG_INPUTS,
    IG_NODES,
    IG_STEEP,
    IG_STEPS,
    NULL_SEEDS,
    NULL_TOLERANCE,
    RANDOM_SE,
    RESAMPLE_SAMPLES,
    ROUNDING,
    SAMPLES,
    SANITY_SAMPLES,
    SANITY_SEEDS,
    SEEDS,
    STRENGTH,
    SWEEP_SEEDS,
    cell_failures,
    expectation,
    fooled_where,
    listed_where,
    null_failures,
    verdict,
)
from .facts import ClaimError, Facts, power_of_ten_above, scientific
from .instructors import instructors_page
from .method_sections import method_table, methods_page
from .neurons import SINGLE_UNIT_METHODS, cancellation, neuron_facts, neuron_page, neuron_table, unit_summary
from .regimes import STORIES, phase, regime_page
from .results_page import (
    controls,
    ig_quadrature,
    null_facts,
    sanity_facts,
    sanity_page,
    sweeps_page,
    switch_sweeps,
    table_facts,
)
from .switches import SLOPE_METHODS, SLOPES_AT_DATA
from .why import DIAGNOSES, explain, regime_table, why_table
from .your_method import (
    CAPTUM_SAMPLES,
    CAPTUM_SEEDS,
    captum_findings,
    captum_lead,
    captum_missing,
    captum_section,
    your_method_page,
)

__all__ = [
    "HOLDS_AT", "FOOLED_BELOW", "CONTROL", "BAND", "NULL_TOLERANCE", "RANDOM_SE", "SEEDS", "SAMPLES", "STRENGTH",
    "NULL_SEEDS", "SWEEP_SEEDS", "IG_FAR", "SANITY_SEEDS", "SANITY_SAMPLES", "IG_INPUTS", "IG_NODES", "IG_STEEP",
    "RESAMPLE_SAMPLES", "ROUNDING", "EAP_IG_ENOUGH", "BRUTE_SAMPLES", "IG_STEPS", "GAP_STEPS", "GAP_TOL",
    "BUMP_SEEDS", "ClaimError", "Facts",
    "scientific", "power_of_ten_above",
    "verdict", "expectation", "cell_failures", "null_failures", "fooled_where", "listed_where", "DIAGNOSES",
    "explain", "regime_table", "why_table", "regime_page", "STORIES", "phase", "SLOPE_METHODS", "SLOPES_AT_DATA",
    "table_facts", "controls", "null_facts", "switch_sweeps", "sweeps_page", "ig_quadrature", "sanity_facts",
    "sanity_page", "SINGLE_UNIT_METHODS", "unit_summary", "cancellation", "neuron_table", "neuron_facts",
    "neuron_page", "methods_page", "method_table", "instructors_page", "your_method_page", "captum_section",
    "captum_findings", "captum_lead", "captum_missing", "CAPTUM_SEEDS", "CAPTUM_SAMPLES",
]
