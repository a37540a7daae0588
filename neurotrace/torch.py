"""The PyTorch / Captum bridge (the ``[torch]`` extra): circuits as ``nn.Module`` s.

    python -m pip install -e ".[torch]"     # from the clone: torch>=2.1 and captum

>>> import neurotrace as nt
>>> from neurotrace.torch import to_module, captum_method
>>> from captum.attr import IntegratedGradients
>>> model = to_module(nt.make_circuit("suppressor"))          # float64, y = v . phi(W x + b)
>>> nt.register_method("captum_ig", captum_method(IntegratedGradients, n_steps=64),
...                    family="causal")                        # now in evaluate / sweep / the CLI

This is the only module of neurotrace that imports torch; ``import neurotrace`` never does.
Captum itself is never imported here: ``captum_method`` takes the class you pass it.
"""

from __future__ import annotations

import contextlib

import numpy as np

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only where torch is absent
    raise ImportError(
        "neurotrace.torch needs PyTorch and Captum, the [torch] extra: from the clone, "
        "python -m pip install -e \".[torch]\" (torch>=2.1 and captum)"
    ) from exc

from ._checks import check_choice

__all__ = ["CircuitModule", "captum_method", "to_module"]

# torch's counterpart of each name in neurotrace.activations.ACTIVATIONS. relu's gradient at
# exactly 0 is 0 in both, so gradients agree everywhere, not just almost everywhere.
TORCH_ACTIVATIONS = {
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "relu": nn.ReLU,
    "linear": nn.Identity,
}


class CircuitModule(nn.Module):
    """``x (n, n_features) -> y (n,)``: ``readout(activation(hidden(x)))``, all float64.

    Layers are named so Captum's layer and neuron methods can target them: ``hidden``
    (``nn.Linear`` holding ``W``, ``b``), ``activation`` and ``readout`` (``nn.Linear``
    holding ``v``, no bias). Parameters are frozen (``requires_grad=False``): the circuit is
    hand-set, and input attributions need gradients with respect to the input only.
    """

    def __init__(self, circuit):
        super().__init__()
        check_choice(circuit.activation, TORCH_ACTIVATIONS, "activation")
        self.circuit_name = circuit.name
        self.hidden = nn.Linear(circuit.n_features, circuit.n_hidden, dtype=torch.float64)
        self.activation = TORCH_ACTIVATIONS[circuit.activation]()
        self.readout = nn.Linear(circuit.n_hidden, 1, bias=False, dtype=torch.float64)
        with torch.no_grad():
            self.hidden.weight.copy_(torch.from_numpy(np.array(circuit.W)))
            self.hidden.bias.copy_(torch.from_numpy(np.array(circuit.b)))
            self.readout.weight.copy_(torch.from_numpy(np.array(circuit.v))[None, :])
        self.requires_grad_(False)
        self.eval()

    def forward(self, x):
        """``(n, n_features) -> (n,)``: one output per sample, as Captum expects with ``target=None``."""
        return self.readout(self.activation(self.hidden(x))).squeeze(-1)


def to_module(circuit) -> CircuitModule:
    """The circuit as a float64 ``nn.Module`` computing exactly ``circuit.forward``."""
    return CircuitModule(circuit)


@contextlib.contextmanager
def _float64_and_seeded(rng):
    """Run Captum in float64 with torch's global RNG seeded from ``rng``, then restore both.

    float64 default: Captum builds its Riemann nodes with ``torch.linspace`` in the default
    dtype, and float32 nodes would be off by ~1e-8. (Its IG step *weights* are cast to
    float32 whatever the default, ``integrated_gradients.py``: ``torch.tensor(step_sizes).float()``,
    so Gauss-Legendre IG agrees with :func:`neurotrace.integrated_gradients` to ~1e-7
    relative, and the Riemann rules with 2**k steps, whose weights are exact, to ~1e-14.)
    Seeding: sampling methods (ShapleyValueSampling, NoiseTunnel, ...) draw from torch's
    global RNG; ``fork_rng`` keeps that draw reproducible without touching the caller's state.
    """
    previous = torch.get_default_dtype()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(rng.integers(2**63 - 1)))
        torch.set_default_dtype(torch.float64)
        try:
            yield
        finally:
            torch.set_default_dtype(previous)


def _baselines(value, X):
    """``"zero"`` / ``"mean"`` (of the samples X) as a ``(1, n_features)`` tensor; else as given."""
    if isinstance(value, str):
        check_choice(value, ("zero", "mean"), "baselines")
        base = np.zeros(X.shape[1]) if value == "zero" else X.mean(axis=0)
        return torch.from_numpy(base)[None, :]
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.asarray(value, dtype=np.float64))
    return value


def captum_method(captum_class, **attribute_kwargs):
    """A neurotrace method ``(circuit, X, rng) -> (n_features,)`` from a Captum attribution class.

    The method builds ``captum_class(to_module(circuit))``, calls
    ``.attribute(X, **attribute_kwargs)`` -- attributions ``(n_samples, n_features)`` -- and
    returns their mean absolute value over samples (neurotrace's convention: importance is
    magnitude). Register it with ``nt.register_method(name, captum_method(...), family=...)``.

    ``baselines`` may also be ``"zero"`` or ``"mean"`` (the mean of the samples X being
    attributed), so ``captum_method(FeatureAblation, baselines="mean")`` is patching with
    ``corruption="mean"``. For a class whose constructor needs more than the model, pass a
    factory instead, e.g. ``lambda model: NoiseTunnel(Saliency(model))``.
    """
    if not callable(captum_class):
        raise ValueError(f"captum_method needs a Captum attribution class (got {captum_class!r})")
    label = getattr(captum_class, "__name__", type(captum_class).__name__)
    label = label if label.isidentifier() else "factory"  # a lambda is named '<lambda>'
    settings = ", ".join(f"{k}={v!r}" for k, v in attribute_kwargs.items())

    def method(circuit, X, rng):
        kwargs = dict(attribute_kwargs)
        if "baselines" in kwargs:
            kwargs["baselines"] = _baselines(kwargs["baselines"], X)
        with _float64_and_seeded(rng):
            explainer = captum_class(to_module(circuit))
            inputs = torch.from_numpy(np.array(X, dtype=np.float64)).requires_grad_()  # a writable copy
            attributions = explainer.attribute(inputs, **kwargs)
        return attributions.detach().abs().mean(dim=0).numpy()

    method.__name__ = f"captum_{label}"
    method.__qualname__ = method.__name__
    method.__doc__ = f"mean |Captum {label}({settings})| over samples"
    return method
