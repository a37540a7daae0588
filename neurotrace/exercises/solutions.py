"""Reference solutions to the exercises, written the way a student would write them.

Plain, vectorised numpy on the ``Circuit`` attributes (``W``, ``b``, ``v``, ``dphi``,
``forward``, ``gradient``); no library shortcuts such as ``nt.attribute``. The book shows
each one in a collapsed block under its exercise, and the checkers must accept every one
of them (``tests/test_exercises.py``).
"""

from __future__ import annotations

import numpy as np

from ..circuits import Circuit, make_circuit


def gradient_saliency(circuit, X):
    """Exercise 1. Mean over samples of |dy/dx_j|: ``X (n, d) -> (d,)``."""
    Z = X @ circuit.W.T + circuit.b          # (n, hidden) pre-activations
    dy_dz = circuit.dphi(Z) * circuit.v      # (n, hidden) chain rule: through phi, then v
    dy_dx = dy_dz @ circuit.W                # (n, d) back to the inputs
    return np.abs(dy_dx).mean(axis=0)        # magnitude per sample, then average over samples


def integrated_gradients(circuit, X, baseline, steps):
    """Exercise 2. Signed IG by the midpoint rule: ``X (n, d), baseline (d,) -> (n, d)``.

    ``IG_j(x) = (x_j - x'_j) * average of dy/dx_j along the straight path from x' to x``.
    """
    n, d = X.shape
    alphas = (np.arange(steps) + 0.5) / steps                      # midpoints of `steps` equal slices
    path = baseline + alphas[:, None, None] * (X - baseline)       # (steps, n, d)
    grads = circuit.gradient(path.reshape(-1, d)).reshape(steps, n, d)
    return (X - baseline) * grads.mean(axis=0)


def resample(X, rng):
    """Exercise 3a. For every sample, the values of a *different* random sample: ``(n, d) -> (n, d)``."""
    n = len(X)
    order = rng.permutation(n)               # walk through the samples in a random order...
    partner = np.empty(n, dtype=int)
    partner[order] = np.roll(order, -1)      # ...and give each one the next one's values:
    return X[partner]                        # a single cycle, so nobody is paired with itself


def patching_scores(circuit, X, X_source):
    """Exercise 3b. Mean over samples of |f(x with x_j := source_j) - f(x)|: ``(n, d) -> (d,)``."""
    n, d = X.shape
    y = circuit.forward(X)                                          # (n,)
    patched = np.repeat(X[None], d, axis=0)                         # (d, n, d): one copy of X per feature
    features = np.arange(d)
    patched[features, :, features] = X_source.T                     # copy j gets column j from the source
    y_patched = circuit.forward(patched.reshape(-1, d)).reshape(d, n)
    return np.abs(y_patched - y).mean(axis=1)


def bump_decoy(strength=1.0, seed=0):
    """Exercise 4. The clean circuit plus a narrow bump on feature f5.

    Two steep tanh units read f5 with opposite output weights: ``h * (tanh(g (x - c) + m) -
    tanh(g (x - c) - m))``. Away from ``x = c`` both saturate and cancel, so moving f5
    changes the output only for the few samples inside the narrow window: a small net
    effect. At the window's edges the slope is steep, so mean |dy/dx5| is large. Strength
    0 makes both units' weights 0: the control.
    """
    clean = make_circuit("clean", seed=seed)
    gain, margin, height, centre = 64.0 * strength, 1.5, 2.0 * strength, 1.0
    decoy_feature = 5

    gate = np.zeros((2, clean.n_features))
    gate[:, decoy_feature] = gain
    decoy = np.zeros(clean.n_features, dtype=bool)
    decoy[decoy_feature] = True
    return Circuit(
        name="bump", strength=float(strength),
        W=np.vstack([clean.W, gate]),
        b=np.concatenate([clean.b, [-gain * centre + margin, -gain * centre - margin]]),
        v=np.concatenate([clean.v, [height, -height]]),
        activation="tanh", causal=clean.causal, decoy=decoy, mixing=clean.mixing,
        hidden_causal=np.concatenate([clean.hidden_causal, [False, False]]),
        description="a narrow bump on f5: steep edges, small net effect",
        fools=("gradient",), seed=seed,
    )


def baseline_bump_decoy(strength=1.0, seed=0):
    """Exercise 4, going further. The same bump, centred on the zero baseline instead of at 1.

    Resample patching rarely lands a sample inside the narrow window, so it still sees a small
    net effect. But integrated gradients walks from the baseline 0 -- the top of the bump -- to
    x, and crosses the whole edge on the way: |IG_5| is the bump's full height for almost
    every sample. Input x gradient is *not* fooled any more: x5 is ~0 where the slope is.
    """
    circuit = bump_decoy(strength, seed)
    margin = 1.5
    b = circuit.b.copy()
    b[-2:] = [margin, -margin]  # centre 0: the gates switch at x5 = -+ margin / gain
    return Circuit(
        name="baseline_bump", strength=circuit.strength, W=circuit.W, b=b, v=circuit.v,
        activation=circuit.activation, causal=circuit.causal, decoy=circuit.decoy, mixing=circuit.mixing,
        hidden_causal=circuit.hidden_causal, description="a narrow bump on f5 centred on the zero baseline",
        fools=("gradient", "integrated_gradients"), seed=seed,
    )
