"""Compiled multi-layer networks whose *edge-level* truth is known by construction.

The feature-level circuits (:mod:`neurotrace.circuits`) have one hidden layer and a truth made of
input features. Here the question is circuit discovery: which *edges* -- weights between
nodes, along paths through several layers -- carry the computation?

A :class:`DeepCircuit` is a DAG of layers. Nodes are the input features, then each hidden
layer's units; hidden layer ``l`` reads every earlier node (so skip connections are just
non-zero weights that jump a layer), and the output is linear in every node::

    a_l = phi(A_<l W_l^T + b_l)        A_<l = [x, a_1, ..., a_{l-1}]   (n, n_before_l)
    y   = A v                          A = [x, a_1, ..., a_L]          (n, n_nodes)

An **edge** is one entry of the regime's *structure* -- the connections the builder wires, a
fixed list per regime whatever the strength (a weight may be 0 at strength 0: the edge is
then there but does nothing). ``causal_edges`` marks the edges of the task circuit.

Every regime shares a core of four chains, one per causal switch f0..f3, three hidden layers
deep and merging late (``x_i -> u_i -> m_i``, then ``m0, m1 -> p`` and ``m2, m3 -> q``, then
``p, q -> y`` and a skip edge ``m3 -> y``), plus a dead branch (``x4, x5 -> i4, i5 -> j -> k``,
never read by the output) so that every regime has edges outside the circuit. Each regime
plants one thing on top, with a ``strength`` whose 0 is a real control:

- ``clean_paths``: nothing (the control).
- ``backup_path``: every chain gets a second route ``x_i -> u_ib -> m_i``; strength raises the
  gain until ``m_i`` is a saturated OR in which the primary route decides (redundancy across
  paths: a single-edge knockout of the backup changes nothing).
- ``cancelling_paths``: a decoy f6 feeds two identical paths whose output weights are equal
  and opposite (large edge effects that cancel exactly at the output).
- ``distractor_path``: a decoy f7 correlated with the output through the data feeds a path
  that never reaches the output.

Causal features f0..f3 are +/-1 switches (0 = absent, the reference input), as in the feature
level's switch regimes; f4..f7 are Gaussian. numpy only, frozen, deterministic.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np

from ._checks import check_choice, check_seed, check_strength
from ._rng import make_rng
from .activations import ACTIVATIONS
from .circuits import Regime

N_FEATURES = 8
SWITCHES = (0, 1, 2, 3)  # the causal features: +/-1 switches
CHAINS = SWITCHES
PAIRS = ((0, 1), (2, 3))
CANCEL_DECOY = 6
DISTRACTOR_DECOY = 7


@dataclass(frozen=True)
class Edges:
    """The edges of a :class:`DeepCircuit`, in topological order of their targets.

    ``source (E,)``, ``target (E,)``: node indices (the output is ``n_nodes``); ``layer (E,)``:
    the target's layer (1..L, ``L + 1`` for the output); ``weight (E,)``; ``names``: ``"x0->u0"``.
    """

    source: np.ndarray
    target: np.ndarray
    layer: np.ndarray
    weight: np.ndarray
    names: tuple

    def __len__(self) -> int:
        return len(self.source)


@dataclass(frozen=True, eq=False)
class DeepCircuit:
    """A compiled multi-layer network with its edge-level truth and its data distribution.

    ``node_names``: inputs then every hidden unit; ``layer_sizes``: ``(n_features, n_1, ..., n_L)``.
    ``W[l] (n_{l+1}, n_before)`` and ``b[l]`` are hidden layer ``l+1``'s weights and biases
    (``n_before`` = every node of the earlier layers); ``v (n_nodes,)`` the output weights.
    ``structure[l]`` / ``v_structure``: which of those weights are edges. ``causal_edges
    (n_edges,)``: the task circuit, in the order of :attr:`edges`. Data: ``X = Z @ mixing.T``,
    ``Z ~ N(0, I)``, then each feature in ``switches`` replaced by its sign.
    """

    name: str
    strength: float
    node_names: tuple
    layer_sizes: tuple
    W: tuple
    b: tuple
    v: np.ndarray
    structure: tuple
    v_structure: np.ndarray
    causal_edges: np.ndarray
    mixing: np.ndarray
    switches: np.ndarray
    activation: str = "tanh"
    seed: int = 0
    description: str = ""
    fools: tuple = ()
    phi: object = field(init=False, repr=False)
    dphi: object = field(init=False, repr=False)

    def __post_init__(self):
        check_choice(self.activation, ACTIVATIONS, "activation")

        def frozen(a, dtype=float):
            a = np.array(a, dtype=dtype)
            a.setflags(write=False)
            return a

        object.__setattr__(self, "W", tuple(frozen(w) for w in self.W))
        object.__setattr__(self, "b", tuple(frozen(b) for b in self.b))
        object.__setattr__(self, "structure", tuple(frozen(s, bool) for s in self.structure))
        for name in ("v", "mixing"):
            object.__setattr__(self, name, frozen(getattr(self, name)))
        for name in ("v_structure", "causal_edges", "switches"):
            object.__setattr__(self, name, frozen(getattr(self, name), bool))
        sizes = self.layer_sizes
        for k, (w, b, s) in enumerate(zip(self.W, self.b, self.structure, strict=True)):
            if w.shape != (sizes[k + 1], sum(sizes[: k + 1])) or b.shape != (sizes[k + 1],) or s.shape != w.shape:
                raise ValueError(f"hidden layer {k + 1}: W, b and structure do not match layer sizes {sizes}")
            if np.any(w[~s] != 0):
                raise ValueError(f"hidden layer {k + 1} has a non-zero weight outside its structure")
        if self.v.shape != (self.n_nodes,) or self.v_structure.shape != (self.n_nodes,):
            raise ValueError(f"v and v_structure must have shape ({self.n_nodes},)")
        if np.any(self.v[~self.v_structure] != 0):
            raise ValueError("the output has a non-zero weight outside its structure")
        if self.causal_edges.shape != (len(self.edges),):
            raise ValueError(f"causal_edges must mark the {len(self.edges)} edges")
        if len(self.node_names) != self.n_nodes:
            raise ValueError(f"node_names must name the {self.n_nodes} nodes")
        phi, dphi = ACTIVATIONS[self.activation]
        object.__setattr__(self, "phi", phi)
        object.__setattr__(self, "dphi", dphi)

    # --- shape ---------------------------------------------------------------------------------

    @property
    def n_features(self) -> int:
        return self.layer_sizes[0]

    @property
    def n_nodes(self) -> int:
        return sum(self.layer_sizes)

    @property
    def n_layers(self) -> int:
        """Hidden layers."""
        return len(self.layer_sizes) - 1

    def columns(self, layer: int) -> slice:
        """The node indices of ``layer`` (0 = the inputs) as a slice of ``A``'s columns."""
        start = sum(self.layer_sizes[:layer])
        return slice(start, start + self.layer_sizes[layer])

    @functools.cached_property
    def edges(self) -> Edges:
        """Every edge, grouped by its target's layer (topological order), output edges last."""
        src, dst, lay, wt = [], [], [], []
        for k, (w, s) in enumerate(zip(self.W, self.structure, strict=True)):
            units, sources = np.nonzero(s)
            src.append(sources)
            dst.append(units + self.columns(k + 1).start)
            lay.append(np.full(len(units), k + 1))
            wt.append(w[units, sources])
        sources = np.flatnonzero(self.v_structure)
        src.append(sources)
        dst.append(np.full(len(sources), self.n_nodes))
        lay.append(np.full(len(sources), self.n_layers + 1))
        wt.append(self.v[sources])
        names_of = (*self.node_names, "y")
        source, target = np.concatenate(src), np.concatenate(dst)
        arrays = [source, target, np.concatenate(lay), np.concatenate(wt)]
        for a in arrays:
            a.setflags(write=False)
        names = tuple(f"{names_of[s]}->{names_of[t]}" for s, t in zip(source, target, strict=True))
        return Edges(*arrays, names)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    # --- data and forward ----------------------------------------------------------------------

    def check_X(self, X) -> np.ndarray:
        """``X`` as a float array ``(n_samples, n_features)``, or ``ValueError``."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n_samples, {self.n_features}) (got {X.shape})")
        if not np.all(np.isfinite(X)):
            raise ValueError("X must be finite (got NaN or inf)")
        return X

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``X (n, n_features)`` from the circuit's data distribution."""
        X = rng.standard_normal((int(n), self.n_features)) @ self.mixing.T
        X[:, self.switches] = np.sign(X[:, self.switches])
        return X

    def run(self, X):
        """Pre-activations and activations of every layer: ``Z`` list of ``(n, n_l)`` per hidden
        layer, ``A (n, n_nodes)`` every node's activation (inputs first)."""
        X = self.check_X(X)
        A = np.empty((len(X), self.n_nodes))
        A[:, : self.n_features] = X
        Z = []
        for k, (w, b) in enumerate(zip(self.W, self.b, strict=True)):
            before = self.columns(k + 1).start
            z = A[:, :before] @ w.T + b
            A[:, self.columns(k + 1)] = self.phi(z)
            Z.append(z)
        return Z, A

    def activations(self, X) -> np.ndarray:
        """Every node's activation ``(n, n_nodes)``: the inputs, then every hidden unit."""
        return self.run(X)[1]

    def forward(self, X) -> np.ndarray:
        """Output ``y (n,)``."""
        return self.activations(X) @ self.v

    def forward_patched(self, A_clean, A_donor, patched) -> np.ndarray:
        """The output when every edge in ``patched (n_edges,) bool`` carries its source's activation
        from ``A_donor`` while every other edge carries the source's *current* activation.

        Runs the network from ``A_clean``'s inputs, layer by layer: a unit reads a patched edge's
        source from the donor run and every other source as recomputed here, so a patch
        propagates downstream. ``A_clean``, ``A_donor``: ``(n, n_nodes)`` from :meth:`activations`.
        Returns ``y (n,)``. All edges patched gives the donor run's output exactly.
        """
        patched = np.asarray(patched, dtype=bool)
        A = np.array(A_clean, dtype=float)
        e = self.edges
        for k, (w, b) in enumerate(zip(self.W, self.b, strict=True)):
            cols = self.columns(k + 1)
            mask = np.zeros(w.shape, dtype=bool)
            into = e.layer == k + 1
            mask[e.target[into & patched] - cols.start, e.source[into & patched]] = True
            before = cols.start
            z = A[:, :before] @ np.where(mask, 0.0, w).T + A_donor[:, :before] @ np.where(mask, w, 0.0).T + b
            A[:, cols] = self.phi(z)
        into = e.layer == self.n_layers + 1
        out = np.zeros(self.n_nodes, dtype=bool)
        out[e.source[into & patched]] = True
        return A @ np.where(out, 0.0, self.v) + A_donor @ np.where(out, self.v, 0.0)

    def unit_gradients(self, Z, A) -> np.ndarray:
        """``dy/dz_u`` for every hidden unit ``(n, n_hidden)`` at the run ``(Z, A)`` (backprop)."""
        n = len(A)
        dA = np.broadcast_to(self.v, (n, self.n_nodes)).copy()  # dy/da, filled from the top down
        dZ = np.empty((n, self.n_nodes - self.n_features))
        for k in range(self.n_layers - 1, -1, -1):
            cols = self.columns(k + 1)
            dz = dA[:, cols] * self.dphi(Z[k])
            dZ[:, cols.start - self.n_features: cols.stop - self.n_features] = dz
            dA[:, : cols.start] += dz @ self.W[k]
        return dZ


# --- building regimes from named units ------------------------------------------------------------


class _Net:
    """Assemble a DeepCircuit from named units: ``layer([(name, {source: weight}, bias), ...])``."""

    def __init__(self, n_features: int = N_FEATURES):
        self.names = [f"x{j}" for j in range(n_features)]
        self.sizes = [n_features]
        self.layers = []  # per layer: list of (name, reads, bias)
        self.out = {}

    def layer(self, units):
        for name, _, _ in units:
            if name in self.names:
                raise ValueError(f"duplicate node name {name!r}")
        self.layers.append(list(units))
        self.names += [u[0] for u in units]
        self.sizes.append(len(units))

    def output(self, reads: dict):
        self.out = dict(reads)

    def build(self, name, strength, seed, causal, *, mixing=None, switches=SWITCHES) -> DeepCircuit:
        index = {n: i for i, n in enumerate(self.names)}
        Ws, bs, structs = [], [], []
        for k, units in enumerate(self.layers):
            before = sum(self.sizes[: k + 1])
            w = np.zeros((len(units), before))
            s = np.zeros((len(units), before), dtype=bool)
            b = np.zeros(len(units))
            for u, (_, reads, bias) in enumerate(units):
                for source, weight in reads.items():
                    if index[source] >= before:
                        raise ValueError(f"unit {units[u][0]!r} reads {source!r}, which is not in an earlier layer")
                    w[u, index[source]] = weight
                    s[u, index[source]] = True
                b[u] = bias
            Ws.append(w)
            bs.append(b)
            structs.append(s)
        v = np.zeros(len(self.names))
        vs = np.zeros(len(self.names), dtype=bool)
        for source, weight in self.out.items():
            v[index[source]] = weight
            vs[index[source]] = True
        switch_mask = np.zeros(self.sizes[0], dtype=bool)
        switch_mask[list(switches)] = True
        kwargs = dict(name=name, strength=float(strength), node_names=tuple(self.names), layer_sizes=tuple(self.sizes),
                      W=tuple(Ws), b=tuple(bs), v=v, structure=tuple(structs), v_structure=vs,
                      mixing=np.eye(self.sizes[0]) if mixing is None else mixing, switches=switch_mask, seed=seed)
        probe = DeepCircuit(causal_edges=np.zeros(_count(structs, vs), dtype=bool), **kwargs)
        wanted = {f"{a}->{b}" for a, b in causal}
        unknown = wanted - set(probe.edges.names)
        if unknown:
            raise ValueError(f"causal edges {sorted(unknown)} are not edges of {name}")
        return replace(probe, causal_edges=np.array([n in wanted for n in probe.edges.names]))


def _count(structs, v_structure) -> int:
    return int(sum(s.sum() for s in structs) + v_structure.sum())


def _weights(seed: int) -> dict:
    """Per-seed weights of the core, jittered around 1 (output signs random), from one stream."""
    rng = make_rng("deep-circuit", seed)
    w = {
        "g": rng.uniform(0.75, 1.25, 4),  # x_i -> u_i
        "h": rng.uniform(0.75, 1.25, 4),  # u_i -> m_i
        "c": rng.uniform(0.75, 1.25, 4),  # m_i -> p or q
        "out": rng.uniform(0.75, 1.25, 3) * rng.choice([-1.0, 1.0], 3),  # p, q, m3 -> y
        "idle": rng.uniform(0.75, 1.25, 5),
    }
    # m3 reaches y twice, through q and through the skip edge: give both routes one sign, so that
    # they never cancel in the data (as a switch pair's pathways at the feature level).
    w["out"][2] = abs(w["out"][2]) * np.sign(w["out"][1])
    return w


def _core(net: _Net, w: dict, *, gain: float = 1.0, layer1=(), layer2=(), layer3=(), m_reads=None):
    """The shared core: four chains merging late, a skip edge, a dead branch; ``layer*`` add units.

    ``gain`` multiplies the chains' first two weights (the switch regimes' saturation);
    ``m_reads(i)``, if given, replaces what chain i's middle unit reads.
    """
    g, h, c, out, idle = w["g"], w["h"], w["c"], w["out"], w["idle"]
    net.layer([(f"u{i}", {f"x{i}": gain * g[i]}, 0.0) for i in CHAINS]
              + [("i4", {"x4": idle[0]}, 0.0), ("i5", {"x5": idle[1]}, 0.0), *layer1])
    net.layer([(f"m{i}", m_reads(i) if m_reads else {f"u{i}": h[i]}, 0.0) for i in CHAINS]
              + [("j", {"i4": idle[2], "i5": idle[3]}, 0.0), *layer2])
    net.layer([("p", {"m0": c[0], "m1": c[1]}, 0.0), ("q", {"m2": c[2], "m3": c[3]}, 0.0),
               ("k", {"j": idle[4]}, 0.0), *layer3])
    return {"p": out[0], "q": out[1], "m3": out[2]}  # the output's reads: m3 -> y skips the last layer


CORE_EDGES = (
    *[(f"x{i}", f"u{i}") for i in CHAINS], *[(f"u{i}", f"m{i}") for i in CHAINS],
    ("m0", "p"), ("m1", "p"), ("m2", "q"), ("m3", "q"), ("p", "y"), ("q", "y"), ("m3", "y"),
)


def clean_paths(strength: float = 1.0, seed: int = 0) -> DeepCircuit:
    """The control: four chains f0..f3 -> u -> m -> p, q -> y (and a skip m3 -> y), plus a dead
    branch from the noise features that the output never reads. ``strength`` is ignored."""
    net = _Net()
    net.output(_core(net, _weights(seed)))
    return net.build("clean_paths", strength, seed, CORE_EDGES)


# Backup paths: gain of the switch chains and their OR units from BACKUP_CONTROL_GAIN (an
# additive, unsaturated circuit) to BACKUP_GAIN (saturated: tanh(20) == 1.0 exactly in float64,
# so a knocked-out backup changes the output by exactly 0), geometric in the strength and
# complete at BACKUP_COMPLETE, as in the feature level's switch regimes.
BACKUP_GAIN = 40.0
BACKUP_CONTROL_GAIN = 1.0
BACKUP_COMPLETE = 0.5
BACKUP_SHARE = 0.5  # the backup route's weight into the OR, relative to the primary's


def backup_gain(strength: float) -> float:
    """The backup regime's gain at ``strength``: 1 at 0, rising geometrically to 40 at 0.5 and beyond."""
    share = min(1.0, float(strength) / BACKUP_COMPLETE)
    return BACKUP_CONTROL_GAIN * (BACKUP_GAIN / BACKUP_CONTROL_GAIN) ** share


def backup_path(strength: float = 1.0, seed: int = 0) -> DeepCircuit:
    """Redundancy across paths: every chain gets a second route ``x_i -> u_ib -> m_i``.

    ``m_i = tanh(G (u_i + u_ib / 2))`` with ``u_i = u_ib = tanh(G x_i)``. At strength 0 (G = 1)
    both routes add up, unsaturated: every edge matters. As G rises to 40 the OR saturates and
    the primary route decides its sign alone: knocking out one edge of the backup route changes
    the output by exactly 0, so single-edge noising (and every method that asks what one edge
    is *needed* for, or reads the saturated slope) misses it; restoring the backup alone into
    the absent reference (denoising) or patching both routes together finds it.
    """
    w = _weights(seed)
    G = backup_gain(strength)
    net = _Net()
    backups = [(f"u{i}b", {f"x{i}": G * w["g"][i]}, 0.0) for i in CHAINS]
    net.output(_core(net, w, gain=G, layer1=backups,
                     m_reads=lambda i: {f"u{i}": G, f"u{i}b": G * BACKUP_SHARE}))
    backup_edges = [(f"x{i}", f"u{i}b") for i in CHAINS] + [(f"u{i}b", f"m{i}") for i in CHAINS]
    return net.build("backup_path", strength, seed, (*CORE_EDGES, *backup_edges))


# Cancelling paths: f6 -> c -> (cA, cB) -> y with output weights +A*s and -A*s.
CANCEL_AMPLITUDE = 2.0


def cancelling_paths(strength: float = 1.0, seed: int = 0) -> DeepCircuit:
    """A decoy f6 feeds two identical paths ``c -> cA -> y`` and ``c -> cB -> y`` whose output
    weights are ``+A s`` and ``-A s``: at every input they cancel exactly, so the decoy is not in
    the circuit. Patch one edge and the cancellation breaks: each decoy edge alone has a large
    effect. Patching the two paths together (or the node they share) shows the net effect: 0.
    At strength 0 the output weights are 0 and the decoy paths are dead.
    """
    w = _weights(seed)
    amp = CANCEL_AMPLITUDE * float(strength)
    net = _Net()
    reads = _core(net, w, layer1=[("c", {f"x{CANCEL_DECOY}": 1.0}, 0.0)],
                  layer2=[("cA", {"c": 1.0}, 0.0), ("cB", {"c": 1.0}, 0.0)])
    net.output({**reads, "cA": amp, "cB": -amp})
    return net.build("cancelling_paths", strength, seed, CORE_EDGES)


DISTRACTOR_KAPPA = 2.0  # as the feature level's confounder: corr(decoy, drive) = kappa s / sqrt(1 + (kappa s)^2)


def _drive(seed: int) -> np.ndarray:
    """The switches' linear drive on the clean core, ``E[y x_i]`` over the 16 switch settings
    (exact: the output depends on the switches alone), as a unit vector over the features."""
    core = clean_paths(seed=seed)
    corners = ((np.arange(16)[:, None] >> np.arange(4)) & 1) * 2.0 - 1.0
    X = np.zeros((16, N_FEATURES))
    X[:, list(SWITCHES)] = corners
    drive = np.zeros(N_FEATURES)
    drive[list(SWITCHES)] = corners.T @ core.forward(X) / 16
    return drive / np.linalg.norm(drive)


def distractor_path(strength: float = 1.0, seed: int = 0) -> DeepCircuit:
    """A decoy f7 tracks the output through the data (its correlation with the switches' drive
    is ``kappa s / sqrt(1 + (kappa s)^2)``) and feeds a path ``f7 -> d1 -> d2 -> d3`` that the
    output never reads. Its activations correlate with the output, so a method that reads
    correlation is fooled; no patch of it changes anything. At strength 0 f7 is independent noise.
    """
    w = _weights(seed)
    net = _Net()
    reads = _core(net, w, layer1=[("d1", {f"x{DISTRACTOR_DECOY}": 1.0}, 0.0)],
                  layer2=[("d2", {"d1": 1.0}, 0.0)], layer3=[("d3", {"d2": 1.0}, 0.0)])
    net.output(reads)
    a = DISTRACTOR_KAPPA * float(strength)
    mixing = np.eye(N_FEATURES)
    row = a * _drive(seed)
    row[DISTRACTOR_DECOY] = 1.0
    mixing[DISTRACTOR_DECOY] = row / np.sqrt(1.0 + a * a)
    return net.build("distractor_path", strength, seed, CORE_EDGES, mixing=mixing)


# --- the registry -------------------------------------------------------------------------------------


_NECESSITY = ("knocking out one edge of a backup route changes nothing while the primary route is present: "
              "a single knockout tests necessity")
_CANCEL = "each decoy edge alone breaks a cancellation, so it looks large; its path and its twin cancel exactly"

EDGE_CIRCUITS = {r.name: r for r in (
    Regime("clean_paths", clean_paths,
           "control: four switch chains merging late, a skip edge and a dead branch; every method should "
           "recover the circuit's edges", {}, complete=0.0),
    Regime("backup_path", backup_path,
           "every chain has a backup route into a saturating OR: knocking out one edge of it changes nothing",
           {"edge_patching": _NECESSITY,
            "node_patching": "patching the backup route's unit changes nothing while the primary is present",
            "eap": "the OR units are saturated at every sample: the gradient EAP multiplies is exactly 0",
            "eap_ig": "its quadrature nodes step over the saturated gates' narrow transitions (about 1/80 of "
                      "the path wide): with 16 nodes the gradient it averages is 0 for most edges",
            "acdc": "pruning one edge at a time drops the backup route: with the primary present it is never "
                    "needed"},
           complete=BACKUP_COMPLETE),
    Regime("cancelling_paths", cancelling_paths,
           "a decoy feeds two identical paths with opposite output weights: large edge effects that cancel",
           {"edge_patching": _CANCEL,
            "edge_denoising": "restoring one decoy edge alone into the reference breaks the cancellation too",
            "node_patching": "each of the two decoy units alone breaks the cancellation",
            "eap": "its first-order estimate is one edge's effect alone: large for each decoy edge",
            "eap_ig": "integrated along the inputs, each decoy edge's effect alone is still large",
            "acdc": "removing either decoy edge breaks the cancellation, so every decoy edge is kept"}),
    Regime("distractor_path", distractor_path,
           "a decoy correlated with the output through the data feeds a path the output never reads",
           {"edge_correlation": "the distractor path's activations move with the output in the data, "
                                "though nothing on it reaches the output"}),
)}
"""Edge-level regime name -> :class:`~neurotrace.circuits.Regime` (the feature level's class: the same fields,
meaning the same for edge methods and edge AUROC); ``EDGE_CIRCUITS[name](strength, seed)`` builds it."""


def make_deep_circuit(name: str, *, strength: float = 1.0, seed: int = 0) -> DeepCircuit:
    """Build the edge-level regime ``name`` at ``strength`` with per-seed weights."""
    check_choice(name, EDGE_CIRCUITS, "edge-level circuit")
    return EDGE_CIRCUITS[name](strength=check_strength(strength), seed=check_seed(seed))


def random_deep_circuit(width: int = 64, layers: int = 3, n_features: int = N_FEATURES, *, seed: int = 0,
                        density: float = 1.0) -> DeepCircuit:
    """A dense random network of ``layers`` hidden layers of ``width`` units with skip connections
    (every layer reads every earlier node): the benchmarks' network. Its "circuit" is the
    edges from the first half of the features on; only for timing, not a regime."""
    rng = make_rng("random-deep", seed, width, layers)
    sizes = (n_features, *([width] * layers))
    Ws, bs, structs = [], [], []
    for k in range(layers):
        before = sum(sizes[: k + 1])
        s = rng.uniform(size=(width, before)) < density
        Ws.append(np.where(s, rng.standard_normal((width, before)) / np.sqrt(before), 0.0))
        bs.append(0.1 * rng.standard_normal(width))
        structs.append(s)
    n_nodes = sum(sizes)
    v = rng.standard_normal(n_nodes) / np.sqrt(n_nodes)
    names = (*[f"x{j}" for j in range(n_features)],
             *[f"h{k + 1}_{u}" for k in range(layers) for u in range(width)])
    vs = np.ones(n_nodes, dtype=bool)
    probe = DeepCircuit("random", 1.0, names, sizes, tuple(Ws), tuple(bs), v, tuple(structs), vs,
                        np.zeros(_count(structs, vs), dtype=bool), np.eye(n_features), np.zeros(n_features, bool),
                        seed=seed)
    causal = probe.edges.source < n_features // 2
    return replace(probe, causal_edges=causal)
