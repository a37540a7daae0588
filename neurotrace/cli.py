"""The ``neurotrace`` command line: parsing and printing around the library, nothing else.

    neurotrace circuits                                       the regimes: what each plants and fools
    neurotrace attribute --method gradient --circuit suppressor
    neurotrace compare --circuit confounded                   every method on one circuit
    neurotrace table [--labels scrambled]                     the methods x circuits table
    neurotrace table --level hidden [--truth task|effect]     the same for hidden units
    neurotrace table --level edge                             edges of deep networks: AUROC and faithfulness

Numbers come from the library with ``evaluate``'s random streams, so ``attribute --seed s``
shows exactly the per-seed numbers behind ``table``. Features whose scores tie (within
``nt.TIE_TOLERANCE``, as AUROC counts them: ``nt.tie_groups``) are printed as one bracketed
group, never in an order that would read as a ranking. A method that falls below
``claims.FOOLED_BELOW`` is printed with the reason ``claims.explain`` gives. Bad input -- from a flag or from a
``NEUROTRACE_*`` variable -- is one line on stderr and exit status 2, in the wording of
``neurotrace._checks``. Nothing else prints a traceback either: a failing plug-in, output that
cannot be written (a closed or full stdout) and Ctrl-C are one line (or none) and a documented
exit status (``EXIT``); ``--debug`` or ``NEUROTRACE_DEBUG=1`` prints a failure's traceback.
A long run shows its progress on stderr when stderr is a terminal (:mod:`neurotrace.progress`;
``--quiet``); how the output is written -- encodable, a failed write one line -- is
:mod:`neurotrace.output`.
Plug-ins load only for the commands that use methods (``NEEDS_METHODS``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import textwrap
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

import neurotrace as nt

from ._checks import (
    MAX_SAMPLES,
    MAX_SEED,
    MAX_STRENGTH,
    check_choice,
    check_labels,
    check_samples,
    check_seed,
    check_seeds,
    check_strength,
    show,
)
from .discovery import EDGE_METHODS, faithfulness_of
from .evaluate import LEVELS, run_seed
from .hidden import HIDDEN_TRUTHS
from .methods import PluginError, check_options
from .output import OutputError, Paint, error, flush_stdout, silence_stdout, write
from .plugins import ENV_VAR as PLUGINS_VAR
from .plugins import import_plugin, load_plugins, split_plugin_args
from .progress import Progress
from .scoring import tie_groups


class _LazyClaims:
    """``neurotrace.claims``, imported on first use: ``--version``, ``--help`` and bad input stay fast."""

    def __getattr__(self, name):
        from . import claims as module

        return getattr(module, name)


claims = _LazyClaims()

GLOSS = "(1.0 = circuit fully recovered, 0.5 = chance)"
# Exit statuses (also in --help).
EXIT = {"ok": 0, "failure": 1, "usage": 2, "interrupted": 130}
NEEDS_METHODS = ("attribute", "compare", "table")  # the commands that load plug-ins
DEBUG_FLAG, DEBUG_VAR = "--debug", "NEUROTRACE_DEBUG"
ENV_PREFIX = "NEUROTRACE_"
WIDTH = 100  # wrap the ranked feature list here, so a long list stays readable in class
TIE_LEGEND = "[ ] = a tie: equal scores, in no order; AUROC counts a tied pair as one half"
BASELINE_REASON = "a baseline: its scores are random draws, so it sits at chance by design"


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the usage and exits from deep inside parse_args; we want one line.
    def error(self, message):
        raise UsageError(f"{self.prog}: error: {message}")

    # argparse swallows a failed write of --help or --version (a full disk, a closed stdout)
    # and exits 0; report it instead.
    def _print_message(self, message, file=None):
        if not message:
            return
        write(message, file or sys.stderr)


# --- options: flag, then NEUROTRACE_<NAME>, then the library's default ---------------------

_EVALUATE_DEFAULTS = {k: p.default for k, p in inspect.signature(nt.evaluate).parameters.items()}

class Option(NamedTuple):
    """A value option of the commands: the flag ``--<name>`` (its key in ``OPTIONS``)."""

    metavar: str
    """What the flag's value is called in ``--help``."""
    check: Callable
    """``check(text) -> value``: the library's check, a ``ValueError`` in its wording for a bad value."""
    default: object
    """The value when neither the flag nor the variable is set (the library's own default)."""
    env: bool
    """Whether the variable ``NEUROTRACE_<NAME>`` may set it too."""
    help: str
    """The help text; ``{default}``, ``{methods}`` and ``{circuits}`` are filled in."""


OPTIONS = {
    "method": Option(metavar="M", check=lambda v: check_choice(v, nt.METHODS, "method"), default=None, env=True,
                     help="attribution method: {methods}"),
    "circuit": Option(metavar="C", check=lambda v: check_choice(v, nt.CIRCUITS, "circuit"), default=None, env=True,
                      help="compiled circuit (regime): {circuits}"),
    "samples": Option(metavar="N", check=check_samples, default=_EVALUATE_DEFAULTS["samples"], env=True,
                      help=f"samples drawn from the circuit, 2 to {MAX_SAMPLES:,} (default {{default}})"),
    "seed": Option(metavar="S", check=check_seed, default=0, env=True,
                   help=f"which seed's circuit weights, data and method draws: an integer from 0 to {MAX_SEED:,} "
                        "(default {default})"),
    "seeds": Option(metavar="K", check=check_seeds, default=_EVALUATE_DEFAULTS["seeds"], env=False,
                    help="number of seeds to average over, 0..K-1 (default {default})"),
    "labels": Option(metavar="L", check=check_labels, default=_EVALUATE_DEFAULTS["labels"], env=True,
                     help="real, or scrambled for the shuffled-ground-truth null (default {default})"),
    "strength": Option(metavar="X", check=check_strength, default=_EVALUATE_DEFAULTS["strength"], env=True,
                       help=f"decoy strength from 0 to {MAX_STRENGTH:g}: 0 = control, 1 = tuned point "
                            "(default {default:g})"),
    "level": Option(metavar="LEVEL", check=lambda v: check_choice(v, LEVELS, "level"),
                    default=_EVALUATE_DEFAULTS["level"], env=False,
                    help="input (features), hidden (units: the neuron-level table) or edge (the edges of deep "
                         "networks: circuit discovery) (default {default})"),
    "truth": Option(metavar="T", check=lambda v: check_choice(v, HIDDEN_TRUTHS, "hidden truth"), default=None,
                    env=False,
                    help="with --level hidden, the units to recover: task (the task circuit: units that read a "
                         "causal feature) or effect (units whose patch alone moves the output) (default task)"),
}
"""Every value option, by name: the flag, then ``NEUROTRACE_<NAME>``, then the default (:func:`resolve`)."""


def _env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def resolve(args, name: str, *, required: bool = False):
    """The checked value of option ``name``: its flag, else its variable, else the default.

    An empty variable counts as unset. A bad value raises ``ValueError`` naming where it came
    from: ``argument --name:`` for a flag (argparse's wording), ``NEUROTRACE_<NAME>='value':``
    for a variable.
    """
    option = OPTIONS[name]
    flag = getattr(args, name)
    if flag is not None:
        try:
            return option.check(flag)
        except ValueError as err:
            raise ValueError(f"argument --{name}: {err}") from None
    var = _env_name(name)
    raw = os.environ.get(var, "") if option.env else ""
    if raw.strip():
        try:
            return option.check(raw)
        except ValueError as err:
            shown = show(raw)
            raise ValueError((f"{var}={shown}" if shown.startswith("'") else f"{var} ({shown})") + f": {err}") from None
    if required:
        choices = nt.METHODS if name == "method" else nt.CIRCUITS
        raise UsageError(
            f"{args.prog}: error: missing required option --{name} (or set {var}); "
            f"valid choices: {', '.join(choices)}"
        )
    return option.default


def _add_options(parser, names, required=()):
    for name in names:
        option = OPTIONS[name]
        text = option.help.format(methods=", ".join(nt.METHODS), circuits=", ".join(nt.CIRCUITS),
                                  default=option.default)
        if name in required:
            text += "; required"
        if option.env:
            text += f" [env {_env_name(name)}]"
        parser.add_argument(f"--{name}", metavar=option.metavar, help=text)
    parser.add_argument("--json", action="store_true", help="machine-readable output with the same content")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress line (shown on stderr only when it is a terminal, for runs over a second)")


OPTION_FLAG = "--option"
OPTION_HELP = ("a method's option, METHOD.NAME=VALUE, e.g. patching.corruption=zero or integrated_gradients.steps=128; "
               "repeatable (the methods' options: the library's docs)")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _typed(entry, name: str, text: str):
    """``text`` as the type of option ``name``'s default: bool, int, float or str (None: a number if it reads
    as one, else the text)."""
    default = inspect.signature(entry.fn).parameters[name].default
    where = f"{entry.name}.{name}"
    if isinstance(default, bool):
        if text.strip().lower() not in _TRUE + _FALSE:
            raise ValueError(f"{where} must be true or false (got {show(text)})")
        return text.strip().lower() in _TRUE
    if isinstance(default, int):
        try:
            return int(text.strip()) if len(text.strip()) <= 30 else int("x")
        except ValueError:
            raise ValueError(f"{where} must be an integer (got {show(text)})") from None
    if isinstance(default, float):
        try:
            return float(text.strip()) if len(text.strip()) <= 40 else float("x")
        except ValueError:
            raise ValueError(f"{where} must be a number (got {show(text)})") from None
    if default is None or default is inspect.Parameter.empty:
        for kind in (int, float):
            try:
                return kind(text.strip())
            except ValueError:
                pass
    return text


def method_options(args, registry=None) -> dict:
    """``--option METHOD.NAME=VALUE`` flags as ``evaluate``'s ``options``: ``{method: {name: value}}``.

    The method and the option must exist (the library's wording), the value is typed by the option's
    default; a bad one is a ``ValueError`` naming ``--option``. The method checks the value itself when it runs.
    """
    registry = nt.METHODS if registry is None else registry
    out: dict = {}
    for raw in getattr(args, "option", None) or ():
        head, sep, value = raw.partition("=")
        method, dot, name = head.strip().partition(".")
        try:
            if not (sep and dot and method and name):
                raise ValueError(f"expected METHOD.NAME=VALUE, e.g. patching.corruption=zero (got {show(raw)})")
            check_choice(method, registry, "method")
            check_options(registry[method], {name: None})
            if name in out.get(method, {}):
                raise ValueError(f"{method}.{name} is given twice")
            out.setdefault(method, {})[name] = _typed(registry[method], name, value)
        except ValueError as err:
            raise ValueError(f"argument {OPTION_FLAG}: {err}") from None
    return out


def _shown_options(options: dict) -> str:
    return " ".join(f"{m}.{k}={v}" for m, given in options.items() for k, v in given.items())


# --- printing helpers -------------------------------------------------------------------------


def _label(i: int, truth, decoy) -> str:
    """``f6!`` for a decoy, ``f1*`` for a ground-truth feature, ``f4`` otherwise."""
    return f"f{i}" + ("*" if truth[i] else "") + ("!" if decoy[i] else "")


def _style(i, truth, decoy):
    return "red" if decoy[i] else "green" if truth[i] else None


def _names_of(mask) -> list[str]:
    return [f"f{i}" for i in np.flatnonzero(mask)]


def _legend(circuit, labels: str, method: str | None = None) -> str:
    """The line explaining ``*`` and ``!``; names ``method`` when the decoy was built to fool it."""
    star = ("* = scrambled label (the null's random 'ground truth')" if labels == "scrambled"
            else "* = ground-truth circuit feature")
    if not circuit.decoy.any():
        return f"({star}; this circuit plants no decoy)"
    if method is None:
        return f"({star}, ! = planted decoy)"
    if method in circuit.fools:
        return f"({star}, ! = decoy planted to fool {method})"
    return f"({star}, ! = planted decoy, not aimed at {method})"


def _wrap(plain: list[str], shown: list[str], indent: str, width: int = WIDTH) -> str:
    """Join entries with spaces, breaking lines by the *plain* (uncoloured) length."""
    lines, cur, cur_len = [], [], len(indent)
    for p, s in zip(plain, shown, strict=True):
        if cur and cur_len + 1 + len(p) > width:
            lines.append(" ".join(cur))
            cur, cur_len = [], len(indent)
        cur.append(s)
        cur_len += len(p) + (1 if len(cur) > 1 else 0)
    lines.append(" ".join(cur))
    return ("\n" + indent).join(lines)


def _group_labels(group, truth, decoy, paint, mark_bold=False):
    """The plain and the painted text of one tie group: ``f7!`` alone, ``[f4 f5 f8]`` tied."""
    plain, shown = [], []
    for i in group:
        p = _label(i, truth, decoy)
        style = _style(i, truth, decoy) or ("bold" if mark_bold and (truth[i] or decoy[i]) else None)
        plain.append(p)
        shown.append(paint(p, style) if style else p)
    if len(group) == 1:
        return plain[0], shown[0]
    return "[" + " ".join(plain) + "]", "[" + " ".join(shown) + "]"


def _top_groups(groups, k: int) -> list:
    """The tie groups that hold the top ``k`` features; a group straddling the cut comes whole."""
    out, n = [], 0
    for g in groups:
        if n >= k:
            break
        out.append(g)
        n += len(g)
    return out


def _mark(method: str) -> str:
    """The row mark of a method below the fooled bar: the baseline is at chance, others are fooled."""
    return "<- chance" if nt.METHODS[method].family == "baseline" else "<- fooled"


def _reason(regime: str, method: str, strength: float, seed: int, samples: int) -> str:
    """Why ``method`` falls below the fooled bar here (the baseline is at chance by design)."""
    if nt.METHODS[method].family == "baseline":
        return BASELINE_REASON
    return claims.explain(regime, method, strength, seed=seed, samples=samples)


def _role(regime: str, method: str) -> str:
    """How the registry names ``method`` for ``regime``: its target, a listed failure, or neither."""
    fools = nt.CIRCUITS[regime].fools
    if method == nt.CIRCUITS[regime].target:
        return "the method this regime is built to fool"
    if method in fools:
        return "listed in this regime's fools"
    return "not listed in this regime's fools"


def _settings_line(circuit_name, labels, samples, seed, strength) -> str:
    return f"{circuit_name}   labels={labels}  samples={samples}  seed={seed}  strength={strength:g}"


# --- commands ---------------------------------------------------------------------------------


def _masks(name):
    """The causal and decoy features of a regime: the one thing the registry cannot say unbuilt."""
    c = nt.make_circuit(name)
    return _names_of(c.causal), _names_of(c.decoy)


def cmd_circuits(args, paint, progress=None):
    rows = []
    for name, regime in nt.CIRCUITS.items():  # the registry: description, fools, complete
        causal, decoys = _masks(name)
        rows.append({"name": name, "description": regime.description, "target": regime.target,
                     "fools": [{"method": m, "reason": why} for m, why in regime.fools.items()],
                     "complete": regime.complete, "causal": causal, "decoys": decoys})
    if args.json:
        return json.dumps({"fooled_below": claims.FOOLED_BELOW, "circuits": rows}, indent=2)
    width = max(len(r["name"]) for r in rows) + 2
    pad = " " * width
    lines = [f"fools: every method the regime brings below mean AUROC {claims.FOOLED_BELOW:g} at strength 1, "
             "with the reason;", "the first is the one it is built to fool.", ""]
    for r in rows:
        about = textwrap.wrap(r["description"], WIDTH - width)
        if r["complete"] is None:
            complete = "none: the circuit keeps changing as the strength grows"
        elif r["complete"] == 0:
            complete = "0: the circuit is the same at every strength"
        else:
            complete = f"{r['complete']:g}: from this strength on the circuit stops changing"
        lines += [
            paint(r["name"].ljust(width), "bold") + about[0],
            *(pad + more for more in about[1:]),
            pad + "causal   : " + paint(" ".join(r["causal"]), "green"),
            pad + "decoys   : " + (paint(" ".join(r["decoys"]), "red") if r["decoys"] else "none"),
            pad + "complete : " + complete,
            pad + "fools    : " + (", ".join(f["method"] for f in r["fools"]) or "nothing (the control)"),
        ]
        for f in r["fools"]:
            lines.append(textwrap.fill(f"{f['method']}: {f['reason']}", WIDTH, initial_indent=pad + "  - ",
                                       subsequent_indent=pad + "    "))
        lines.append("")
    return "\n".join(lines[:-1])


def cmd_attribute(args, paint, progress=None):
    method = resolve(args, "method", required=True)
    name = resolve(args, "circuit", required=True)
    samples, seed = resolve(args, "samples"), resolve(args, "seed")
    labels, strength = resolve(args, "labels"), resolve(args, "strength")
    options = method_options(args)
    if set(options) - {method}:
        raise ValueError(f"argument {OPTION_FLAG}: {sorted(set(options) - {method})[0]!r} is not the method run "
                         f"here ({method!r})")
    circuit, scores, truth = run_seed(name, method, seed=seed, samples=samples, labels=labels,
                                      strength=strength, progress=progress, options=options)
    scores = scores[0]
    score = nt.auroc(scores, truth)
    groups = tie_groups(scores)  # best first; a group of several is a tie, in no order
    family = nt.METHODS[method].family
    fooled = labels == "real" and score < claims.FOOLED_BELOW
    why = _reason(name, method, strength, seed, samples) if fooled else None
    if why and options:
        why += " (the reason the registry gives for the method's default options)"
    if args.json:
        return json.dumps({
            "method": method, "family": family, "circuit": name, "labels": labels,
            "samples": samples, "seed": seed, "strength": strength, "options": options.get(method, {}), "auroc": score,
            "fools": list(circuit.fools), "fooled": bool(fooled), "why": why,
            "features": [{"feature": f"f{i}", "importance": float(scores[i]), "tie_group": k,
                          "ground_truth": bool(truth[i]), "decoy": bool(circuit.decoy[i])}
                         for k, g in enumerate(groups) for i in g],
        }, indent=2)
    # Show the ranking down to the group of the last marked feature and one group more; a tie
    # group is never split.
    marked = [k for k, g in enumerate(groups) if any(truth[i] or circuit.decoy[i] for i in g)]
    keep = (marked[-1] if marked else 0) + 2
    if sum(len(g) for g in groups[keep:]) <= 2:  # "..." hiding one or two features would save nothing
        keep = len(groups)
    plain, shown = [], []
    for g in groups[:keep]:
        p, s = _group_labels(g, truth, circuit.decoy, paint)
        plain.append(f"{p}={scores[g[0]]:.3f}")
        shown.append(f"{s}={scores[g[0]]:.3f}")
    if keep < len(groups):
        plain.append("...")
        shown.append("...")
    indent = " " * 11
    lines = [
        f"method   : {paint(method, 'bold')}  ({family})" + (f"  {_shown_options(options)}" if options else ""),
        f"circuit  : {_settings_line(name, labels, samples, seed, strength)}",
        f"auroc    : {paint(f'{score:.4f}', 'bold')}   {GLOSS}",
        f"features : {_wrap(plain, shown, indent)}",
        *(paint(line, "dim") for line in textwrap.wrap(_legend(circuit, labels, method), WIDTH,
                                                        initial_indent=indent, subsequent_indent=indent + " ")),
    ]
    if any(len(g) > 1 for g in groups[:keep]):
        lines.append(indent + paint(f"({TIE_LEGEND})", "dim"))
    if why:
        head = "chance   : " if family == "baseline" else "fooled   : "
        lines.append(textwrap.fill(f"{head}auroc < {claims.FOOLED_BELOW:g} here; {why}", WIDTH,
                                   subsequent_indent=indent, break_on_hyphens=False))
    return "\n".join(lines)


def cmd_compare(args, paint, progress=None):
    name = resolve(args, "circuit", required=True)
    samples, seed = resolve(args, "samples"), resolve(args, "seed")
    labels, strength = resolve(args, "labels"), resolve(args, "strength")
    options = method_options(args)
    circuit, scores, truth = run_seed(name, None, seed=seed, samples=samples, labels=labels,
                                      strength=strength, progress=progress, options=options)
    methods = tuple(nt.METHODS)
    aurocs = nt.auroc_rows(scores, np.broadcast_to(truth, scores.shape))
    top_k = int(truth.sum())  # AUROC 1.0 exactly when the top k are the k ground-truth features
    tops = [_top_groups(tie_groups(row), top_k) for row in scores]
    # With real labels, a method below the fooled bar is shown with the reason it fails here.
    fooled = [m for r, m in enumerate(methods) if labels == "real" and aurocs[r] < claims.FOOLED_BELOW]
    why = {m: _reason(name, m, strength, seed, samples)
           + (" (the reason the registry gives for the method's default options)" if m in options else "")
           for m in fooled}
    if args.json:
        return json.dumps({
            "circuit": name, "labels": labels, "samples": samples, "seed": seed, "strength": strength,
            "options": options, "fools": list(circuit.fools), "fooled_below": claims.FOOLED_BELOW,
            "ground_truth": _names_of(truth), "decoys": _names_of(circuit.decoy),
            "methods": [{"method": m, "family": nt.METHODS[m].family, "auroc": float(aurocs[r]),
                         "top": [f"f{i}" for g in tops[r] for i in g],
                         "top_groups": [[f"f{i}" for i in g] for g in tops[r]],
                         "fooled": m in why, "why": why.get(m), "importances": scores[r].tolist()}
                        for r, m in enumerate(methods)],
        }, indent=2)
    mw = max(len("method"), *map(len, methods))
    fw = max(len("family"), *(len(nt.METHODS[m].family) for m in methods))
    indent = " " * (mw + fw + 12)
    lines = [
        f"circuit  : {_settings_line(name, labels, samples, seed, strength)}",
        textwrap.fill(circuit.description, WIDTH, initial_indent=" " * 11, subsequent_indent=" " * 11),
        *([f"options  : {_shown_options(options)}"] if options else []),
        "",
        f"{'method'.ljust(mw)}  {'family'.ljust(fw)}  auroc   top {top_k} features",
    ]
    for r, m in enumerate(methods):
        pairs = [_group_labels(g, truth, circuit.decoy, paint, mark_bold=True) for g in tops[r]]
        plain = [p for p, _ in pairs] + ([_mark(m)] if m in why else [])
        shown = [s for _, s in pairs] + ([paint(_mark(m), "red")] if m in why else [])
        lines.append(f"{m.ljust(mw)}  {nt.METHODS[m].family.ljust(fw)}  {aurocs[r]:.4f}  "
                     + _wrap(plain, shown, indent))
    lines += ["", f"auroc {GLOSS}", paint(_legend(circuit, labels), "dim")]
    if any(len(g) > 1 for top in tops for g in top):
        lines.append(paint(f"({TIE_LEGEND};", "dim"))
        lines.append(paint(f" a tie that crosses the top-{top_k} cut is shown whole)", "dim"))
    if why:
        lines += ["", f"below auroc {claims.FOOLED_BELOW:g} here, and why:"]
        for m in fooled:
            role = "" if nt.METHODS[m].family == "baseline" else f" ({_role(name, m)})"
            lines.append(f"  {paint(m, 'bold')}{role}")
            lines.append(textwrap.fill(why[m], WIDTH, initial_indent="      ", subsequent_indent="      ",
                                       break_on_hyphens=False))
    elif labels == "real":
        lines += ["", f"no method falls below {claims.FOOLED_BELOW:g} here"]
    return "\n".join(lines)


def cmd_table(args, paint, progress=None):
    seeds, samples = resolve(args, "seeds"), resolve(args, "samples")
    labels, strength, level = resolve(args, "labels"), resolve(args, "strength"), resolve(args, "level")
    truth = resolve(args, "truth")
    if truth is not None and level != "hidden":
        own = {"input": "the causal features", "edge": "the deep network's causal edges"}[level]
        raise UsageError(f"{args.prog}: error: --truth {truth} applies to --level hidden only "
                         f"(the {level} level's truth is {own})")
    options = method_options(args, {"hidden": nt.HIDDEN_METHODS, "edge": EDGE_METHODS}.get(level, nt.METHODS))
    res = nt.evaluate(seeds=seeds, samples=samples, labels=labels, strength=strength, level=level, truth=truth,
                      progress=progress, options=options)
    if level == "edge":
        return _edge_table(res, args.json, options)
    if args.json:
        return json.dumps(res.to_dict(), indent=2)
    against = {"task": "the task circuit (units that read a causal feature, with a non-zero output weight)",
               "effect": "the units with an individual effect (their patch alone moves the output)"}
    return "\n".join([
        f"Mean AUROC ± standard error over {seeds} seeds x {samples} samples, labels={labels}, "
        f"strength={strength:g}" + (f", hidden units, truth={res.truth}" if level == "hidden" else "")
        + (f", options: {_shown_options(options)}" if options else ""),
        *([f"hidden units scored against {against[res.truth]}"] if level == "hidden" else []),
        f"{GLOSS}",
        "",
        res.to_markdown(errors="sem"),
        *(_where_truths_part(strength) if level == "hidden" and labels == "real" else []),
    ])


def _edge_table(res, as_json: bool, options: dict) -> str:
    """The edge-level table: edge AUROC, and the faithfulness of the circuit each method recovers."""
    faith = faithfulness_of(res)
    if as_json:
        out = res.to_dict()
        for cell, per_seed in zip(out["cells"], faith.reshape(-1, res.seeds), strict=True):
            cell["faithfulness"] = {"mean": float(per_seed.mean()), "per_seed": per_seed.tolist()}
        return json.dumps(out, indent=2)
    return "\n".join([
        f"Mean edge AUROC ± standard error over {res.seeds} seeds x {res.samples} samples, labels={res.labels}, "
        f"strength={res.strength:g}, deep networks scored edge by edge against their causal edges"
        + (f", options: {_shown_options(options)}" if options else ""),
        f"{GLOSS}",
        "",
        res.to_markdown(errors="sem"),
        "",
        "Faithfulness of the circuit each method recovers (its top k edges, k = the true circuit's size, whole tie",
        "groups only): the circuit alone, every other edge patched from a corrupted input, against the full network;",
        "1 = it computes the output, 0 = no better than patching everything.",
        "",
        res.to_markdown(errors="sem", values=faith),
    ])


def _where_truths_part(strength) -> list[str]:
    """The cancellation story under the neuron-level table: where the two hidden truths part, and why."""
    lines = ["", "where the two truths part (seed 0):"]
    for regime in nt.CIRCUITS:
        c = claims.cancellation(regime, strength=strength)
        if c["n_gates"]:
            lines += [f"  {regime}: {c['n_gates']} units outside the task circuit cancel in {c['n_pairs']} groups.",
                      f"    patched alone, each moves y by {c['gate_single_low']:.2f}-{c['gate_single_high']:.2f} "
                      f"(task units: {c['causal_single_low']:.2f}-{c['causal_single_high']:.2f});",
                      f"    patched with its group, by only {c['pair_joint_low']:.2f}-{c['pair_joint_high']:.2f}.",
                      "    Single-unit methods ask 'does this unit move y alone?' (score them with --truth effect);",
                      "    joint_patching asks 'is it in the task circuit?'"]
    if len(lines) == 2:
        lines.append("  nowhere at this strength: every unit with an individual effect is in the task circuit")
    return lines


class Command(NamedTuple):
    """A command of ``neurotrace``: its key in ``COMMANDS`` is the word that names it."""

    run: Callable
    """``run(args) -> exit status``, given the parsed arguments."""
    summary: str
    """One line for ``--help``."""
    options: tuple
    """The value options it takes (keys of ``OPTIONS``), in ``--help`` order."""
    required: tuple
    """Those of ``options`` it cannot run without."""
    examples: tuple
    """Command lines shown under its ``--help``."""


COMMANDS = {
    "circuits": Command(
        run=cmd_circuits, summary="describe each regime: what it plants, whom it fools and why, its features",
        options=(), required=(), examples=("neurotrace circuits", "neurotrace circuits --json")),
    "attribute": Command(
        run=cmd_attribute, summary="one method on one circuit at one seed: AUROC and the ranked features",
        options=("method", "circuit", "samples", "seed", "labels", "strength"), required=("method", "circuit"),
        examples=("neurotrace attribute --method gradient --circuit suppressor",
                  "neurotrace attribute --method patching --circuit suppressor --seed 3",
                  "neurotrace attribute --method correlation --circuit confounded --labels scrambled",
                  "NEUROTRACE_METHOD=gradient neurotrace attribute --circuit suppressor --json",
                  "neurotrace attribute --method patching --circuit redundant --option patching.corruption=zero")),
    "compare": Command(
        run=cmd_compare, summary="every registered method on one circuit, one row each",
        options=("circuit", "samples", "seed", "labels", "strength"), required=("circuit",),
        examples=("neurotrace compare --circuit confounded",
                  "neurotrace compare --circuit suppressor --strength 2 --samples 2048")),
    "table": Command(
        run=cmd_table, summary="mean AUROC of every method on every circuit (the evals/RESULTS.md table)",
        options=("seeds", "samples", "labels", "strength", "level", "truth"), required=(),
        examples=("neurotrace table", "neurotrace table --labels scrambled --seeds 256",
                  "neurotrace table --option patching.corruption=zero --option smoothgrad.copies=64",
                  "neurotrace table --level hidden", "neurotrace table --level hidden --truth effect",
                  "neurotrace table --level edge", "neurotrace table --level edge --option acdc.tau=0.05",
                  "neurotrace table --strength 0.5 --json")),
}

MAIN_EPILOG = f"""\
examples:
  neurotrace circuits
  neurotrace attribute --method gradient --circuit suppressor   # fooled: AUROC 0.7500
  neurotrace attribute --method patching --circuit suppressor   # not fooled: 1.0000
  neurotrace compare --circuit confounded
  neurotrace table --labels scrambled

environment (a flag overrides its variable; an empty variable counts as unset):
  NEUROTRACE_METHOD  NEUROTRACE_CIRCUIT  NEUROTRACE_LABELS
  NEUROTRACE_SAMPLES NEUROTRACE_SEED     NEUROTRACE_STRENGTH
  {PLUGINS_VAR} plug-ins to import, comma-separated, like --plugin (only for
                     {", ".join(NEEDS_METHODS)}: the commands that use methods)
  {DEBUG_VAR}   1 = print a failure's traceback, like --debug
  colour only on a terminal; NO_COLOR=1 turns it off
  progress on stderr, only when it is a terminal, for runs over a second; --quiet turns it off

exit status: {EXIT["ok"]} success, {EXIT["usage"]} bad input (one line on stderr naming the option or variable),
  {EXIT["failure"]} failure (a plug-in raised, the output could not be written, out of memory: one line),
  {EXIT["interrupted"]} interrupted (Ctrl-C)
"""


def _formatter(prog):
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=28)


def build_parser() -> _Parser:
    parser = _Parser(prog="neurotrace", allow_abbrev=False, epilog=MAIN_EPILOG,
                     formatter_class=_formatter,
                     description="Score attribution methods on compiled circuits whose true circuit is known.")
    parser.add_argument("--version", action="version", version=f"neurotrace {nt.__version__}")
    # Never parsed here (main strips them first, see neurotrace.plugins); listed for --help.
    parser.add_argument("--plugin", metavar="MODULE", action="append",
                        help="import MODULE or a .py file first, so the methods it registers can be used; "
                             f"repeatable [env {PLUGINS_VAR}, comma-separated; installed packages' "
                             "entry points in group neurotrace.methods load too; only for "
                             f"{', '.join(NEEDS_METHODS)}]")
    parser.add_argument(DEBUG_FLAG, action="store_true",
                        help=f"on a failure (e.g. a plug-in that raises), print its traceback [env {DEBUG_VAR}=1]")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.summary, description=command.summary, allow_abbrev=False,
                           formatter_class=_formatter,
                           epilog="examples:\n" + "\n".join(f"  {e}" for e in command.examples))
        _add_options(p, command.options, command.required)
        if name in NEEDS_METHODS:
            p.add_argument(OPTION_FLAG, metavar="M.NAME=VALUE", action="append", help=OPTION_HELP)
        p.set_defaults(run=command.run, prog=p.prog)
    return parser


def _value_flags() -> set[str]:
    return {f"--{n}" for command in COMMANDS.values() for n in command.options}


def _command(argv: list[str]) -> str | None:
    """The command word: the first argument that is not an option (``None`` if there is none)."""
    for tok in argv:
        if tok == "--":
            return None
        if not tok.startswith("-"):
            return tok
    return None


def _normalise(argv: list[str]) -> list[str]:
    """Glue ``--strength -inf`` into ``--strength=-inf``: argparse takes ``-inf`` for a flag.

    Also name an unknown command with the closest valid one (argparse only lists them).
    """
    flags = _value_flags()
    out, i = [], 0
    while i < len(argv):
        tok = argv[i]
        if tok in flags and i + 1 < len(argv) and argv[i + 1].startswith("-") \
                and argv[i + 1].split("=")[0] not in flags | {"--json", "--help", "-h", "--version", "--quiet", "-q"}:
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    command = _command(out)
    if command is None and not {"-h", "--help", "--version"} & set(out):
        raise UsageError(f"neurotrace: error: missing command (valid choices: {', '.join(COMMANDS)}); "
                         "see neurotrace --help")
    if command is not None:
        try:
            check_choice(command, COMMANDS, "command")
        except ValueError as err:
            raise UsageError(f"neurotrace: error: {err}") from None
    return out


def _split_debug(argv: list[str]) -> tuple[list[str], bool]:
    """Remove every ``--debug`` (before a bare ``--``); True if there was one."""
    end = argv.index("--") if "--" in argv else len(argv)
    head = [a for a in argv[:end] if a != DEBUG_FLAG]
    return head + argv[end:], len(head) < end


def _env_on(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def main(argv=None) -> int:
    """Entry point of the ``neurotrace`` console script and ``python -m neurotrace``.

    Returns the exit status (``EXIT``): 0, 2 for bad input, 1 for a failure, 130 on Ctrl-C.
    Every failure is one line on stderr; ``--debug`` / ``NEUROTRACE_DEBUG=1`` adds the traceback.
    """
    prog, progress, debug = "neurotrace", None, False
    try:
        debug = _env_on(DEBUG_VAR)
        argv, flagged = _split_debug(list(sys.argv[1:] if argv is None else argv))
        debug = debug or flagged
        plugin_modules, argv = split_plugin_args(argv)
        argv = _normalise(argv)
        if _command(argv) in NEEDS_METHODS:  # --version, --help and circuits import no plug-in
            _load_plugins(plugin_modules)
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as done:  # --help, --version: argparse printed and exits
            if not flush_stdout():
                error("neurotrace: error: cannot write the output")
                return EXIT["failure"]
            return done.code if isinstance(done.code, int) else EXIT["ok"]
        prog = args.prog
        progress = Progress(sys.stderr, enabled=not args.quiet, label=f"{prog}: ")
        text = args.run(args, Paint(sys.stdout), progress)
        progress.close()
        write(text + "\n", sys.stdout)
    except UsageError as err:
        error(str(err))
        return EXIT["usage"]
    except PluginError as err:
        _close(progress)
        error(f"{prog}: error: {err}" + ("" if debug else f" ({DEBUG_FLAG} shows the traceback)"),
              err if debug else None)
        return EXIT["failure"]
    except ValueError as err:  # the library's input checks: already one line, naming the value
        _close(progress)
        error(f"{prog}: error: {err}")
        return EXIT["usage"]
    except OutputError as err:
        error(f"{prog}: error: cannot write the output: {err}")
        return EXIT["failure"]
    except BrokenPipeError:  # e.g. `neurotrace table | head -3`: the reader has gone, say nothing
        silence_stdout()
        return EXIT["failure"]
    except MemoryError as err:
        _close(progress)
        error(f"{prog}: error: out of memory; use fewer --samples or --seeds", err if debug else None)
        return EXIT["failure"]
    except KeyboardInterrupt:
        _close(progress)
        return EXIT["interrupted"]
    except Exception as err:  # a bug: still one line, and the traceback on request
        _close(progress)
        error(f"{prog}: internal error: {type(err).__name__}: {err}"
              + ("" if debug else f" ({DEBUG_FLAG} shows the traceback)"), err if debug else None)
        return EXIT["failure"]
    return EXIT["ok"]


def _load_plugins(modules) -> None:
    """``--plugin`` modules (errors name the flag), then ``NEUROTRACE_PLUGINS``, then entry points."""
    for spec in modules:
        try:
            import_plugin(spec)
        except ValueError as err:
            raise ValueError(f"argument --plugin: {err}") from err
        except PluginError as err:
            raise PluginError(f"argument --plugin: {err}") from err.__cause__
    load_plugins()


def _close(progress) -> None:
    if progress is not None:
        progress.close()
