"""Finding user methods: plug-ins are modules that call ``neurotrace.register_method`` on import.

Write the method once::

    # mymethods.py
    import neurotrace as nt

    @nt.register_method("abs_weight", family="proxy")
    def abs_weight(circuit, X, rng):
        \"\"\"sum_h |v_h W_hj|: read the weights, ignore the data\"\"\"
        return abs(circuit.v) @ abs(circuit.W)

In Python, ``import mymethods`` is all it takes: the method is in ``nt.METHODS``, so
``evaluate``, ``sweep``, the harness table and the widgets pick it up. The command line
imports plug-ins before it reads its options, from three places (in this order):

1. ``--plugin MODULE`` (repeatable, before or after the command): a module importable from
   ``sys.path`` (``mypackage.methods``) or the path of a ``.py`` file (``./mymethods.py``);
   the ``neurotrace`` console script does not put the current folder on ``sys.path``, so use
   the path form, ``python -m neurotrace``, or ``PYTHONPATH`` for a module next to you.
2. ``NEUROTRACE_PLUGINS=mod_a,./b.py``: the same, comma-separated.
3. Installed packages' entry points in the group ``neurotrace.methods``, in their pyproject::

       [project.entry-points."neurotrace.methods"]
       abs_weight = "mypackage.methods"

   The value is a module (importing it registers its methods) or a decorated function.

So ``neurotrace --plugin ./mymethods.py attribute --method abs_weight --circuit suppressor``.
The command line loads plug-ins only for the commands that use methods (``attribute``,
``compare``, ``table``, and their ``--help``): ``--version``, ``--help`` and ``circuits`` never
import one.

Errors. A plug-in that cannot be found, is not a module name or a ``.py`` file, or fails to
register (a duplicate name, a wrong signature) is bad input: ``ValueError`` naming it. A
plug-in whose own code raises -- or calls ``sys.exit`` -- while it is imported, or later when
its method runs, is a :class:`PluginError` naming it and its exception in one line; the
original exception is chained, with its traceback (``neurotrace --debug`` prints it).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
import types
from pathlib import Path

from .methods import METHODS, Method, PluginError

ENTRY_POINT_GROUP = "neurotrace.methods"
ENV_VAR = "NEUROTRACE_PLUGINS"
FLAG = "--plugin"

__all__ = ["ENTRY_POINT_GROUP", "ENV_VAR", "PluginError", "import_plugin", "load_entry_points", "load_plugins",
           "split_plugin_args"]


def _registered(before) -> list[str]:
    return [name for name in METHODS if name not in before]


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or os.sep in spec or (os.altsep or "/") in spec


def _is_module_name(spec: str) -> bool:
    """A dotted name of Python identifiers, ``pkg.sub.mod``: no relative ``.mod``, no ``a..b``."""
    return all(part.isidentifier() for part in spec.split("."))


def _failure(err: BaseException) -> str:
    if isinstance(err, SystemExit):
        return f"called sys.exit({err.code!r})"
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _import_file(path: Path) -> types.ModuleType:
    """Import a ``.py`` file once per process, as module ``neurotrace_plugin_<stem>``."""
    name = f"neurotrace_plugin_{path.stem}"
    loaded = sys.modules.get(name)
    if loaded is not None and Path(loaded.__file__).resolve() == path.resolve():
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec, as importlib does: dataclasses and pickle need it
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def import_plugin(spec: str) -> list[str]:
    """Import one plug-in (module name or ``.py`` path); return the method names it registered.

    Importing is idempotent: a module already imported registers nothing new. A plug-in that
    cannot be found, is neither a module name nor a ``.py`` file, or whose registration fails
    (e.g. a duplicate name) raises ``ValueError`` naming the plug-in. Any other exception in its
    code (a missing dependency, a bug, ``sys.exit``) raises :class:`PluginError` naming the
    plug-in and the exception, which is chained.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"plugin must be a module name or a path to a .py file (got {spec!r:.60})")
    spec = spec.strip()
    shown = repr(spec) if len(spec) <= 80 else repr(spec[:77] + "...")
    before = set(METHODS)
    path = None
    if _is_path(spec):
        path = Path(spec).expanduser()
        if path.is_dir():
            raise ValueError(f"plugin {shown} is a folder; pass a .py file in it, or put the folder on "
                             "PYTHONPATH and pass the module's name")
        if not path.is_file():
            raise ValueError(f"plugin file {shown} does not exist")
        if path.suffix != ".py":
            raise ValueError(f"plugin file {shown} is not a .py file")
    elif not _is_module_name(spec):
        raise ValueError(f"plugin {shown} is not a module name (dotted Python names, e.g. mypackage.methods) "
                         "or the path of a .py file (e.g. ./mymethods.py)")
    try:
        if path is not None:
            _import_file(path)
        else:
            importlib.import_module(spec)
    except KeyboardInterrupt:
        raise
    except ModuleNotFoundError as err:
        # Only the plug-in itself missing is bad input; a missing dependency *inside* it is a bug
        # in the plug-in: named, with its traceback chained for its author.
        if path is None and err.name is not None and (spec == err.name or spec.startswith(err.name + ".")):
            raise ValueError(
                f"cannot import plugin {shown}: no module named {err.name!r} (install it, add its folder "
                "to PYTHONPATH, or pass the path of its .py file)"
            ) from None
        raise PluginError(f"plugin {shown} failed to import: {_failure(err)}") from err
    except ValueError as err:  # a registration refused: a duplicate name, a wrong signature
        raise ValueError(f"plugin {shown}: {' '.join(str(err).split())}") from err
    except BaseException as err:
        raise PluginError(f"plugin {shown} failed to import: {_failure(err)}") from err
    return _registered(before)


def load_entry_points(group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Load every installed entry point in ``group``; return the method names they registered."""
    before = set(METHODS)
    for ep in importlib.metadata.entry_points(group=group):
        where = f"entry point {ep.name!r} = {ep.value!r} (group {group!r})"
        try:
            obj = ep.load()
        except KeyboardInterrupt:
            raise
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from err
        except ImportError as err:
            raise ValueError(f"{where} cannot be imported: {err}") from err
        except BaseException as err:
            raise PluginError(f"{where} failed to load: {_failure(err)}") from err
        known = isinstance(obj, (types.ModuleType, Method)) or any(m.fn is obj for m in METHODS.values())
        if not known:
            raise ValueError(
                f"{where} loaded {obj!r}, which is not a module or a registered method; point it at a "
                "module that calls neurotrace.register_method, or at a function decorated with it"
            )
    return _registered(before)


def load_plugins(modules=(), *, env: bool = True, entry_points: bool = True) -> list[str]:
    """Import ``modules``, then those named in ``$NEUROTRACE_PLUGINS``, then the entry points.

    Returns the names of the methods registered by this call, in registration order.
    """
    modules = list(modules)
    specs = list(modules)
    if env:
        specs += [s.strip() for s in os.environ.get(ENV_VAR, "").split(",") if s.strip()]
    before = set(METHODS)
    for spec in specs:
        try:
            import_plugin(spec)
        except ValueError as err:
            raise ValueError(f"{ENV_VAR}: {err}" if spec not in modules else str(err)) from err
        except PluginError as err:
            if spec in modules:
                raise
            raise PluginError(f"{ENV_VAR}: {err}") from err.__cause__
    if entry_points:
        load_entry_points()
    return _registered(before)


def split_plugin_args(argv):
    """``(modules, rest)``: the values of every ``--plugin M`` / ``--plugin=M`` and the other args.

    The command line calls this before parsing, so a plug-in's methods are registered by the
    time ``--method`` is checked and ``--help`` lists them. A ``--plugin`` with no value is
    an error. Everything after a bare ``--`` is left alone.
    """
    modules, rest = [], []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == FLAG:
            if i + 1 >= len(args) or args[i + 1].startswith("-"):
                raise ValueError(f"{FLAG} needs a module name or a path to a .py file")
            modules.append(args[i + 1])
            i += 2
            continue
        if arg.startswith(FLAG + "="):
            modules.append(arg[len(FLAG) + 1:])
        else:
            rest.append(arg)
        i += 1
    return modules, rest
