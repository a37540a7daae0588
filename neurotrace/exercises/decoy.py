"""Exercise 4 checker: a decoy of the student's own that fools one method but not another.

What a checker *can* verify, all measured with the library on the circuit's own data:

1. The labels are honest. Every causal feature moves the output (patching, the
   interventional measure, scores it above 0). Every other feature either has zero weight
   into the network or a net effect well below the weakest causal feature's -- otherwise
   it is part of the circuit, whatever the label says.
2. The chosen method is fooled: its mean AUROC falls below ``claims.FOOLED_BELOW`` *and* a
   decoy outranks a causal feature (so the drop is the decoy's doing, not noise).
3. The other method is not fooled: it holds (mean AUROC at least ``claims.HOLDS_AT``).
4. Strength 0 is a control: the decoy is switched off and the fooled method holds again.

The bars are the book's own (``neurotrace.claims``), the ones its regimes meet: a method a
regime does not list holds, a listed one is fooled, and at strength 0 every method holds.

What it cannot verify: that the decoy is plausible in a trained network, or that the
method is fooled on any data but the circuit's own distribution.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice
from ..circuits import Circuit
from ..claims import FOOLED_BELOW, HOLDS_AT
from ..evaluate import evaluate
from ..methods import METHODS
from ._feedback import Mistake, checker, fmt, not_written
from .registry import registered_circuit

# Fooled: mean AUROC below claims.FOOLED_BELOW (one decoy above all 4 causal features of the clean
# core already gives 0.875). Not fooled, and the control: mean AUROC at least claims.HOLDS_AT.
# A non-causal feature with weight may move the output by at most this fraction of the
# weakest causal feature's mean |patching effect| (the shipped suppressor's decoys stay below it).
DECOY_EFFECT_RATIO = 0.75
UNDER_TEST = "_decoy_under_test"
# The checker's first message on the starter stub: where to begin.
HINT = ("start from clean = nt.make_circuit(\"clean\", seed=seed) and append two hidden units that read one "
        "noise feature, as in the first of the Ideas above.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _build(builder, strength: float, seed: int) -> Circuit:
    where = f"(strength={strength}, seed={seed})"
    try:
        circuit = builder(strength=strength, seed=seed)
    except NotImplementedError:
        raise not_written("Your builder", HINT) from None
    except Exception as error:  # the student's bug is the feedback
        raise Mistake(f"Your builder raised {type(error).__name__}: {error} {where}; it must accept the "
                      "keyword arguments strength and seed.") from None
    if not isinstance(circuit, Circuit):
        raise Mistake(f"Your builder returned a {type(circuit).__name__} {where}; it must return an nt.Circuit.")
    return circuit


def _check_labels(c: Circuit) -> None:
    if not c.decoy.any():
        raise Mistake("no feature is marked as a decoy: set decoy=True for the feature(s) you planted.")
    both = np.flatnonzero(c.decoy & c.causal)
    if len(both):
        raise Mistake(f"feature f{both[0]} is marked both causal and decoy: a decoy is, by definition, not part "
                      "of the circuit.")
    if not c.causal.any() or c.causal.all():
        raise Mistake("the causal mask must mark some features causal and some not (AUROC needs both).")


def _check_honest(c_by_seed: list, patch: np.ndarray) -> str:
    """``patch``: mean |patching effect| ``(seeds, d)``. Returns a sentence describing the decoys."""
    c = c_by_seed[0]
    weakest = patch[:, c.causal].min(axis=1)  # (seeds,)
    dead = np.flatnonzero((patch[:, c.causal] <= 1e-9).all(axis=0))
    if len(dead):
        j = np.flatnonzero(c.causal)[dead[0]]
        raise Mistake(f"Causal feature f{j} does not move the output (patching scores it 0 on every seed): "
                      "only features that change the output belong in the causal mask.")
    ratio = patch / weakest[:, None]  # (seeds, d)
    described = []
    for j in np.flatnonzero(~c.causal):
        zero_weight = all(not ci.W[:, j].any() for ci in c_by_seed)
        worst = float(ratio[:, j].max())
        if not zero_weight and worst > DECOY_EFFECT_RATIO:
            role = "a decoy" if c.decoy[j] else "neither causal nor decoy"
            raise Mistake(
                f"Feature f{j} is labelled {role}, but it changes the output: patching it moves the output by "
                f"{fmt(worst)}x as much as the weakest causal feature on some seed (allowed "
                f"{DECOY_EFFECT_RATIO}x). A feature with that much net effect is part of the circuit: make its "
                "contributions cancel, or give it zero weight.")
        if c.decoy[j]:
            described.append(f"f{j} (zero weight)" if zero_weight
                             else f"f{j} (net effect at most {fmt(worst)}x the weakest causal feature's)")
    return ", ".join(described)


@checker("Exercise 4 (your own decoy)")
def check_decoy(builder, fools: str, not_fooled: str = "patching", *, seeds: int = 8, samples: int = 512) -> str:
    """Check ``builder(strength=1.0, seed=0) -> nt.Circuit``: an honest decoy that fools ``fools``
    but not ``not_fooled``, switched off at strength 0. Scored with ``nt.evaluate``."""
    for role, name in (("fools", fools), ("not_fooled", not_fooled)):
        try:
            check_choice(name, METHODS, f"method ({role}=)")
        except ValueError as error:
            raise Mistake(_capital(str(error)) + ".") from None
        if METHODS[name].family == "baseline":
            raise Mistake(f"The method {name!r} is a chance baseline: it is never right, so it cannot be fooled. "
                          "Pick a real method.")
    if fools == not_fooled:
        raise Mistake("The arguments fools and not_fooled name the same method: a decoy cannot both fool it and not.")
    circuits = [_build(builder, 1.0, seed) for seed in range(seeds)]
    _check_labels(circuits[0])
    claimed = circuits[0].fools
    if claimed and fools not in claimed:
        raise Mistake(f"Your circuit says it fools {', '.join(claimed)}, but you asked to check {fools!r}: "
                      "make the claim and the check agree.")
    _build(builder, 0.0, 0)

    methods = tuple(dict.fromkeys((fools, not_fooled, "patching")))
    with registered_circuit(UNDER_TEST, builder):
        real = evaluate(methods, UNDER_TEST, seeds=seeds, samples=samples, strength=1.0)
        control = evaluate(fools, UNDER_TEST, seeds=seeds, samples=samples, strength=0.0)
    decoys = _check_honest(circuits, real.importances[methods.index("patching"), 0])

    fooled_auroc = float(real.cell(fools, UNDER_TEST).mean())
    scores = real.importances[methods.index(fools), 0].mean(axis=0)  # mean over seeds, (d,)
    c = circuits[0]
    if not fooled_auroc < FOOLED_BELOW:
        raise Mistake(f"The method {fools} is not fooled: its mean AUROC is {fooled_auroc:.3f} over {seeds} seeds "
                      f"(fooled means below {FOOLED_BELOW}). Make the decoy stronger, so that {fools} ranks it "
                      "above the causal features.")
    if scores[c.decoy].max() <= scores[c.causal].min():
        raise Mistake(f"The AUROC of {fools} drops to {fooled_auroc:.3f}, but not because of your decoy: no decoy "
                      "outranks a causal feature on average. Look at which features it does rank high.")
    honest_auroc = float(real.cell(not_fooled, UNDER_TEST).mean())
    if honest_auroc < HOLDS_AT:
        how = "is fooled too" if honest_auroc < FOOLED_BELOW else "does not hold"
        raise Mistake(f"The method {not_fooled} {how}: its mean AUROC is {honest_auroc:.3f} (not fooled means it "
                      f"holds, {HOLDS_AT} or more). Your decoy must fool {fools} but not {not_fooled}.")
    control_auroc = float(control.cell(fools, UNDER_TEST).mean())
    if control_auroc < HOLDS_AT:
        how = "is still fooled" if control_auroc < FOOLED_BELOW else "does not hold"
        raise Mistake(f"at strength 0 {fools} {how} (mean AUROC {control_auroc:.3f}, below {HOLDS_AT}): strength 0 "
                      "must switch the decoy off, so the control shows the failure comes from the decoy.")
    return (f"An honest decoy: {decoys}. {fools} is fooled (mean AUROC {fooled_auroc:.3f}), {not_fooled} is "
            f"not ({honest_auroc:.3f}), and at strength 0 {fools} recovers ({control_auroc:.3f}). Checked on "
            f"your circuit's own data, {seeds} seeds x {samples} samples.")
