"""Compiled circuits: one-hidden-layer networks whose causal features are known by construction.

A circuit computes ``y = v . phi(W x + b)`` with weights set by hand; features f0..f3 are
the causal ones in every regime. The decoy regimes (``confounded``, ``suppressor``) keep the
causal core -- one tanh unit per causal feature -- and plant their decoy on features f6 and
f7; the switch regimes (``redundant``, ``interaction``) rewire f0..f3 into OR / AND gates of
+/-1 switches. The other features are independent noise, and four idle units (output weight
0) read some of them. Each regime has a continuous ``strength``: 0 is the control (for the
decoy regimes the circuit is then identical to ``clean``; for the switch regimes every
feature gets its own unsaturated pathway, an additive circuit), 1 is the tuned point of the
results table, larger values make the decoy stronger (the switch regimes' saturated gates are
complete from ``Regime.complete`` = 0.5 on).

``CIRCUITS`` is the registry: one :class:`Regime` per name, holding its builder and what it
claims -- a description, ``fools`` (every method it makes fail at strength 1, each with the
reason) and the strength from which it stops changing -- readable without building anything.

The data distribution belongs to the circuit: ``X = Z @ mixing.T`` with ``Z ~ N(0, I)``, so a
confounder can live in the data while having exactly zero weight into the network.
"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass, field, replace

import numpy as np

from ._checks import check_choice, check_seed, check_strength
from ._rng import make_rng
from .activations import ACTIVATIONS

N_FEATURES = 12
CAUSAL_FEATURES = (0, 1, 2, 3)
DECOY_FEATURES = (6, 7)


@dataclass(frozen=True, eq=False)
class Circuit:
    """A compiled network with its ground truth and its data distribution.

    Shapes: ``W (n_hidden, n_features)``, ``b (n_hidden,)``, ``v (n_hidden,)``,
    ``causal``/``decoy`` bool ``(n_features,)``, ``hidden_causal`` bool ``(n_hidden,)``,
    ``mixing (n_features, n_features)``, ``switches`` bool ``(n_features,)``.

    Data: ``X = Z @ mixing.T`` with ``Z ~ N(0, I)``; a feature marked in ``switches`` is then
    replaced by its sign (a +/-1 switch whose "absent" value is 0, the mean).
    """

    name: str
    strength: float
    W: np.ndarray
    b: np.ndarray
    v: np.ndarray
    activation: str
    causal: np.ndarray
    decoy: np.ndarray
    mixing: np.ndarray
    hidden_causal: np.ndarray
    description: str = ""
    fools: tuple = ()
    seed: int = 0
    switches: np.ndarray | None = None
    phi: object = field(init=False, repr=False)
    dphi: object = field(init=False, repr=False)

    def __post_init__(self):
        check_choice(self.activation, ACTIVATIONS, "activation")
        for name in ("W", "b", "v", "mixing"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)  # frozen means frozen: no silent edits to weights
            object.__setattr__(self, name, arr)
        if self.switches is None:
            object.__setattr__(self, "switches", np.zeros(self.W.shape[1], dtype=bool))
        for name in ("causal", "decoy", "hidden_causal", "switches"):
            arr = np.array(getattr(self, name), dtype=bool)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        h, d = self.W.shape
        if self.b.shape != (h,) or self.v.shape != (h,):
            raise ValueError(f"b and v must have shape ({h},) to match W {self.W.shape}")
        if (self.causal.shape != (d,) or self.decoy.shape != (d,) or self.switches.shape != (d,)
                or self.mixing.shape != (d, d)):
            raise ValueError(f"causal, decoy, switches and mixing must match the {d} features of W")
        if self.hidden_causal.shape != (h,):
            raise ValueError(f"hidden_causal must have shape ({h},)")
        phi, dphi = ACTIVATIONS[self.activation]
        object.__setattr__(self, "phi", phi)
        object.__setattr__(self, "dphi", dphi)

    @property
    def n_features(self) -> int:
        return self.W.shape[1]

    @property
    def n_hidden(self) -> int:
        return self.W.shape[0]

    def _check_X(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"X must have shape (n_samples, {self.n_features}) (got {X.shape})"
            )
        return X

    @functools.cached_property
    def connections(self):
        """The non-zero weights as ``(units, features)`` index arrays, unit-major: which hidden
        unit reads which feature. Computed once per circuit (the weights are frozen)."""
        units, features = np.nonzero(self.W)
        units.setflags(write=False)
        features.setflags(write=False)
        return units, features

    def preactivation(self, X) -> np.ndarray:
        """``X (n, n_features) -> Z = X W^T + b  (n, n_hidden)``."""
        return self._check_X(X) @ self.W.T + self.b

    def hidden(self, X) -> np.ndarray:
        """Hidden activations ``phi(W x + b)``: ``(n, n_hidden)``."""
        return self.phi(self.preactivation(X))

    def forward(self, X) -> np.ndarray:
        """Output ``y = v . phi(W x + b)``: ``X (n, n_features) -> (n,)``."""
        return self.hidden(X) @ self.v

    def gradient(self, X) -> np.ndarray:
        """Analytic input gradient ``dy/dx = (v * phi'(z)) W``: ``(n, n_features)``."""
        return (self.dphi(self.preactivation(X)) * self.v) @ self.W

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``X (n, n_features)`` from the circuit's data distribution."""
        Z = rng.standard_normal((int(n), self.n_features))
        X = Z @ self.mixing.T
        if self.switches.any():
            X[:, self.switches] = np.sign(X[:, self.switches])
        return X


# --- the shared causal core ----------------------------------------------------------------


IDLE_FEATURES = (4, 5, 8, 9)


def _core(seed: int):
    """Per-seed weights of the causal core: unit i reads feature i.

    Input gains and output weights are jittered around 1 (signs random) so that the causal
    features differ in importance and the seeds are not 16 copies of one network.
    Four idle units follow: they read noise features but have output weight 0, so they are
    live (their activations vary) yet carry nothing -- the non-causal units that give the
    neuron-level ground truth both classes. They change no input-level number.
    Returns ``W (8, 12), b (8,), v (8,), hidden_causal (8,)``.
    """
    rng = make_rng("circuit", seed)
    n = len(CAUSAL_FEATURES)
    w = rng.uniform(0.75, 1.25, n)
    v = rng.uniform(0.75, 1.25, n) * rng.choice([-1.0, 1.0], n)
    w_idle = rng.uniform(0.75, 1.25, len(IDLE_FEATURES))
    W = np.zeros((n + len(IDLE_FEATURES), N_FEATURES))
    W[np.arange(n), CAUSAL_FEATURES] = w
    W[n + np.arange(len(IDLE_FEATURES)), IDLE_FEATURES] = w_idle
    v = np.concatenate([v, np.zeros(len(IDLE_FEATURES))])
    return W, np.zeros(len(v)), v, v != 0


def _mask(indices) -> np.ndarray:
    m = np.zeros(N_FEATURES, dtype=bool)
    m[list(indices)] = True
    return m


def clean(strength: float = 1.0, seed: int = 0) -> Circuit:
    """The control: the causal core and ten independent noise features, no decoy.

    Every honest method should rank f0..f3 on top. ``strength`` is accepted and ignored.
    """
    W, b, v, hidden_causal = _core(seed)
    return Circuit(
        name="clean", strength=float(strength), W=W, b=b, v=v, activation="tanh",
        causal=_mask(CAUSAL_FEATURES), decoy=_mask(()), mixing=np.eye(N_FEATURES),
        hidden_causal=hidden_causal, seed=seed,
    )


# Confounder: x_decoy = (kappa*s*drive + noise) / sqrt(1 + (kappa*s)^2), so its correlation
# with the network's linear drive is kappa*s / sqrt(1 + (kappa*s)^2) (0.89 at s = 1).
CONFOUNDER_KAPPA = 2.0


def confounded(strength: float = 1.0, seed: int = 0) -> Circuit:
    """Correlation decoy: f6, f7 are noisy copies of the network's drive with zero weight.

    The decoys never enter the network (their columns of W are exactly zero), yet in the
    data they track ``sum_i v_i w_i x_i`` -- the direction the output moves in -- so
    |corr(x_decoy, y)| beats every causal feature's. Correlation cannot tell that apart from
    causation; gradient, IG and patching see zero weight and score the decoys 0.
    """
    W, b, v, hidden_causal = _core(seed)
    n = len(CAUSAL_FEATURES)
    drive = np.zeros(N_FEATURES)
    drive[list(CAUSAL_FEATURES)] = v[:n] * W[np.arange(n), CAUSAL_FEATURES]
    drive /= np.linalg.norm(drive)  # unit variance under Z ~ N(0, I)
    a = CONFOUNDER_KAPPA * strength
    mixing = np.eye(N_FEATURES)
    for j in DECOY_FEATURES:
        row = a * drive
        row[j] = 1.0
        mixing[j] = row / np.sqrt(1.0 + a * a)
    return Circuit(
        name="confounded", strength=float(strength), W=W, b=b, v=v, activation="tanh",
        causal=_mask(CAUSAL_FEATURES), decoy=_mask(DECOY_FEATURES), mixing=mixing,
        hidden_causal=hidden_causal, seed=seed,
    )


# Suppressor gates on a decoy x: two tanh units  s*A*[tanh(k s (x-c) + m) - tanh(k s (x-c) - m)].
# Outside a window of half-width m/(k s) around c both gates saturate at the same value and
# cancel exactly; inside it the output jumps up and back down. Raising s makes the edges
# steeper (mean |gradient| grows like s) while the window narrows like 1/s, so the net
# effect of moving x -- what patching and IG measure -- stays roughly constant.
SUPPRESSOR_AMPLITUDE = 2.0
SUPPRESSOR_GAIN = 32.0
SUPPRESSOR_MARGIN = 1.5
SUPPRESSOR_CENTRES = (0.5, -0.5)


def suppressor(strength: float = 1.0, seed: int = 0) -> Circuit:
    """Gradient decoy: f6, f7 each feed two near-cancelling saturated tanh gates.

    The pair's contributions cancel wherever both gates saturate, so the decoy's net effect
    on the output is ~0 (patching and IG score it low), but at the gates' edges the local
    slope is steep, so mean |dy/dx| ranks the decoys above every causal feature.
    """
    W0, b0, v0, hc0 = _core(seed)
    s, k, m, A = strength, SUPPRESSOR_GAIN, SUPPRESSOR_MARGIN, SUPPRESSOR_AMPLITUDE
    rows, bias, out = [W0], [b0], [v0]
    for j, c in zip(DECOY_FEATURES, SUPPRESSOR_CENTRES, strict=True):
        Wg = np.zeros((2, N_FEATURES))
        Wg[:, j] = k * s
        rows.append(Wg)
        bias.append(np.array([-k * s * c + m, -k * s * c - m]))
        out.append(np.array([A * s, -A * s]))
    return Circuit(
        name="suppressor", strength=float(strength), W=np.vstack(rows),
        b=np.concatenate(bias), v=np.concatenate(out), activation="tanh",
        causal=_mask(CAUSAL_FEATURES), decoy=_mask(DECOY_FEATURES), mixing=np.eye(N_FEATURES),
        hidden_causal=np.concatenate([hc0, np.zeros(2 * len(DECOY_FEATURES), dtype=bool)]), seed=seed,
    )


# Switch regimes: f0..f3 are +/-1 switches whose "absent" value 0 is also the reference
# input (IG's baseline, denoising's corrupted input, Shapley's absent value). Strength moves
# each pair from an additive, unsaturated circuit (strength 0: every switch has a pathway of
# its own, tanh(x) with gain 1, so every method sees it) into a saturated OR / AND gate
# (complete at SWITCH_COMPLETE): the gate's share grows linearly and the gain geometrically,
# from SWITCH_CONTROL_GAIN to SWITCH_GAIN. At gain 40 every unit sits at tanh = +/-1 *exactly*
# in float64 (|z| >= 20): a knocked-out backup or a half-restored AND changes the output by
# exactly 0, not 1e-9 -- and tanh' = 1 - tanh^2 is exactly 0 at every data point, so the
# slope-based methods see nothing either (listed in each regime's ``fools``).
SWITCH_GAIN = 40.0
SWITCH_CONTROL_GAIN = 1.0
SWITCH_COMPLETE = 0.5  # strength from which the OR / AND gate has fully replaced the own pathways
PAIRS = ((0, 1), (2, 3))


def switch_share(strength: float) -> tuple[float, float]:
    """``(share, gain)`` of the switch regimes' gates at ``strength``: the gate's share of each
    pair's output (0 = additive, 1 = the complete gate) and every unit's input gain."""
    share = min(1.0, float(strength) / SWITCH_COMPLETE)
    return share, SWITCH_CONTROL_GAIN * (SWITCH_GAIN / SWITCH_CONTROL_GAIN) ** share


def _switch_circuit(name, strength, seed, units, mixing):
    """Assemble a switch regime from ``units``: rows ``(w_row, bias, out_weight)``."""
    W0, b0, v0, hc0 = _core(seed)
    n = len(CAUSAL_FEATURES)
    W = np.vstack([np.array([u[0] for u in units]), W0[n:]])
    b = np.concatenate([[u[1] for u in units], b0[n:]])
    v = np.concatenate([[u[2] for u in units], v0[n:]])
    return Circuit(
        name=name, strength=float(strength), W=W, b=b, v=v, activation="tanh",
        causal=_mask(CAUSAL_FEATURES), decoy=_mask(()), mixing=mixing,
        hidden_causal=v != 0, seed=seed, switches=_mask(CAUSAL_FEATURES),
    )


def _row(**weights):
    row = np.zeros(N_FEATURES)
    for key, value in weights.items():
        row[int(key[1:])] = value
    return row


def _pair_weights(v0, first, second):
    """Output weights of a pair's own pathways: the first switch's, and the second's size with
    the first's sign, so that a pair pushes the output one way and its two pathways never
    cancel in the data (at strength 0 a backup copies its primary)."""
    return v0[first], abs(v0[second]) * np.sign(v0[first])


def redundant(strength: float = 1.0, seed: int = 0) -> Circuit:
    """OR / backup: f1 and f3 copy f0 and f2 and take over only when the primary is absent.

    Complete (strength >= 0.5), each pair is one saturated gate ``tanh(G (x_primary +
    x_backup / 2))``: with the primary present (+/-1) its sign decides and the backup is
    ignored; with the primary absent (0) the backup alone sets the output. So knocking out
    one feature -- by resampling it or zeroing it -- changes the output by exactly 0 for the
    backups: single-feature noising patching ties them with the noise features. Restoring one
    feature into the all-absent reference (denoising) or sharing credit over coalitions
    (Shapley) finds both.

    At strength 0 (the control) each switch has its own unsaturated pathway ``tanh(x)``: an
    additive circuit every method reads. Between, the backup's own pathway fades as it moves
    into the primary's gate, and the gain rises (:func:`switch_share`).
    """
    _, _, v0, _ = _core(seed)
    share, G = switch_share(strength)
    units = []
    for primary, backup in PAIRS:
        v_primary, v_backup = _pair_weights(v0, primary, backup)
        units.append((_row(**{f"f{primary}": G, f"f{backup}": G * share / 2}), 0.0, v_primary))
        units.append((_row(**{f"f{backup}": G}), 0.0, (1.0 - share) * v_backup))
    mixing = np.eye(N_FEATURES)
    for primary, backup in PAIRS:
        mixing[backup] = mixing[primary]  # the backup carries the same signal
    return _switch_circuit("redundant", strength, seed, units, mixing)


AND_THRESHOLD = 1.5  # an AND gate fires when x_a + x_b passes 1.5: both switches at +1 (or -1)


def interaction(strength: float = 1.0, seed: int = 0) -> Circuit:
    """AND: f0 & f1 and f2 & f3 matter only jointly.

    Complete (strength >= 0.5), each pair drives ``+v`` when both switches are +1, ``-v``
    when both are -1, and 0 otherwise (two saturated gates ``tanh(G (+/-(x_a + x_b) -
    1.5))``; the sign of ``v`` is the pair's, drawn per seed). Restoring a single feature into
    the all-absent reference leaves the output exactly unchanged, so denoising patching scores
    every causal feature 0 -- the mirror image of ``redundant``. Knocking one out (noising
    patching) or Shapley finds them.

    At strength 0 (the control) each switch has its own unsaturated pathway ``tanh(x)``: an
    additive circuit every method reads. Between, the own pathways fade as the AND takes their
    share, and the gain rises (:func:`switch_share`).
    """
    _, _, v0, _ = _core(seed)
    share, G = switch_share(strength)
    t, units = AND_THRESHOLD, []
    for a, b in PAIRS:
        v_a, v_b = _pair_weights(v0, a, b)
        units.append((_row(**{f"f{a}": G, f"f{b}": G}), -t * G, share * v_a / 2))
        units.append((_row(**{f"f{a}": -G, f"f{b}": -G}), -t * G, -share * v_a / 2))
        units.append((_row(**{f"f{a}": G}), 0.0, (1.0 - share) * v_a))
        units.append((_row(**{f"f{b}": G}), 0.0, (1.0 - share) * v_b))
    return _switch_circuit("interaction", strength, seed, units, np.eye(N_FEATURES))


# --- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Regime:
    """A registered regime: its builder and what it claims, readable without building it.

    ``build(strength, seed) -> Circuit``. ``fools`` maps every method whose mean AUROC the
    regime brings below the "fooled" bar at strength 1 to the reason, in a sentence; the
    first is the method the regime is built to fool (its target), the rest fail for a stated
    side reason. ``complete``: the strength from which the circuit stops changing (``None``:
    it keeps changing). Calling a regime builds its circuit, with ``description`` and
    ``fools`` filled in.
    """

    name: str
    build: object
    description: str
    fools: dict
    complete: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "fools", types.MappingProxyType(dict(self.fools)))

    @property
    def target(self) -> str | None:
        """The method the regime is built to fool (``None`` for a control)."""
        return next(iter(self.fools), None)

    def __call__(self, strength: float = 1.0, seed: int = 0) -> Circuit:
        # The documented range (0 to _checks.MAX_STRENGTH), where every regime is computed correctly.
        circuit = self.build(strength=check_strength(strength), seed=check_seed(seed))
        return replace(circuit, description=self.description, fools=tuple(self.fools))


_SATURATED = "the gates are saturated at every sample, so the slope is exactly 0 for every feature"

CIRCUITS = {r.name: r for r in (
    Regime(
        "clean", clean,
        "control: the causal core with no decoy; every method should recover f0-f3",
        fools={}, complete=0.0,
    ),
    Regime(
        "confounded", confounded,
        "f6, f7 are correlated with the output through the data but have exactly zero weight into "
        "the network: fools correlation, not causal methods",
        fools={"correlation": "f6, f7 move with the output in the data, but the network never reads them: "
                              "correlation measures the data, not the network"},
    ),
    Regime(
        "suppressor", suppressor,
        "f6, f7 feed pairs of near-cancelling saturated gates: steep local slope, ~zero net effect; "
        "fools gradient saliency, not IG or patching",
        fools={
            "gradient": "at the gates' steep edges f6, f7 have a large local slope, though moving them "
                        "changes the output by ~0",
            "input_x_gradient": "it multiplies the same steep local slope of f6, f7 by the input",
            "smoothgrad": "averaging the slope over noisy copies still averages the gates' steep edges",
            "attribution_patching": "its first-order estimate of a patch is the slope times the move: "
                                    "the steep edges again",
        },
    ),
    Regime(
        "redundant", redundant,
        "f1, f3 are backups of f0, f2 (OR): knocking out one changes nothing, so noising patching "
        "misses the backups; denoising patching and Shapley find them",
        fools={
            "patching": "knocking out a backup while its primary is present changes nothing: a single "
                        "knockout tests necessity, and a backup is never necessary",
            "gradient": _SATURATED,
            "input_x_gradient": "it multiplies the slope by the input, and " + _SATURATED,
            "smoothgrad": "the saturated gates sit far from their edges, beyond the reach of SmoothGrad's "
                          "noise: every slope it averages is 0",
            "attribution_patching": "its first-order estimate is the slope times the move, and " + _SATURATED,
        },
        complete=SWITCH_COMPLETE,
    ),
    Regime(
        "interaction", interaction,
        "f0 & f1 and f2 & f3 matter only jointly (AND): restoring one feature alone changes nothing, "
        "so denoising patching misses them; noising patching and Shapley find them",
        fools={
            "denoising_patching": "restoring one input of an AND into the all-absent reference changes "
                                  "nothing: a single restore tests sufficiency, and half an AND is never "
                                  "sufficient",
            "gradient": _SATURATED,
            "input_x_gradient": "it multiplies the slope by the input, and " + _SATURATED,
            "attribution_patching": "its first-order estimate is the slope times the move, and " + _SATURATED,
        },
        complete=SWITCH_COMPLETE,
    ),
)}
"""Regime name -> :class:`Regime`. ``CIRCUITS[name](strength, seed)`` builds the circuit."""


def make_circuit(name: str, *, strength: float = 1.0, seed: int = 0) -> Circuit:
    """Build the circuit ``name`` at decoy ``strength`` (0 to ``MAX_STRENGTH`` = 100) with per-seed weights."""
    check_choice(name, CIRCUITS, "circuit")
    return CIRCUITS[name](strength=check_strength(strength), seed=check_seed(seed))
