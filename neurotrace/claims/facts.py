"""What every claims function returns: :class:`Facts`, and :class:`ClaimError` for a false sentence.

A page publishes its facts with one line, ``claims.regime_page(...).publish()``: every claim is
checked, then every value becomes a name in the notebook's namespace, which the prose reads with
myst-nb's ``{eval}`` role -- a bare name (``{eval}`seeds```) or one name with a format spec
(``{eval}`f"{decoy_grad:.2f}"```). The same role works in the built book (the page runs in
myst-nb's inline execution mode) and in JupyterLab or Notebook 7 with ``jupyterlab-myst`` (the
``[lab]`` extra), so a student in a live notebook sees the numbers the text refers to.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field

import numpy as np

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
EVAL_NAME_REGEX = rf'^(?:{_NAME}|f"\{{{_NAME}(?::[^{{}}"`]*)?\}}")$'
"""What a page's ``{eval}`` roles may hold: one published name, bare or in an f-string with a format
spec. Each notebook's ``mystnb.eval_name_regex`` metadata is this pattern, so the book build refuses
any other expression (``tests/test_notebooks_stored.py`` checks both)."""

_EVAL_ROLE = re.compile(r"\{eval\}`([^`]*)`")


def quoted_names(markdown: str) -> list[str]:
    """The published names the prose ``markdown`` reads through ``{eval}`` roles, in order.

    Raises ``ValueError`` for a role whose expression :data:`EVAL_NAME_REGEX` does not allow.
    """
    names = []
    for expression in _EVAL_ROLE.findall(markdown):
        if not re.match(EVAL_NAME_REGEX, expression):
            raise ValueError(f"{{eval}}`{expression}`: expected a name or f\"{{name:format}}\"")
        names.append(re.search(_NAME, expression[1:] if expression.startswith('f"') else expression).group())
    return names


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
SMALLEST_BOUND = -16
"""``power_of_ten_above(0)`` is ``10⁻¹⁶``: below double precision's resolution at 1, and true of 0."""


def _power(exponent: int) -> str:
    return "10" + str(int(exponent)).translate(_SUPERSCRIPT)


def scientific(value: float, digits: int = 1) -> str:
    """``value`` for a sentence, in powers of ten a reader knows: ``5.5 × 10⁻⁸`` (not ``5.5e-08``).

    ``digits`` after the decimal point of the mantissa; 0 is ``"0"``.
    """
    value = float(value)
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa.replace('-', '−')} × {_power(int(exponent))}"


def power_of_ten_above(value: float) -> str:
    """The smallest power of ten strictly above ``|value|``, for "below 10⁻¹⁴" in a sentence.

    A rounding error such as ``1.8e-15`` reads "below 10⁻¹⁴"; 0 gets ``10⁻¹⁶``
    (:data:`SMALLEST_BOUND`), as does anything smaller.
    """
    import math

    value = abs(float(value))
    exponent = SMALLEST_BOUND if value < 10.0**SMALLEST_BOUND else math.floor(math.log10(value)) + 1
    if 10.0**exponent <= value:  # log10 rounding at an exact power of ten
        exponent += 1
    return _power(exponent)


class ClaimError(AssertionError):
    """A sentence the book would state is false for the numbers computed."""


def _plain(value):
    """A plain Python value for glue and f-strings (numpy scalars print as ``np.float64(...)``)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class Facts:
    """The numbers a page quotes (``values``: name -> plain Python value) and the claims they
    support (``claims``: sentence -> bool). ``facts["name"]`` reads a value; ``a | b`` merges."""

    values: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "values", {k: _plain(v) for k, v in self.values.items()})
        object.__setattr__(self, "claims", {k: bool(v) for k, v in self.claims.items()})

    def __getitem__(self, name):
        return self.values[name]

    def __or__(self, other: Facts) -> Facts:
        return Facts({**self.values, **other.values}, {**self.claims, **other.claims})

    def failed(self) -> list[str]:
        """The claims that do not hold (empty when every sentence is true)."""
        return [sentence for sentence, ok in self.claims.items() if not ok]

    def check(self) -> Facts:
        """Raise :class:`ClaimError` naming every false claim; return ``self`` when all hold."""
        bad = self.failed()
        if bad:
            raise ClaimError(f"{len(bad)} claim(s) do not hold: " + "; ".join(bad))
        return self

    def publish(self) -> Facts:
        """Check every claim (:class:`ClaimError` if one is false), then bind every value as a name in
        the running notebook for the prose's ``{eval}`` roles. Outside IPython only the check runs.

        A value may not take the name of a built-in or of a variable the notebook defined itself
        (``ValueError``): the prose would then read whichever was bound last. Publishing the same
        name again (re-running the cell) is fine.
        """
        self.check()
        try:
            from IPython import get_ipython
        except ImportError:  # IPython comes with any notebook; a plain script has no prose to feed
            return self
        shell = get_ipython()
        if shell is None:
            return self
        namespace = shell.user_ns
        published = namespace.setdefault("_neurotrace_published", set())
        clashes = sorted(name for name in self.values
                         if hasattr(builtins, name) or (name in namespace and name not in published))
        if clashes:
            raise ValueError(f"cannot publish {', '.join(clashes)}: the name is already taken in this notebook "
                             "(rename the value or the variable)")
        namespace.update(self.values)
        published.update(self.values)
        return self

    def _repr_pretty_(self, printer, cycle) -> None:
        """What a notebook shows under a publish cell: one line, not every value."""
        printer.text(f"{len(self.values)} numbers and names for the text on this page; "
                     f"{len(self.claims)} claims checked, "
                     + ("all true." if not self.failed() else f"{len(self.failed())} false."))
