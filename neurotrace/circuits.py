"""Compiled circuits: one-hidden-layer networks whose causal features are known by construction.

A circuit computes ``y = v . phi(W x + b)`` with weights set by hand; features f0..f3 are
the causal ones in every regime. The decoy regimes (``confounded``, ``suppressor``) keep the
causal core -- one tanh unit per causal feature -- and plant their decoy on features f6 and
f7; the switch regimes (``redundant``, ``interaction``) rewire f0..f3 into OR / AND gates of
+/-1 switches. The other features are independent noise, and four idle units (output weight
0) read some of them. Each regime has a continuous ``strength``: 0 is the control (for the
decoy regimes the circuit is then identical to ``clean``; for the switch regimes every
feature gets its own pathway), 1 is the tuned point of the results table, larger values make
the decoy stronger (the switch regimes' gates are complete from 0.5 on).

The data distribution belongs to the circuit: ``X = Z @ mixing.T`` with ``Z ~ N(0, I)``, so a
confounder can live in the data while having exactly zero weight into the network.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

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
        hidden_causal=hidden_causal,
        description="control: the causal core with no decoy; every method should recover f0-f3",
        fools=(), seed=seed,
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
        hidden_causal=hidden_causal,
        description=(
            "f6, f7 are correlated with the output through the data but have exactly zero "
            "weight into the network: fools correlation, not causal methods"
        ),
        fools=("correlation",), seed=seed,
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
        hidden_causal=np.concatenate([hc0, np.zeros(2 * len(DECOY_FEATURES), dtype=bool)]),
        description=(
            "f6, f7 feed pairs of near-cancelling saturated gates: steep local slope, ~zero "
            "net effect; fools gradient saliency, not IG or patching"
        ),
        fools=("gradient", "input_x_gradient", "smoothgrad", "attribution_patching"), seed=seed,
    )


# Switch regimes: f0..f3 are +/-1 switches whose "absent" value 0 is also the reference
# input (IG's baseline, denoising's corrupted input, Shapley's absent value). Gates have
# gain SWITCH_GAIN, so every unit sits at tanh = +/-1 *exactly* in float64 (|z| >= 20):
# a knocked-out backup or a half-restored AND changes the output by exactly 0, not 1e-9.
SWITCH_GAIN = 40.0
SWITCH_COMPLETE = 0.5  # strength from which the OR / AND gate has fully replaced the own pathways
# Side effect of exact saturation: tanh' = 1 - tanh^2 is exactly 0 at every data point, so
# every gradient-based method scores all switches 0 (smoothgrad's noise unsaturates the AND
# gates, whose thresholds sit closer to the data, but not the OR gates).
SATURATION_FOOLS = ("gradient", "input_x_gradient", "attribution_patching", "smoothgrad")  # on redundant
PAIRS = ((0, 1), (2, 3))


def _switch_circuit(name, strength, seed, units, mixing, description, fools):
    """Assemble a switch regime from ``units``: rows ``(w_row, bias, out_weight)``."""
    W0, b0, v0, hc0 = _core(seed)
    n = len(CAUSAL_FEATURES)
    W = np.vstack([np.array([u[0] for u in units]), W0[n:]])
    b = np.concatenate([[u[1] for u in units], b0[n:]])
    v = np.concatenate([[u[2] for u in units], v0[n:]])
    return Circuit(
        name=name, strength=float(strength), W=W, b=b, v=v, activation="tanh",
        causal=_mask(CAUSAL_FEATURES), decoy=_mask(()), mixing=mixing,
        hidden_causal=v != 0, description=description, fools=fools, seed=seed,
        switches=_mask(CAUSAL_FEATURES),
    )


def _row(**weights):
    row = np.zeros(N_FEATURES)
    for key, value in weights.items():
        row[int(key[1:])] = value
    return row


def redundant(strength: float = 1.0, seed: int = 0) -> Circuit:
    """OR / backup: f1 and f3 copy f0 and f2 and take over only when the primary is absent.

    Each pair is one gate ``tanh(G (x_primary + x_backup / 2))``: with the primary present
    (+/-1) its sign decides and the backup is ignored; with the primary absent (0) the backup
    alone sets the output. So knocking out one feature -- by resampling it or zeroing it --
    changes the output by exactly 0 for the backups: single-feature noising patching ties
    them with the noise features. Restoring one feature into the all-absent reference
    (denoising) or sharing credit over coalitions (Shapley) finds both.

    ``strength`` is the backup's share: 0 = each feature has its own pathway (the additive
    control); the own pathway fades linearly and the backup is complete from 0.5 on.
    """
    _, _, v0, _ = _core(seed)
    share = min(1.0, strength / SWITCH_COMPLETE)
    G, units = SWITCH_GAIN, []
    for primary, backup in PAIRS:
        units.append((_row(**{f"f{primary}": G, f"f{backup}": G * share / 2}), 0.0, v0[primary]))
        units.append((_row(**{f"f{backup}": G}), 0.0, (1.0 - share) * v0[backup]))
    mixing = np.eye(N_FEATURES)
    for primary, backup in PAIRS:
        mixing[backup] = mixing[primary]  # the backup carries the same signal
    return _switch_circuit(
        "redundant", strength, seed, units, mixing,
        "f1, f3 are backups of f0, f2 (OR): knocking out one changes nothing, so noising "
        "patching misses the backups; denoising patching and Shapley find them",
        ("patching",) + SATURATION_FOOLS,
    )


def interaction(strength: float = 1.0, seed: int = 0) -> Circuit:
    """AND: f0 & f1 and f2 & f3 matter only jointly.

    Each pair drives ``+v`` when both switches are +1, ``-v`` when both are -1, and 0
    otherwise (two gates ``tanh(G (+/-(x_a + x_b) - 1.5))``). Restoring a single feature
    into the all-absent reference leaves the output exactly unchanged, so denoising
    patching scores every causal feature 0 -- the mirror image of ``redundant``. Knocking
    one out (noising patching) or Shapley finds them.

    ``strength`` is the AND's share: 0 = each feature has its own pathway (the additive
    control); the own pathways fade linearly and the AND is complete from 0.5 on.
    """
    _, _, v0, _ = _core(seed)
    share = min(1.0, strength / SWITCH_COMPLETE)
    G, units = SWITCH_GAIN, []
    for a, b in PAIRS:
        units.append((_row(**{f"f{a}": G, f"f{b}": G}), -1.5 * G, share * v0[a] / 2))
        units.append((_row(**{f"f{a}": -G, f"f{b}": -G}), -1.5 * G, -share * v0[a] / 2))
        units.append((_row(**{f"f{a}": G}), 0.0, (1.0 - share) * v0[a]))
        units.append((_row(**{f"f{b}": G}), 0.0, (1.0 - share) * v0[b]))
    return _switch_circuit(
        "interaction", strength, seed, units, np.eye(N_FEATURES),
        "f0 & f1 and f2 & f3 matter only jointly (AND): restoring one feature alone changes "
        "nothing, so denoising patching misses them; noising patching and Shapley find them",
        ("denoising_patching", "gradient", "input_x_gradient", "attribution_patching"),
    )


CIRCUITS = {
    "clean": clean, "confounded": confounded, "suppressor": suppressor,
    "redundant": redundant, "interaction": interaction,
}


def make_circuit(name: str, *, strength: float = 1.0, seed: int = 0) -> Circuit:
    """Build the circuit ``name`` at decoy ``strength`` (>= 0) with per-seed weights."""
    check_choice(name, CIRCUITS, "circuit")
    return CIRCUITS[name](strength=check_strength(strength), seed=check_seed(seed))
