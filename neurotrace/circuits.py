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
import inspect
import types
from dataclasses import dataclass, field, replace

import numpy as np

from ._checks import check_choice, check_seed, check_strength, show
from ._registry import registered
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
    replaced by its sign (a +/-1 switch whose "absent" value is 0, the mean). A circuit with a
    ``sampler`` -- ``sampler(n, rng) -> (n, n_features)`` -- draws its data from it instead
    (:func:`circuit_from_weights`); every draw is checked (shape, finite numbers).
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
    sampler: object = field(default=None, repr=False)
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
        if self.sampler is not None and not callable(self.sampler):
            raise TypeError(f"sampler must be a function sampler(n, rng) -> (n, {d}) array, or None "
                            f"(got {type(self.sampler).__name__})")
        phi, dphi = ACTIVATIONS[self.activation]
        object.__setattr__(self, "phi", phi)
        object.__setattr__(self, "dphi", dphi)

    @property
    def n_features(self) -> int:
        return self.W.shape[1]

    @property
    def n_hidden(self) -> int:
        return self.W.shape[0]

    def check_inputs(self, X) -> np.ndarray:
        """``X`` as a float array of inputs to this network, ``(n_samples, n_features)``; a
        ``ValueError`` naming the shape it has otherwise. Every method that takes ``X`` checks it here."""
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
        return self.check_inputs(X) @ self.W.T + self.b

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
        if self.sampler is not None:
            return _checked_draw(self, int(n), rng)
        Z = rng.standard_normal((int(n), self.n_features))
        X = Z @ self.mixing.T
        if self.switches.any():
            X[:, self.switches] = np.sign(X[:, self.switches])
        return X


def _checked_draw(circuit: Circuit, n: int, rng) -> np.ndarray:
    """``circuit.sampler(n, rng)`` as a fresh float array, or a ``ValueError`` naming the circuit."""
    where = f"the sampler of circuit {circuit.name!r}"
    X = circuit.sampler(n, rng)
    if np.iscomplexobj(X):
        raise ValueError(f"{where} returned complex numbers; data must be real")
    try:
        X = np.array(X, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{where} returned {type(X).__name__}, not an array of numbers") from None
    if X.shape != (n, circuit.n_features):
        raise ValueError(f"{where} returned shape {X.shape} for n={n:,}; expected ({n:,}, {circuit.n_features})")
    if not np.isfinite(X).all():
        raise ValueError(f"{where} returned NaN or inf")
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
    ``fools`` filled in. The edge level's registry (``deep.EDGE_CIRCUITS``) holds regimes of
    this class too: their builders return a ``DeepCircuit``, and ``fools`` names edge methods
    and their mean edge AUROC.
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

    @property
    def is_control(self) -> bool:
        """A control: complete from strength 0 on, so no strength changes it (``complete == 0``)."""
        return self.complete == 0.0

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


# --- your own circuits -------------------------------------------------------------------------

BUILTIN_CIRCUITS = frozenset(CIRCUITS)
DEFAULT_DATA = "independent standard normal features: X ~ N(0, I)"
"""The data distribution of :func:`circuit_from_weights` when no ``sampler`` is given."""


def _matrix(value, what: str, ndim: int) -> np.ndarray:
    """``value`` as a float array of ``ndim`` dimensions of finite numbers; messages name shapes, never values."""
    if np.iscomplexobj(value):
        raise ValueError(f"{what} must hold real numbers (got complex)")
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} must be an array of numbers (got {type(value).__name__})") from None
    if arr.ndim != ndim:
        shape = "(n_hidden, n_features)" if ndim == 2 else "(n_hidden,)"
        raise ValueError(f"{what} must be a {ndim}-D array of shape {shape} (got {arr.ndim}-D, shape {arr.shape})")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} must be finite (got NaN or inf in {int((~np.isfinite(arr)).sum()):,} entries)")
    return arr


def _feature_mask(value, n_features: int, what: str) -> np.ndarray:
    """A bool mask ``(n_features,)`` from a bool mask or from feature indices."""
    if isinstance(value, (str, bytes)) or np.ndim(value) > 1:
        raise ValueError(f"{what} must be a bool mask of {n_features} features or a list of feature indices "
                         f"(got {type(value).__name__})")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a bool mask or a list of feature indices (got {type(value).__name__})"
                         ) from None
    if arr.dtype == bool:
        if arr.shape != (n_features,):
            raise ValueError(f"{what} as a bool mask must have shape ({n_features},) to match W's {n_features} "
                             f"features (got shape {arr.shape})")
        return arr.copy()
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{what} must be a bool mask of {n_features} features or a list of integer feature "
                         f"indices (got {arr.dtype} values)")
    indices = arr.astype(int).ravel()
    if indices.size and (indices.min() < 0 or indices.max() >= n_features):
        raise ValueError(f"{what}: feature indices must be from 0 to {n_features - 1} (got one outside)")
    mask = np.zeros(n_features, dtype=bool)
    mask[indices] = True
    return mask


def circuit_from_weights(W, b, v, activation: str, causal, *, name: str = "custom", decoy=None,
                         hidden_causal=None, sampler=None, description: str = "", strength: float = 1.0,
                         seed: int = 0) -> Circuit:
    """A :class:`Circuit` computing ``y = v . activation(W x + b)`` from your weights and ground truth.

    ``W (n_hidden, n_features)``, ``b`` and ``v (n_hidden,)`` (``b=None``: zeros); ``activation``
    one of ``neurotrace.ACTIVATIONS`` (tanh, sigmoid, relu, linear). ``causal``: the features
    the AUROC should put on top, as a bool mask ``(n_features,)`` or a list of feature indices;
    it must mark at least one feature and leave one out. ``decoy`` (same forms, default none)
    only labels features in the command line's and the book's output. ``hidden_causal``: the
    task circuit's units (default: units that read a causal feature and have ``v != 0``).

    Data: without ``sampler``, :data:`DEFAULT_DATA` -- every feature an independent standard
    normal. With ``sampler(n, rng) -> (n, n_features)`` the circuit draws from it (``rng`` is a
    numpy ``Generator``; draw only from it, and ``evaluate`` stays reproducible); it is tried
    once here, and every draw is checked. Score it with ``nt.evaluate(circuits=[circuit])``, or
    register it by name with :func:`register_circuit`.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"circuit name must be a Python identifier (got {show(name)})")
    W = _matrix(W, "W", 2)
    h, d = W.shape
    if h == 0 or d < 2:
        raise ValueError(f"W must have at least one hidden unit and two features (got shape {W.shape})")
    b = np.zeros(h) if b is None else _matrix(b, "b", 1)
    v = _matrix(v, "v", 1)
    for arr, what in ((b, "b"), (v, "v")):
        if arr.shape != (h,):
            raise ValueError(f"{what} must have shape ({h},) to match W's {h} hidden units (got shape {arr.shape})")
    check_choice(activation, ACTIVATIONS, "activation")
    causal = _feature_mask(causal, d, "causal")
    if not causal.any() or causal.all():
        raise ValueError(f"causal must mark at least one feature and leave at least one out: AUROC needs both "
                         f"(got {int(causal.sum())} of {d})")
    decoy = np.zeros(d, dtype=bool) if decoy is None else _feature_mask(decoy, d, "decoy")
    if hidden_causal is None:
        hidden_causal = (W[:, causal] != 0).any(axis=1) & (v != 0)
    else:
        hidden_causal = np.asarray(hidden_causal)
        if hidden_causal.dtype != bool or hidden_causal.shape != (h,):
            raise ValueError(f"hidden_causal must be a bool mask of shape ({h},) (got {hidden_causal.dtype} "
                             f"of shape {hidden_causal.shape})")
    if not isinstance(description, str):
        raise TypeError(f"description must be a string (got {type(description).__name__})")
    circuit = Circuit(name=name, strength=check_strength(strength), W=W, b=b, v=v, activation=activation,
                      causal=causal, decoy=decoy, mixing=np.eye(d), hidden_causal=hidden_causal,
                      description=description, seed=check_seed(seed), sampler=sampler)
    if sampler is not None:
        _checked_draw(circuit, 4, make_rng("sampler check", 0))  # a bad sampler fails here, not mid-table
    return circuit


def _signature_takes(fn, **kwargs) -> bool:
    try:
        inspect.signature(fn).bind(**kwargs)
    except TypeError:
        return False
    except ValueError:  # no signature to read (some builtins): trust it
        return True
    return True


def as_builder(source, name: str | None = None):
    """``(name, builder)`` for a circuit given as a :class:`Circuit` (the same at every strength and
    seed), a :class:`Regime`, or a function ``builder(strength=..., seed=...) -> Circuit``.

    The builder returns the circuit under ``name`` (default: the circuit's own name, or the
    regime's); a function that returns anything but a ``Circuit`` is a ``TypeError`` naming it.
    """
    if isinstance(source, Circuit):
        circuit = source if name in (None, source.name) else replace(source, name=name)
        return circuit.name, lambda strength=1.0, seed=0: circuit
    if isinstance(source, Regime):
        return (name or source.name), source
    if not callable(source):
        raise TypeError("a circuit must be a registered name, a neurotrace Circuit (nt.circuit_from_weights) or a "
                        f"function builder(strength, seed) -> Circuit (got {type(source).__name__})")
    label = getattr(source, "__name__", type(source).__name__)
    if not _signature_takes(source, strength=1.0, seed=0):
        raise TypeError(f"circuit builder {label!r} must accept (strength, seed) as keywords, "
                        "e.g. def build(strength=1.0, seed=0): ...")

    def build(strength=1.0, seed=0):
        out = source(strength=strength, seed=seed)
        if not isinstance(out, Circuit):
            raise TypeError(f"circuit builder {label!r} returned {type(out).__name__}, not a neurotrace Circuit "
                            "(build one with nt.circuit_from_weights)")
        return out if name in (None, out.name) else replace(out, name=name)

    if name is None:
        name = build(strength=1.0, seed=0).name
    return name, build


def register_circuit(name: str, circuit=None, *, description: str | None = None, fools=(),
                     complete: float | None = None, replace: bool = False):
    """Add a circuit to ``CIRCUITS`` under ``name``: then ``evaluate``, ``sweep`` and the command line
    know it by name, like a built-in regime.

    ``circuit``: a :class:`Circuit` (e.g. from :func:`circuit_from_weights`; the same at every
    strength and seed) or a builder ``builder(strength=1.0, seed=0) -> Circuit``. Use it as a call,
    ``register_circuit("mine", circuit)``, or as a decorator on a builder,
    ``@register_circuit("mine")``. ``description`` (default: the circuit's own), ``fools`` (the
    methods you expect it to fool: names, or a mapping name -> reason) and ``complete`` (the
    strength from which it stops changing; 0 for a fixed circuit) go into its :class:`Regime`.

    A name already registered is an error, unless ``replace=True``: re-running a notebook cell
    that registers a circuit then replaces it. Built-in regimes cannot be replaced. For a
    registration that lasts one ``with`` block, use :func:`registered_circuit`. Returns the
    :class:`Regime` (the function, as a decorator).
    """
    if circuit is None:
        return lambda fn: (register_circuit(name, fn, description=description, fools=fools, complete=complete,
                                            replace=replace), fn)[1]
    _check_new_name(name, CIRCUITS, BUILTIN_CIRCUITS, "circuit", replace)
    name, build = as_builder(circuit, name)
    built = build(strength=1.0, seed=0)
    if description is None:
        description = built.description or f"your circuit {name!r}"
    if isinstance(fools, str) or not isinstance(fools, (dict, types.MappingProxyType, list, tuple)):
        raise TypeError(f"fools must be a list of method names or a mapping method -> reason (got "
                        f"{type(fools).__name__})")
    fools = dict(fools) if isinstance(fools, (dict, types.MappingProxyType)) else {m: "" for m in fools}
    if any(not isinstance(m, str) or not isinstance(r, str) for m, r in fools.items()):
        raise TypeError("fools must name methods by string, each with a reason string")
    if complete is None and isinstance(circuit, Circuit):
        complete = 0.0
    regime = Regime(name, build, description, fools, complete)
    CIRCUITS[name] = regime
    return regime


def _check_new_name(name, registry, builtins, what: str, replace: bool) -> None:
    """A registration's name: an identifier; free, or ``replace=True`` and not a built-in."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"{what} name must be a Python identifier (got {show(name)})")
    if not isinstance(replace, bool):
        raise TypeError(f"replace must be True or False (got {type(replace).__name__})")
    if name in builtins and name in registry and not replace:
        raise ValueError(f"{what} {name!r} is already registered: a built-in, which cannot be replaced; register "
                         "yours under another name")
    if name in builtins and replace:
        raise ValueError(f"{what} {name!r} is built in and cannot be replaced; register yours under another name")
    if name in registry and not replace:
        raise ValueError(f"{what} {name!r} is already registered; pass replace=True to replace it (e.g. when "
                         f"re-running a notebook cell), or use nt.registered_{what}(...) in a with block")


def unregister_circuit(name: str) -> Regime:
    """Remove a circuit you registered from ``CIRCUITS`` (built-in regimes stay)."""
    check_choice(name, CIRCUITS, "circuit")
    if name in BUILTIN_CIRCUITS:
        raise ValueError(f"circuit {name!r} is built in and cannot be unregistered")
    return CIRCUITS.pop(name)


def registered_circuit(name: str, circuit, **kwargs):
    """Register a circuit for the ``with`` block only (:func:`register_circuit`'s arguments); on
    leaving, ``CIRCUITS`` is as before -- with ``replace=True``, the circuit it replaced is back."""
    return registered(CIRCUITS, name, lambda: register_circuit(name, circuit, **kwargs))
