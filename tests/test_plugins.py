"""Plug-in methods: registered by user modules, found by --plugin / $NEUROTRACE_PLUGINS / entry
points, then scored like the built-ins; bad plug-ins fail with a message that names them.

The demo plug-in ``abs_weight`` scores feature j by ``sum_h |v_h W_hj|`` -- it reads the
weights and ignores the data -- so its AUROCs follow from the construction alone:
1.0 on clean and confounded (the confounder's weights are exactly zero); on the suppressor
at strength 1 the two decoys (weights 2 * 32) outrank all four causal features and the six
noise features score 0, so AUROC = 6 / 8 = 0.75; at strength 0 the gates have zero weight: 1.0.
"""

from __future__ import annotations

import itertools
import sys
import textwrap

import numpy as np
import pytest

import neurotrace as nt
from neurotrace import plugins

PLUGIN_SOURCE = '''
import numpy as np
import neurotrace as nt


@nt.register_method("{name}", family="proxy")
def {name}(circuit, X, rng):
    """sum_h |v_h W_hj|: read the weights, ignore the data"""
    return np.abs(circuit.v) @ np.abs(circuit.W)
'''

_counter = itertools.count()


@pytest.fixture
def clean_registry(monkeypatch):
    """Undo every registration and plug-in import a test makes (nothing leaks to other tests)."""
    monkeypatch.delenv(plugins.ENV_VAR, raising=False)
    methods, modules = set(nt.METHODS), set(sys.modules)
    yield
    for name in [m for m in nt.METHODS if m not in methods]:
        nt.unregister_method(name)
    for name in [m for m in sys.modules if m not in modules]:
        del sys.modules[name]


@pytest.fixture
def make_plugin(tmp_path, monkeypatch, clean_registry):
    """Write a plug-in module into a folder on sys.path: ``(module name, method name, path)``."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def make(source=None, method=None):
        n = next(_counter)
        module, method = f"ntplug_{n}", method or f"abs_weight_{n}"
        path = tmp_path / f"{module}.py"
        path.write_text(textwrap.dedent(source if source is not None else PLUGIN_SOURCE.format(name=method)))
        return module, method, path

    return make


# --- finding plug-ins ---------------------------------------------------------------------------


def test_import_by_module_name_registers_once(make_plugin):
    module, method, _ = make_plugin()
    assert plugins.import_plugin(module) == [method]
    assert nt.METHODS[method].family == "proxy"
    assert nt.METHODS[method].summary == "sum_h |v_h W_hj|: read the weights, ignore the data"
    assert plugins.import_plugin(module) == []  # already imported: no duplicate-name error


def test_import_by_path(make_plugin):
    _, method, path = make_plugin()
    assert plugins.import_plugin(str(path)) == [method]
    assert plugins.import_plugin(str(path)) == []


def test_environment_variable_lists_plugins(make_plugin, monkeypatch):
    (mod_a, name_a, _), (_, name_b, path_b) = make_plugin(), make_plugin()
    monkeypatch.setenv(plugins.ENV_VAR, f" {mod_a} , {path_b},")
    assert plugins.load_plugins(entry_points=False) == [name_a, name_b]


def test_entry_points_are_loaded(make_plugin, tmp_path):
    module, method, _ = make_plugin()
    _fake_distribution(tmp_path, "ntplug-dist", f"{method} = {module}")
    assert method in plugins.load_entry_points()
    assert method in nt.METHODS


def test_entry_point_to_a_decorated_function_is_accepted(make_plugin, tmp_path):
    module, method, _ = make_plugin()
    _fake_distribution(tmp_path, "ntplug-fn", f"{method} = {module}:{method}")
    assert method in plugins.load_plugins(env=False)


def test_entry_point_to_an_unregistered_function_is_an_error(make_plugin, tmp_path):
    module, _, _ = make_plugin("def scores(circuit, X, rng):\n    return abs(circuit.W).sum(axis=0)\n")
    _fake_distribution(tmp_path, "ntplug-bad", f"loose = {module}:scores")
    with pytest.raises(ValueError, match=r"entry point 'loose' .* not a module or a registered method"):
        plugins.load_entry_points()


def test_missing_plugin_is_bad_input(clean_registry):
    with pytest.raises(ValueError, match=r"cannot import plugin 'no_such_plugin_xyz': no module named"):
        plugins.import_plugin("no_such_plugin_xyz")
    with pytest.raises(ValueError, match=r"plugin file 'nowhere/mine.py' does not exist"):
        plugins.import_plugin("nowhere/mine.py")
    with pytest.raises(ValueError, match="plugin must be a module name"):
        plugins.import_plugin("  ")


def test_missing_dependency_inside_a_plugin_keeps_its_traceback(make_plugin):
    module, _, _ = make_plugin("import no_such_dependency_xyz\n")
    with pytest.raises(plugins.PluginError, match=rf"^plugin '{module}' failed to import: ModuleNotFoundError: "
                                                  "No module named 'no_such_dependency_xyz'") as err:
        plugins.import_plugin(module)
    assert isinstance(err.value.__cause__, ModuleNotFoundError)  # the traceback its author needs
    assert err.value.__cause__.__traceback__ is not None


def test_environment_errors_name_the_variable(clean_registry, monkeypatch):
    monkeypatch.setenv(plugins.ENV_VAR, "no_such_plugin_xyz")
    with pytest.raises(ValueError, match=r"^NEUROTRACE_PLUGINS: cannot import plugin 'no_such_plugin_xyz'"):
        plugins.load_plugins(entry_points=False)


def test_duplicate_name_names_the_plugin_and_the_method(make_plugin):
    module, _, _ = make_plugin(method="gradient")
    with pytest.raises(ValueError, match=rf"^plugin '{module}': method 'gradient' is already registered"):
        plugins.import_plugin(module)
    assert nt.METHODS["gradient"].fn is nt.methods.gradient


@pytest.mark.parametrize("argv, modules, rest", [
    (["--plugin", "a", "table"], ["a"], ["table"]),
    (["attribute", "--plugin=./b.py", "--method", "m", "--plugin", "c"], ["./b.py", "c"],
     ["attribute", "--method", "m"]),
    (["table", "--", "--plugin", "x"], [], ["table", "--", "--plugin", "x"]),
    (["table"], [], ["table"]),
])
def test_split_plugin_args(argv, modules, rest):
    assert plugins.split_plugin_args(argv) == (modules, rest)


@pytest.mark.parametrize("argv", [["table", "--plugin"], ["--plugin", "--json", "table"]])
def test_plugin_flag_needs_a_value(argv):
    with pytest.raises(ValueError, match="--plugin needs a module name"):
        plugins.split_plugin_args(argv)


# --- a plug-in is scored like a built-in ------------------------------------------------------------


def test_plugin_gets_a_row_in_evaluate_and_a_curve_in_sweep(make_plugin):
    module, method, _ = make_plugin()
    plugins.import_plugin(module)
    res = nt.evaluate(seeds=3, samples=64)  # every registered method, the plug-in included
    assert method in res.methods
    row = dict(zip(res.circuits, res.mean()[res.methods.index(method)], strict=True))
    assert row["clean"] == 1.0 and row["confounded"] == 1.0 and row["suppressor"] == 0.75
    assert f"| {method} | proxy |" in res.to_markdown()
    curve = nt.sweep("suppressor", [0.0, 1.0, 2.0], methods=[method, "patching"], seeds=2, samples=64)
    np.testing.assert_array_equal(curve.curve(method), [1.0, 0.75, 0.75])


# --- bad plug-ins: clear errors that say which method and what is wrong ------------------------------


@pytest.mark.parametrize("result, message", [
    (lambda d: np.ones(d + 1), r"method 'bad' returned shape \(13,\); expected \(12,\)"),
    (lambda d: np.ones((1, d)), r"method 'bad' returned shape \(1, 12\); expected \(12,\)"),
    (lambda d: np.where(np.arange(d) == 5, np.nan, 1.0), r"method 'bad' returned NaN or inf at features \[5\]"),
    (lambda d: np.where(np.arange(d) >= 10, -1.0, 1.0),
     r"method 'bad' returned negative scores at features \[10, 11\]"),
    (lambda d: "high", r"method 'bad' returned str, not 12 numbers"),
    (lambda d: None, r"method 'bad' returned shape \(\); expected \(12,\)"),
])
def test_bad_results_name_the_method(clean_registry, result, message):
    nt.register_method("bad", lambda circuit, X, rng: result(circuit.n_features), family="proxy")
    circuit = nt.make_circuit("clean")
    with pytest.raises(ValueError, match=message):
        nt.attribute("bad", circuit, circuit.sample(16, nt.make_rng("data", 0)))


def test_wrong_signature_is_rejected_at_registration(clean_registry):
    def two_args(circuit, X):
        return np.ones(circuit.n_features)

    with pytest.raises(ValueError, match=r"method 'two_args' must accept \(circuit, X, rng, \*\*options\); "
                                         r"two_args\(circuit, X\) does not"):
        nt.register_method("two_args", two_args, family="proxy")
    assert "two_args" not in nt.METHODS


def test_bad_registrations_say_what_is_wrong(clean_registry):
    with pytest.raises(ValueError, match=r"method 'gradient' is already registered"):
        nt.register_method("gradient", lambda circuit, X, rng: None, family="proxy")
    with pytest.raises(ValueError, match=r"unknown family 'causl'; did you mean 'causal'\?"):
        nt.register_method("mine", lambda circuit, X, rng: None, family="causl")
    with pytest.raises(ValueError, match="method name must be a Python identifier"):
        nt.register_method("my method", lambda circuit, X, rng: None, family="proxy")
    assert "mine" not in nt.METHODS


def _fake_distribution(folder, name, entry_point):
    """An installed-package stand-in: ``<name>-0.1.dist-info`` with one ``neurotrace.methods`` entry."""
    info = folder / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{plugins.ENTRY_POINT_GROUP}]\n{entry_point}\n")


# --- the command line finds plug-ins before it parses -----------------------------------------------


def test_cli_plugin_flag_makes_the_method_available(make_plugin, capsys):
    from neurotrace.cli import main

    _, method, path = make_plugin()
    assert main(["attribute", "--method", method, "--circuit", "suppressor", "--plugin", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"method   : {method}  (proxy)" in out
    assert "auroc    : 0.7500" in out


def test_cli_environment_variable_and_help(make_plugin, monkeypatch, capsys):
    from neurotrace.cli import main

    module, method, _ = make_plugin()
    monkeypatch.setenv(plugins.ENV_VAR, module)
    assert main(["compare", "--circuit", "confounded", "--samples", "64"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert [method, "proxy", "1.0000"] in [row[:3] for row in rows]
    assert main(["attribute", "--help"]) == 0
    assert method in capsys.readouterr().out  # --method's help lists the registered methods


def test_cli_bad_plugin_is_one_line_and_exit_2(clean_registry, capsys):
    from neurotrace.cli import main

    assert main(["--plugin", "no_such_plugin_xyz", "table"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("neurotrace: error: argument --plugin: cannot import plugin 'no_such_plugin_xyz'")
    assert main(["table", "--plugin"]) == 2
    assert "--plugin needs a module name" in capsys.readouterr().err
