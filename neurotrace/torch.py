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
import random
import warnings

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
from ._rng import as_generator

__all__ = ["CAPTUM_CONVENTIONS", "CAPTUM_METHODS", "CircuitModule", "builtin_rows", "captum_conventions",
           "captum_method", "captum_table", "from_module", "gradient_shap_draws", "require_captum", "to_module"]

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


_ACTIVATION_NAMES = {cls: name for name, cls in TORCH_ACTIVATIONS.items()}
CONVERTIBLE = "Linear(n_features, n_hidden) -> Tanh | Sigmoid | ReLU | Identity -> Linear(n_hidden, 1)"


def _layers(module):
    """The module's three layers, in order: its leaf modules (a ``Sequential``, a ``CircuitModule``, or
    any module whose submodules are exactly these three), or a ``ValueError`` naming what it found."""
    leaves = [m for m in module.modules() if not list(m.children())]
    found = ", ".join(type(m).__name__ for m in leaves) or "no layers"
    shape = f"neurotrace converts {CONVERTIBLE}"
    if len(leaves) == 2 and all(isinstance(m, nn.Linear) for m in leaves):
        raise ValueError(f"cannot convert {type(module).__name__}: found Linear, Linear with no activation between; "
                         f"{shape} (nn.Identity() for a linear network)")
    if len(leaves) != 3:
        raise ValueError(f"cannot convert {type(module).__name__}: found {len(leaves)} layers ({found}); {shape}")
    hidden, activation, readout = leaves
    for position, layer in (("first", hidden), ("last", readout)):
        if not isinstance(layer, nn.Linear):
            raise ValueError(f"cannot convert {type(module).__name__}: its {position} layer is "
                             f"{type(layer).__name__}, not Linear; {shape}")
    if type(activation) not in _ACTIVATION_NAMES:
        raise ValueError(f"cannot convert {type(module).__name__}: activation {type(activation).__name__} has no "
                         f"neurotrace counterpart (convertible: {', '.join(c.__name__ for c in _ACTIVATION_NAMES)})")
    if readout.out_features != 1:
        raise ValueError(f"cannot convert {type(module).__name__}: its last Linear has {readout.out_features} "
                         "outputs; a circuit has one (Linear(n_hidden, 1))")
    if readout.in_features != hidden.out_features:
        raise ValueError(f"cannot convert {type(module).__name__}: its Linear layers do not chain "
                         f"({hidden.out_features} hidden units out, {readout.in_features} in)")
    return hidden, activation, readout


def from_module(module, causal, *, name: str = "module", decoy=None, sampler=None, description: str = "",
                ignore_output_bias: bool = False, check_samples: int = 64):
    """A neurotrace :class:`~neurotrace.circuits.Circuit` from a PyTorch module of the shape
    ``Linear(n_features, n_hidden) -> activation -> Linear(n_hidden, 1)``, any width.

    The module may be an ``nn.Sequential`` of the three layers, :func:`to_module`'s
    ``CircuitModule``, or any module whose only layers are these three, in this order;
    the activation is ``nn.Tanh``, ``nn.Sigmoid``, ``nn.ReLU`` or ``nn.Identity``. Weights are
    copied as float64 (a float32 module converts exactly). ``causal`` (the features the AUROC
    should put on top: a bool mask or feature indices), ``decoy``, ``sampler`` and ``description``
    are :func:`neurotrace.circuit_from_weights`'s; without ``sampler`` the data are its default,
    independent standard normal features. Then ``nt.evaluate(circuits=[circuit])`` scores it.

    What cannot be converted is a ``ValueError`` naming it: other layers or more of them, another
    activation, more than one output, and a bias on the last layer (a circuit has no output bias;
    no attribution score depends on a constant added to the output, so ``ignore_output_bias=True``
    drops it). The circuit's forward is compared with the module's on ``check_samples`` draws from
    the data: a module whose ``forward`` does something else than chaining its layers (a skip
    connection, a scaling) is refused too. ``to_module(from_module(m, ...))`` holds ``m``'s weights
    exactly, and ``from_module(to_module(c), c.causal)`` ``c``'s.
    """
    import neurotrace as nt

    if not isinstance(module, nn.Module):
        raise TypeError(f"from_module needs a torch.nn.Module (got {type(module).__name__})")
    hidden, activation, readout = _layers(module)
    if readout.bias is not None and not ignore_output_bias:
        raise ValueError(f"cannot convert {type(module).__name__}: its last Linear has a bias, and a circuit "
                         "y = v . phi(W x + b) has none; no attribution score depends on a constant added to the "
                         "output, so pass ignore_output_bias=True to drop it (or build the Linear with bias=False)")

    def weights(tensor):
        return tensor.detach().cpu().to(torch.float64).numpy().copy()

    W = weights(hidden.weight)
    b = weights(hidden.bias) if hidden.bias is not None else np.zeros(hidden.out_features)
    v = weights(readout.weight)[0]
    circuit = nt.circuit_from_weights(W, b, v, _ACTIVATION_NAMES[type(activation)], causal, name=name,
                                      decoy=decoy, sampler=sampler, description=description)
    X = circuit.sample(check_samples, nt.make_rng("from_module check", 0))
    with torch.no_grad():
        parameter = next(module.parameters())
        out = module(torch.from_numpy(X).to(parameter.dtype))
    out = out.detach().cpu().to(torch.float64).numpy()
    if out.shape not in ((len(X),), (len(X), 1)):
        raise ValueError(f"cannot convert {type(module).__name__}: its forward returns shape {tuple(out.shape)} for "
                         f"{len(X)} samples; expected ({len(X)},) or ({len(X)}, 1)")
    expected = circuit.forward(X) + (float(readout.bias.detach()[0]) if readout.bias is not None else 0.0)
    tolerance = 1e-9 if parameter.dtype == torch.float64 else 1e-4
    gap = float(np.max(np.abs(out.reshape(-1) - expected)))
    if not gap <= tolerance * max(1.0, float(np.max(np.abs(expected)))):
        raise ValueError(f"cannot convert {type(module).__name__}: its forward is not its three layers chained "
                         f"(on {len(X)} samples it differs from v . phi(W x + b) by up to {gap:.3g}); "
                         f"neurotrace converts {CONVERTIBLE}, computed in that order and nothing else")
    return circuit


@contextlib.contextmanager
def _captum_context(rng):
    """Run Captum in float64, on one thread, with every random draw seeded from ``rng``; then
    restore the caller's dtype, thread count and random states, whatever happens.

    float64 default: Captum builds its Riemann nodes with ``torch.linspace`` in the default
    dtype, and float32 nodes would be off by ~1e-8. (Its IG step *weights* are cast to
    float32 whatever the default, ``integrated_gradients.py``: ``torch.tensor(step_sizes).float()``,
    so Gauss-Legendre IG agrees with :func:`neurotrace.ig_attributions` to ~1e-7
    relative, and the Riemann rules with 2**k steps, whose weights are exact, to ~1e-14.)
    Seeding: Captum's samplers draw from torch's global RNG (ShapleyValueSampling,
    FeaturePermutation, NoiseTunnel, Lime, KernelShap), numpy's (GradientShap's path points and
    its choice of baselines) and Python's; each is seeded from ``rng`` and put back after.
    One thread: these networks are tiny, and torch's thread pool costs more than it saves
    (benchmarks/RESULTS.md, "Design notes"). DeepLift's warning about
    the hooks it sets and Lime's and KernelShap's about fitting one model per sample, repeated on
    every call, are silenced.
    """
    previous_dtype, previous_threads = torch.get_default_dtype(), torch.get_num_threads()
    numpy_state, python_state = np.random.get_state(), random.getstate()
    seeds = rng.integers(2**32 - 1, size=3)
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Setting forward, backward hooks and attributes on non-linear")
        # Lime and KernelShap say, on every call, that they fit one model per sample: neurotrace means them to.
        warnings.filterwarnings("ignore", message=r"You are providing multiple inputs for Lime / Kernel SHAP")
        try:
            torch.manual_seed(int(seeds[0]))
            np.random.seed(int(seeds[1]))
            random.seed(int(seeds[2]))
            torch.set_default_dtype(torch.float64)
            torch.set_num_threads(1)
            yield
        finally:
            torch.set_default_dtype(previous_dtype)
            torch.set_num_threads(previous_threads)
            np.random.set_state(numpy_state)
            random.setstate(python_state)


BASELINES = ("zero", "mean", "data")


def _baselines(value, X, background: int, rng):
    """Captum's ``baselines`` for samples ``X``: ``"zero"`` / ``"mean"`` (of X) as ``(1, n_features)``;
    ``"data"``: ``background`` rows of X drawn with ``rng`` (a background data set, for DeepLiftShap and
    GradientShap); a number or a numpy array (one baseline, or a background data set ``(m, n_features)``)
    as float64; anything else (a tensor) as given."""
    if isinstance(value, str):
        check_choice(value, BASELINES, "baselines")
        if value == "data":
            rows = rng.choice(len(X), size=min(background, len(X)), replace=False)
            return torch.from_numpy(np.array(X[np.sort(rows)], dtype=np.float64))
        base = np.zeros(X.shape[1]) if value == "zero" else X.mean(axis=0)
        return torch.from_numpy(base)[None, :]
    if isinstance(value, np.ndarray):
        if value.shape[-1:] != (X.shape[1],) or value.ndim > 2:
            raise ValueError(f"baselines as an array must have shape ({X.shape[1]},) or (m, {X.shape[1]}) "
                             f"(got shape {value.shape})")
        return torch.from_numpy(np.array(value, dtype=np.float64).reshape(-1, X.shape[1]))
    return value


def captum_method(captum_class, *, background: int = 32, max_samples: int | None = None, **attribute_kwargs):
    """A neurotrace method ``(circuit, X, rng=None) -> (n_features,)`` from a Captum attribution class.

    The method builds ``captum_class(to_module(circuit))``, calls
    ``.attribute(X, **attribute_kwargs)`` -- attributions ``(n_samples, n_features)`` -- and
    returns their mean absolute value over samples (neurotrace's convention: importance is
    magnitude). Register it with ``nt.register_method(name, captum_method(...), family=...)``.
    For a class whose constructor needs more than the model, pass a factory instead, e.g.
    ``lambda model: NoiseTunnel(Saliency(model))``.

    ``baselines`` may be ``"zero"``, ``"mean"`` (the mean of the samples X being attributed), or
    ``"data"``: a background data set of ``background`` rows of X (default 32, drawn with ``rng``),
    for the methods that average over baselines (``DeepLiftShap``, ``GradientShap``); or a numpy
    array, one baseline ``(n_features,)`` or your own background ``(m, n_features)``.

    ``max_samples``: attribute only the first ``max_samples`` rows of X (the importance is then the
    mean over those rows; the rows are independent draws, so the first ones are a random subset).
    For the methods that fit one model per sample, ``Lime`` and ``KernelShap`` (10-20 ms each
    here, in Captum's own Python), which would otherwise cost seconds per seed and circuit.

    Like the built-ins, ``rng`` may be ``None`` (a fixed stream), a seed or a ``Generator``, and
    every random draw Captum makes -- torch's, numpy's and Python's global generators -- is seeded
    from it and put back afterwards. Torch runs on one thread while the method works (the previous
    setting is restored), and DeepLift's per-call warning about its hooks is kept out of the output.

    Which Captum call reproduces which built-in row here (each checked in ``tests/test_torch.py``):

    - ``Saliency`` = ``gradient`` (the same gradient, to rounding);
    - ``InputXGradient`` = ``input_x_gradient``;
    - ``IntegratedGradients`` with ``n_steps=64`` = ``integrated_gradients`` (the same Gauss-Legendre
      nodes; Captum rounds its step weights to float32, ~1e-7). Captum's default ``n_steps=50`` is
      too coarse for the suppressor's steep gates beyond strength 1: at strength 2 it falls below 1;
    - ``DeepLift`` (zero baseline) = ``integrated_gradients`` with ``rule="exact"``: on a network
      with one hidden layer its rescale rule is the exact path integral;
    - ``FeatureAblation`` with ``baselines=0`` (or ``"zero"``) = ``patching`` with
      ``corruption="zero"``, and with ``baselines="mean"`` = ``corruption="mean"`` (sign flipped:
      Captum reports f(x) - f(x ablated)); ``Occlusion`` with ``sliding_window_shapes=(1,)`` is the
      same one-feature ablation;
    - ``FeaturePermutation`` ~ ``patching`` (``corruption="resample"``): each feature takes another
      sample's value, but Captum permutes the batch (a sample may keep its own value) where
      neurotrace draws a derangement;
    - ``NoiseTunnel(Saliency)`` with ``nt_type="smoothgrad"`` ~ ``smoothgrad``: its ``stdevs`` is an
      absolute noise scale, the same for every feature, where neurotrace's ``noise`` is relative to
      each feature's standard deviation (here every feature's is ~1, so ``stdevs=0.15`` matches the
      default ``noise=0.15`` in distribution, not draw for draw).
    """
    if not callable(captum_class):
        raise ValueError(f"captum_method needs a Captum attribution class (got {type(captum_class).__name__})")
    if isinstance(background, bool) or not isinstance(background, (int, np.integer)) or background < 1:
        raise ValueError(f"background must be a positive integer: the rows drawn for baselines='data' "
                         f"(got {type(background).__name__})")
    if max_samples is not None and (isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer))
                                    or max_samples < 1):
        raise ValueError(f"max_samples must be a positive integer or None: how many rows of X to attribute "
                         f"(got {max_samples!r:.40})")
    if isinstance(attribute_kwargs.get("baselines"), str):
        check_choice(attribute_kwargs["baselines"], BASELINES, "baselines")
    label = getattr(captum_class, "__name__", type(captum_class).__name__)
    label = label if label.isidentifier() else "factory"  # a lambda is named '<lambda>'
    settings = ", ".join(f"{k}={v!r:.40}" for k, v in attribute_kwargs.items())
    settings += f"; the first {max_samples} samples" if max_samples is not None else ""

    def method(circuit, X, rng=None):
        rng = as_generator(rng, "captum", label, 0)
        X = X if max_samples is None else X[: int(max_samples)]
        kwargs = dict(attribute_kwargs)
        if "baselines" in kwargs:
            kwargs["baselines"] = _baselines(kwargs["baselines"], X, int(background), rng)
        with _captum_context(rng):
            explainer = captum_class(to_module(circuit))
            inputs = torch.from_numpy(np.array(X, dtype=np.float64)).requires_grad_()  # a writable copy
            attributions = explainer.attribute(inputs, **kwargs)
        return attributions.detach().abs().mean(dim=0).numpy()

    method.__name__ = f"captum_{label}"
    method.__qualname__ = method.__name__
    method.__doc__ = f"mean |Captum {label}({settings})| over samples"
    return method


# --- Captum's attribution methods, scored like the built-ins -----------------------------------

MODEL_SAMPLES = 16
"""Lime and KernelShap attribute the first 16 samples only (``captum_method``'s ``max_samples``): they fit
one scikit-learn model per sample, in Captum's own Python (10-20 ms each here), which at 512 samples
would cost 5-10 s per seed and circuit."""

# name -> (Captum class, options, family, the built-in row it reproduces or approximates).
# Thirteen Captum classes in fifteen configurations; IG twice (64 steps, and Captum's default 50),
# FeatureAblation twice (zero and mean baselines). A class name is looked up in captum.attr when used.
CAPTUM_METHODS = {
    "captum_saliency": ("Saliency", {}, "proxy", "gradient"),
    "captum_input_x_gradient": ("InputXGradient", {}, "proxy", "input_x_gradient"),
    "captum_integrated_gradients": ("IntegratedGradients", {"n_steps": 64}, "causal", "integrated_gradients"),
    "captum_integrated_gradients_50": ("IntegratedGradients", {}, "causal", "integrated_gradients"),
    "captum_deeplift": ("DeepLift", {}, "causal", "integrated_gradients (rule='exact')"),
    "captum_deeplift_shap": ("DeepLiftShap", {"baselines": "data"}, "causal", None),
    "captum_gradient_shap": ("GradientShap", {"baselines": "data"}, "causal", None),
    "captum_feature_ablation": ("FeatureAblation", {"baselines": 0.0}, "causal", "patching (corruption='zero')"),
    "captum_feature_ablation_mean": ("FeatureAblation", {"baselines": "mean"}, "causal",
                                     "patching (corruption='mean')"),
    "captum_feature_permutation": ("FeaturePermutation", {}, "causal", "patching (corruption='resample')"),
    "captum_occlusion": ("Occlusion", {"sliding_window_shapes": (1,), "baselines": 0.0}, "causal",
                         "patching (corruption='zero')"),
    "captum_shapley_sampling": ("ShapleyValueSampling", {"perturbations_per_eval": 64}, "causal", "shapley"),
    "captum_kernel_shap": ("KernelShap", {"perturbations_per_eval": 25, "max_samples": MODEL_SAMPLES}, "causal",
                           "shapley"),
    "captum_lime": ("Lime", {"perturbations_per_eval": 50, "max_samples": MODEL_SAMPLES}, "proxy", None),
    "captum_noise_tunnel": ("NoiseTunnel", {"nt_type": "smoothgrad", "nt_samples": 16, "stdevs": 0.15}, "proxy",
                            "smoothgrad"),
}
"""The Captum configurations :func:`captum_table` scores: name -> (class in ``captum.attr``, options
(of ``attribute``, and :func:`captum_method`'s ``max_samples``), family, the built-in row it reproduces
or approximates, or ``None``). Lime and KernelShap fit scikit-learn models (installed with the
``[torch]`` extra), on :data:`MODEL_SAMPLES` samples. ``perturbations_per_eval`` only batches the
forward passes of ShapleyValueSampling, KernelShap and Lime: the same draws, the same attributions,
in less time (checked in ``tests/test_torch_own.py``)."""


def require_captum() -> None:
    """Raise ``ImportError`` naming what is missing unless Captum and scikit-learn (which Captum's Lime and
    KernelShap fit their models with) import: what :func:`captum_table` needs besides torch. The
    ``[torch]`` extra installs all three."""
    for module, why in (("captum.attr", "captum"), ("sklearn.linear_model", "scikit-learn (for Lime and KernelShap)")):
        try:
            __import__(module)
        except ImportError as exc:
            raise ImportError(f"{why} is not installed (the [torch] extra installs it: from the clone, "
                              f"python -m pip install -e \".[torch]\"): {exc}") from exc


def _captum_class(class_name: str):
    from captum import attr

    cls = getattr(attr, class_name)
    if class_name == "NoiseTunnel":  # wraps another method: SmoothGrad over Saliency
        return lambda model: attr.NoiseTunnel(attr.Saliency(model))
    return cls


def captum_methods(names=None) -> dict:
    """``{name: (method, family)}`` for :data:`CAPTUM_METHODS` (all, or ``names``), ready for
    ``nt.register_method(name, method, family=family)``."""
    names = tuple(CAPTUM_METHODS) if names is None else ((names,) if isinstance(names, str) else tuple(names))
    out = {}
    for name in names:
        check_choice(name, CAPTUM_METHODS, "Captum configuration")
        class_name, options, family, _ = CAPTUM_METHODS[name]
        out[name] = (captum_method(_captum_class(class_name), **options), family)
    return out


def builtin_rows(methods=None) -> list[str]:
    """The built-in rows that the Captum configurations ``methods`` (default all) reproduce or approximate,
    in :data:`CAPTUM_METHODS`' order, each once: ``gradient``, ``input_x_gradient``, ..."""
    names = tuple(CAPTUM_METHODS) if methods is None else ((methods,) if isinstance(methods, str) else tuple(methods))
    rows = []
    for name in names:
        builtin = CAPTUM_METHODS[check_choice(name, CAPTUM_METHODS, "Captum configuration")][3]
        if builtin is not None and builtin.split(" ")[0] not in rows:
            rows.append(builtin.split(" ")[0])
    return rows


def _interleaved(results, captum_names):
    """``results`` with each built-in row first and the Captum rows that reproduce it under it; the
    Captum rows with no built-in counterpart follow the row above them in :data:`CAPTUM_METHODS`."""
    from dataclasses import replace

    order = []
    for name in captum_names:
        builtin = CAPTUM_METHODS[name][3]
        if builtin is not None and builtin.split(" ")[0] not in order:
            order.append(builtin.split(" ")[0])
        order.append(name)
    index = [results.methods.index(m) for m in order]
    families = tuple(results.families[i] for i in index) if results.families else ()
    return replace(results, methods=tuple(order), auroc=results.auroc[index], importances=results.importances[index],
                   families=families)


def captum_table(methods=None, circuits=None, *, seeds: int = 16, samples: int = 512, builtins: bool = False,
                 progress=None):
    """``nt.evaluate`` of Captum's methods (:data:`CAPTUM_METHODS`: all, or the names in
    ``methods``) on ``circuits`` (default every regime): a :class:`~neurotrace.results.Results`
    whose rows are the Captum configurations. They are registered for the call only.

    ``builtins=True`` adds the built-in rows they reproduce or approximate (:func:`builtin_rows`), at
    the same seeds and samples, each just above its Captum counterparts; or join any built-in rows
    yourself with ``nt.combine(nt.evaluate(...), captum_table(...))`` at the same settings.

    Cost: Captum takes the gradient of each output row separately (``compute_gradients`` unbinds the
    batch into scalars), about 20 microseconds a row here, so ``IntegratedGradients`` with 64 steps,
    and ``DeepLiftShap`` over 32 baselines, take about half a second per seed and circuit at 512
    samples; the other gradient and ablation methods milliseconds; Lime and KernelShap, which fit a
    model per sample, attribute :data:`MODEL_SAMPLES` samples. About 1.3 s of computing per seed and circuit
    at 512 samples in all (16 seeds on every regime: under two minutes), a quarter of that at 128.
    """
    import neurotrace as nt

    from .methods import registered_method

    chosen = captum_methods(methods)
    with contextlib.ExitStack() as stack:
        for name, (fn, family) in chosen.items():
            stack.enter_context(registered_method(name, fn, family=family, replace=True))
        table = nt.evaluate(list(chosen), circuits, seeds=seeds, samples=samples, progress=progress)
    if not builtins:
        return table
    rows = builtin_rows(list(chosen))
    return _interleaved(nt.combine(nt.evaluate(rows, circuits, seeds=seeds, samples=samples), table), list(chosen))


# Captum configuration -> (how it relates to its built-in row: "=" reproduces it, to rounding, and
# "~" approximates it; None: no built-in row), and how. Each "=" and "~" is checked in
# tests/test_torch.py or tests/test_torch_own.py.
CAPTUM_CONVENTIONS = {
    "captum_saliency": ("=", "the same gradient, to rounding"),
    "captum_input_x_gradient": ("=", "to rounding"),
    "captum_integrated_gradients": ("=", "the same Gauss-Legendre nodes (Captum rounds their weights to float32)"),
    "captum_integrated_gradients_50": ("~", "Captum's default number of steps: too coarse for the suppressor's "
                                            "steep gates beyond strength 1"),
    "captum_deeplift": ("=", "on one hidden layer the rescale rule is the exact path integral"),
    "captum_deeplift_shap": (None, "DeepLift averaged over a background of rows drawn from the data"),
    "captum_gradient_shap": (None, "a random estimate of the expected gradients: integrated gradients averaged "
                                   "over baselines drawn from the data"),
    "captum_feature_ablation": ("=", "the sign flipped: Captum reports f(x) − f(x ablated)"),
    "captum_feature_ablation_mean": ("=", "the sign flipped, as above"),
    "captum_feature_permutation": ("~", "Captum permutes the batch, so a sample may keep its own value; "
                                        "neurotrace draws a derangement"),
    "captum_occlusion": ("=", "a window of one feature is a one-feature ablation"),
    "captum_shapley_sampling": ("~", "random feature orders estimate the exact Shapley values (zero reference)"),
    "captum_kernel_shap": ("~", "a weighted regression on random coalitions estimates the same Shapley values"),
    "captum_lime": (None, "a sparse linear model fitted around each sample"),
    "captum_noise_tunnel": ("~", "its noise is absolute, the same for every feature; smoothgrad's is relative to "
                                 "each feature's spread"),
}
"""How each configuration of :data:`CAPTUM_METHODS` relates to the built-in row it names: what
:func:`captum_conventions` tabulates, and ``captum_method``'s docstring and the README say."""

_OWN_OPTIONS = ("max_samples", "background", "perturbations_per_eval")  # neurotrace's, or batching only


def _call(name: str) -> str:
    """The Captum call of configuration ``name``, as a reader would write it (markdown code, one span per
    option so a narrow column can wrap between them)."""
    class_name, options, _, _ = CAPTUM_METHODS[name]
    shown = {k: v for k, v in options.items() if k not in _OWN_OPTIONS}
    if class_name == "NoiseTunnel":
        class_name = "NoiseTunnel(Saliency)"
    args = ", ".join(f"`{k}={v!r}`" if v != "data" else f"`{k}=` rows of the data" for k, v in shown.items())
    return f"`{class_name}`" + (f" with {args}" if args else "")


def captum_conventions(methods=None) -> str:
    """A markdown table: each Captum configuration (all, or ``methods``) and its Captum call, the built-in
    row it reproduces (=) or approximates (≈), and how (:data:`CAPTUM_CONVENTIONS`)."""
    names = tuple(CAPTUM_METHODS) if methods is None else ((methods,) if isinstance(methods, str) else tuple(methods))
    lines = ["| row: Captum call | built-in row | how |", "|---|---|---|"]
    for name in names:
        check_choice(name, CAPTUM_METHODS, "Captum configuration")
        relation, how = CAPTUM_CONVENTIONS[name]
        builtin = CAPTUM_METHODS[name][3]
        if builtin is None:
            row = "none"
        else:
            base, _, option = builtin.partition(" ")
            row = f"{'=' if relation == '=' else '≈'} `{base}`" + (f" with `{option.strip('()')}`" if option else "")
        max_samples = CAPTUM_METHODS[name][1].get("max_samples")
        if max_samples:
            how += f"; on the first {max_samples} samples (a model per sample)"
        lines.append(f"| `{name}`: {_call(name)} | {row} | {how} |")
    return "\n".join(lines)


def gradient_shap_draws(draws=(1, 4, 16, 64, 256), *, circuit: str = "suppressor", seeds: int = 16,
                        samples: int = 512, background: int = 32) -> dict:
    """GradientShap's AUROC on ``circuit`` against its number of draws per sample, and the AUROC of the
    quantity it estimates, computed exactly.

    GradientShap (``baselines="data"``, a background of ``background`` rows of the data) attributes
    ``(x - x') * grad f(x' + a (x - x'))`` at ``n_samples`` random draws of a baseline ``x'`` and of
    ``a`` in [0, 1], averaged: an unbiased estimate of the *expected gradients*, the mean over the
    background of integrated gradients. That mean is computed here in closed form (IG's
    ``rule="exact"``, one baseline at a time, the same background as GradientShap's at each seed).
    Returns plain values: ``draws``, the mean AUROC and its standard error at each (``auroc``,
    ``sem``), ``expected_gradients`` (mean AUROC of the exact quantity), the importance (mean |.| over
    samples, averaged over the features and the seeds) of the regime's decoys and of its causal
    features at each number of draws (``decoy_importance``, ``causal_importance``) and for the exact
    quantity (``expected_gradients_decoy``, ``expected_gradients_causal``), and the settings.
    """
    import neurotrace as nt

    from ._rng import make_rng

    GradientShap = _captum_class("GradientShap")
    per_draw = np.empty((len(draws), seeds))
    exact = np.empty(seeds)
    roles = ("decoy", "causal")
    drawn = {role: np.empty((len(draws), seeds)) for role in roles}  # mean importance of the role's features
    closed = {role: np.empty(seeds) for role in roles}
    for s in range(seeds):
        c = nt.make_circuit(circuit, seed=s)
        X = c.sample(samples, make_rng("data", s))
        for k, n in enumerate(draws):
            fn = captum_method(GradientShap, background=background, baselines="data", n_samples=int(n))
            importance = fn(c, X, make_rng("method", "captum_gradient_shap", s))
            per_draw[k, s] = nt.auroc(importance, c.causal)
            for role in roles:
                drawn[role][k, s] = importance[getattr(c, role)].mean() if getattr(c, role).any() else np.nan
        rows = make_rng("method", "captum_gradient_shap", s).choice(len(X), size=min(background, len(X)),
                                                                     replace=False)
        eg = np.mean([nt.ig_attributions(c, X, baseline=X[r], rule="exact") for r in np.sort(rows)], axis=0)
        exact[s] = nt.auroc(np.abs(eg).mean(axis=0), c.causal)
        for role in roles:
            mask = getattr(c, role)
            closed[role][s] = np.abs(eg[:, mask]).mean(axis=0).mean() if mask.any() else np.nan
    sem = per_draw.std(axis=1, ddof=1) / np.sqrt(seeds) if seeds > 1 else np.zeros(len(draws))
    return {"circuit": circuit, "seeds": seeds, "samples": samples, "background": background,
            "draws": [int(n) for n in draws], "auroc": per_draw.mean(axis=1).tolist(), "sem": sem.tolist(),
            "expected_gradients": float(exact.mean()),
            **{f"{role}_importance": drawn[role].mean(axis=1).tolist() for role in roles},
            **{f"expected_gradients_{role}": float(closed[role].mean()) for role in roles}}
