"""Bare-numpy "floors": each method's numbers computed as plainly as possible.

A floor is the cheapest obvious numpy program for the same numbers -- no chunking, no
tricks, one batched expression of the definition ``y = v . phi(W x + b)``. The benchmark
first checks that a floor matches the library (``np.allclose``), then times both: a method
within 2x of its floor wastes nothing big. Each floor computes the method's *default*
options (IG: zero baseline, 64 Gauss-Legendre steps; patching: resample corruption).

A method registered without a floor here is reported as "no floor" (never silently skipped).
Signature as the methods: ``(circuit, X, rng) -> (n_features,)``.
"""

from __future__ import annotations

import math

import numpy as np


def _forward(c, X):
    """``y = v . phi(X W^T + b)`` for any leading batch shape of ``X (..., n_features)``."""
    return c.phi(X @ c.W.T + c.b) @ c.v


def _gradients(c, X):
    """``dy/dx = (v * phi'(z)) W`` for ``X (..., n_features)``."""
    return (c.dphi(X @ c.W.T + c.b) * c.v) @ c.W


def _resampled(X, rng):
    """The library's resample corruption, plainly: one random order of the samples, and per
    feature a random shift along it (sample at position i takes position i + s_j)."""
    n, d = X.shape
    order = rng.permutation(n)
    shifts = rng.integers(1, n, size=d)
    partner = np.empty((n, d), dtype=np.intp)
    partner[order] = order[(np.arange(n)[:, None] + shifts) % n]
    return np.take_along_axis(X, partner, axis=0)


def random_floor(c, X, rng):
    return rng.uniform(size=c.n_features)


def correlation_floor(c, X, rng):
    y = _forward(c, X)
    r = np.abs(np.corrcoef(X, y, rowvar=False)[-1, :-1])
    return np.nan_to_num(r)  # a constant column has no correlation: 0, as in the library


def gradient_floor(c, X, rng):
    return np.abs(_gradients(c, X)).mean(axis=0)


def input_x_gradient_floor(c, X, rng):
    return np.abs(X * _gradients(c, X)).mean(axis=0)


def integrated_gradients_floor(c, X, rng, steps=64):
    """One batched forward+backward over ``(steps, samples)`` points on the straight path from 0."""
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas, weights = (nodes + 1) / 2, weights / 2  # [-1, 1] -> [0, 1]
    path = alphas[:, None, None] * X  # (steps, n, d): the zero baseline
    grads = _gradients(c, path)  # (steps, n, d)
    return np.abs(X * np.tensordot(weights, grads, axes=1)).mean(axis=0)


def patching_floor(c, X, rng):
    """All ``n_features`` patched copies of the data in one ``(d, n, d)`` forward pass."""
    n, d = X.shape
    patched = np.repeat(X[None], d, axis=0)  # patched[j] = X with column j replaced
    patched[np.arange(d), :, np.arange(d)] = _resampled(X, rng).T
    return np.abs(_forward(c, patched) - _forward(c, X)).mean(axis=1)


FLOORS = {
    "random": random_floor,
    "correlation": correlation_floor,
    "gradient": gradient_floor,
    "input_x_gradient": input_x_gradient_floor,
    "integrated_gradients": integrated_gradients_floor,
    "patching": patching_floor,
}


def smoothgrad_floor(c, X, rng, noise=0.15, copies=16):
    """Gradients at all ``(samples, copies)`` noisy points at once."""
    noisy = X[:, None, :] + noise * X.std(axis=0) * rng.standard_normal((len(X), copies, X.shape[1]))
    return np.abs(_gradients(c, noisy)).mean(axis=(0, 1))


def denoising_patching_floor(c, X, rng):
    """Zero corruption (the default): restore one feature of the all-zeros input at a time."""
    n, d = X.shape
    restored = np.zeros((d, n, d))
    restored[np.arange(d), :, np.arange(d)] = X.T
    return np.abs(_forward(c, restored) - _forward(c, np.zeros((1, d)))).mean(axis=1)


def attribution_patching_floor(c, X, rng):
    return np.abs(_gradients(c, X) * (_resampled(X, rng) - X)).mean(axis=0)


def shapley_floor(c, X, rng):
    """Exact Shapley values (zero reference), one hidden unit at a time.

    The output is a sum over units and a feature a unit does not read is a null player in
    its game, so enumerating each unit's 2^k coalitions is exact -- and the cheapest exact way.
    """
    phi = np.zeros(X.shape)
    for u in np.flatnonzero(c.v):
        cols = np.flatnonzero(c.W[u])
        k = len(cols)
        masks = np.arange(2**k)
        members = (masks[:, None] >> np.arange(k)) & 1  # (2^k, k): who is in each coalition
        value = c.v[u] * c.phi((X[:, None, cols] * members) @ c.W[u, cols] + c.b[u])  # (n, 2^k)
        sizes = members.sum(axis=1)
        weight = np.array([math.factorial(s) * math.factorial(k - 1 - s) / math.factorial(k) for s in range(k)])
        for j in range(k):
            without = masks[members[:, j] == 0]  # coalitions that lack feature j
            phi[:, cols[j]] += (value[:, without | (1 << j)] - value[:, without]) @ weight[sizes[without]]
    return np.abs(phi).mean(axis=0)


FLOORS.update({
    "smoothgrad": smoothgrad_floor,
    "denoising_patching": denoising_patching_floor,
    "attribution_patching": attribution_patching_floor,
    "shapley": shapley_floor,
})
