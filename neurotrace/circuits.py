"""Compiled circuits: one-hidden-layer networks whose causal features are known by construction.

A circuit computes ``y = v . phi(W x + b)`` with weights set by hand. Every regime shares the
same causal core -- features f0..f3, one tanh unit each -- and plants its decoy on features
f6 and f7; the remaining features are independent noise. Each decoy has a continuous
``strength``: 0 is the control (the circuit is then identical to ``clean``), 1 is the tuned
point that reproduces the seed table, larger values make the decoy stronger.

The data distribution belongs to the circuit: ``X = Z @ mixing.T`` with ``Z ~ N(0, I)``, so a
confounder can live in the data while having exactly zero weight into the network.
"""

from __future__ import annotations

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
    ``mixing (n_features, n_features)``.
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
    phi: object = field(init=False, repr=False)
    dphi: object = field(init=False, repr=False)

    def __post_init__(self):
        check_choice(self.activation, ACTIVATIONS, "activation")
        for name in ("W", "b", "v", "mixing"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)  # frozen means frozen: no silent edits to weights
            object.__setattr__(self, name, arr)
        for name in ("causal", "decoy", "hidden_causal"):
            arr = np.array(getattr(self, name), dtype=bool)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        h, d = self.W.shape
        if self.b.shape != (h,) or self.v.shape != (h,):
            raise ValueError(f"b and v must have shape ({h},) to match W {self.W.shape}")
        if self.causal.shape != (d,) or self.decoy.shape != (d,) or self.mixing.shape != (d, d):
            raise ValueError(f"causal, decoy and mixing must match the {d} features of W")
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
        return Z @ self.mixing.T


# --- the shared causal core ----------------------------------------------------------------


def _core(seed: int):
    """Per-seed weights of the causal core: unit i reads feature i.

    Input gains and output weights are jittered around 1 (signs random) so that the causal
    features differ in importance and the seeds are not 16 copies of one network.
    """
    rng = make_rng("circuit", seed)
    w = rng.uniform(0.75, 1.25, len(CAUSAL_FEATURES))
    v = rng.uniform(0.75, 1.25, len(CAUSAL_FEATURES)) * rng.choice([-1.0, 1.0], len(CAUSAL_FEATURES))
    W = np.zeros((len(CAUSAL_FEATURES), N_FEATURES))
    W[np.arange(len(CAUSAL_FEATURES)), CAUSAL_FEATURES] = w
    return W, np.zeros(len(CAUSAL_FEATURES)), v


def _mask(indices) -> np.ndarray:
    m = np.zeros(N_FEATURES, dtype=bool)
    m[list(indices)] = True
    return m


def clean(strength: float = 1.0, seed: int = 0) -> Circuit:
    """The control: the causal core and ten independent noise features, no decoy.

    Every honest method should rank f0..f3 on top. ``strength`` is accepted and ignored.
    """
    W, b, v = _core(seed)
    return Circuit(
        name="clean", strength=float(strength), W=W, b=b, v=v, activation="tanh",
        causal=_mask(CAUSAL_FEATURES), decoy=_mask(()), mixing=np.eye(N_FEATURES),
        hidden_causal=np.ones(len(v), dtype=bool),
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
    W, b, v = _core(seed)
    drive = np.zeros(N_FEATURES)
    drive[list(CAUSAL_FEATURES)] = v * W[np.arange(len(v)), CAUSAL_FEATURES]
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
        hidden_causal=np.ones(len(v), dtype=bool),
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
    W0, b0, v0 = _core(seed)
    s, k, m, A = strength, SUPPRESSOR_GAIN, SUPPRESSOR_MARGIN, SUPPRESSOR_AMPLITUDE
    rows, bias, out = [W0], [b0], [v0]
    for j, c in zip(DECOY_FEATURES, SUPPRESSOR_CENTRES, strict=True):
        Wg = np.zeros((2, N_FEATURES))
        Wg[:, j] = k * s
        rows.append(Wg)
        bias.append(np.array([-k * s * c + m, -k * s * c - m]))
        out.append(np.array([A * s, -A * s]))
    n_core = len(v0)
    return Circuit(
        name="suppressor", strength=float(strength), W=np.vstack(rows),
        b=np.concatenate(bias), v=np.concatenate(out), activation="tanh",
        causal=_mask(CAUSAL_FEATURES), decoy=_mask(DECOY_FEATURES), mixing=np.eye(N_FEATURES),
        hidden_causal=np.arange(n_core + 2 * len(DECOY_FEATURES)) < n_core,
        description=(
            "f6, f7 feed pairs of near-cancelling saturated gates: steep local slope, ~zero "
            "net effect; fools gradient saliency, not IG or patching"
        ),
        fools=("gradient", "input_x_gradient"), seed=seed,
    )


CIRCUITS = {"clean": clean, "confounded": confounded, "suppressor": suppressor}


def make_circuit(name: str, *, strength: float = 1.0, seed: int = 0) -> Circuit:
    """Build the circuit ``name`` at decoy ``strength`` (>= 0) with per-seed weights."""
    check_choice(name, CIRCUITS, "circuit")
    return CIRCUITS[name](strength=check_strength(strength), seed=check_seed(seed))
