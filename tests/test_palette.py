"""neurotrace.palette: one colour and line style per method, in any registry, fixed by its position."""

import neurotrace as nt
from neurotrace.discovery import EDGE_METHODS
from neurotrace.palette import BASELINE_COLOR, METHOD_COLORS, ROLE_COLORS, method_style


def test_every_registry_tells_its_methods_apart_and_greys_its_baseline():
    for registry in (nt.METHODS, EDGE_METHODS):
        styles = {m: method_style(m, registry) for m in registry}
        baselines = [m for m in registry if registry[m].family == "baseline"]
        assert baselines and all(styles[m] == {"color": BASELINE_COLOR, "linestyle": ":"} for m in baselines)
        others = [m for m in registry if m not in baselines]
        assert len({(styles[m]["color"], styles[m]["linestyle"]) for m in others}) == len(others)
        assert styles[others[0]] == {"color": METHOD_COLORS[0], "linestyle": "-"}  # by position, from the first
        assert not {ROLE_COLORS["causal"], ROLE_COLORS["decoy"]} & {s["color"] for s in styles.values()}


def test_the_default_registry_is_the_feature_level_one():
    assert all(method_style(m) == method_style(m, nt.METHODS) for m in nt.METHODS)
