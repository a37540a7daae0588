"""How an exercise page runs while the student's function is still a stub, and how it shows a solution.

- :func:`yours_or_reference`: the cells after a checker score the student's function once the
  checker passes it, and the reference solution until then, so a page runs from top to bottom
  whatever state the student's code is in (and the book, built from the stubs, shows the stub's
  feedback and then the reference's scores).
- :func:`solution`: the reference solution's code and the checker's verdict on it, for the
  collapsed "Show the solution" cell at the end of each exercise.
- :func:`collapsed`: any output folded under a summary line.

Both fold their output into an HTML ``<details>`` element, which stays closed until it is clicked
in the built book, in JupyterLab and in Notebook 7 alike (a cell tag or a cell's collapsed state
would hide it in one of them only, and a collapsed state that a student opens would be saved).
"""

from __future__ import annotations

import html
import inspect
import re
import textwrap
from dataclasses import dataclass

from . import solutions
from ._feedback import CheckResult
from .decoy import check_decoy
from .gradient import check_gradient
from .integrated_gradients import check_integrated_gradients
from .patching import check_patching, check_resample


def _name(thing) -> str:
    first = thing[0] if isinstance(thing, tuple) else thing
    module = getattr(first, "__module__", "") or ""
    short = "solutions." if module.endswith("exercises.solutions") else ""
    return short + getattr(first, "__qualname__", repr(first))


def yours_or_reference(result: CheckResult, yours, reference):
    """``yours`` when the checker's ``result`` passed, else ``reference``; prints which one the page uses.

    ``yours`` and ``reference`` are whatever the cells below need: a function, or a tuple such
    as ``(builder, fools, not_fooled)``.
    """
    if not isinstance(result, CheckResult):
        raise TypeError(f"expected the checker's result (a CheckResult), got {type(result).__name__}")
    if result.ok:
        print(textwrap.fill(f"Your function {_name(yours)} passes the checker: the cells below use it.", 88))
        return yours
    print(textwrap.fill(f"Your function {_name(yours)} does not pass the checker yet, so the cells below use the "
                        f"reference solution {_name(reference)}. Run them again once the checker passes.", 88))
    return reference


def _details(summary: str, body: str) -> str:
    return (f'<details class="neurotrace-collapsed"><summary style="cursor: pointer; font-weight: 600;">'
            f"{html.escape(summary)}</summary>{body}</details>")


def _table_html(markdown: str) -> str:
    """A GitHub pipe table (``Results.to_markdown()``) as an HTML table; other text as preformatted."""
    rows = [line.strip().strip("|").split("|") for line in markdown.strip().splitlines()]
    if len(rows) < 2 or not all(re.fullmatch(r"\s*:?-+:?\s*", cell) for cell in rows[1]):
        return f"<pre>{html.escape(markdown)}</pre>"
    align = ["right" if cell.strip().endswith(":") else "left" for cell in rows[1]]

    def row(cells, tag):
        return "<tr>" + "".join(f'<{tag} style="text-align: {a};">{html.escape(c.strip())}</{tag}>'
                                for c, a in zip(cells, align, strict=False)) + "</tr>"

    return ("<table><thead>" + row(rows[0], "th") + "</thead><tbody>"
            + "".join(row(r, "td") for r in rows[2:]) + "</tbody></table>")


@dataclass(frozen=True)
class Collapsed:
    """An output folded under ``summary``: a markdown table, or anything with ``_repr_html_``."""

    summary: str
    content: object

    def _repr_html_(self) -> str:
        inner = self.content._repr_html_() if hasattr(self.content, "_repr_html_") else _table_html(str(self.content))
        return _details(self.summary, inner)

    def __repr__(self) -> str:
        return f"{self.summary} (folded; open it in a notebook)"


def collapsed(content, summary: str) -> Collapsed:
    """``content`` (a markdown table such as ``Results.to_markdown()``, or an object with an HTML
    view) shown folded under ``summary`` until the reader opens it."""
    return Collapsed(summary, content)


@dataclass(frozen=True)
class Solution:
    """A reference solution's code and the checkers' verdicts on it; shows as code and green boxes."""

    functions: tuple
    code: str
    verdicts: tuple
    summary: str = "Show the solution"

    @property
    def ok(self) -> bool:
        return all(self.verdicts)

    def __str__(self) -> str:
        return self.code + "\n" + "\n".join(str(v) for v in self.verdicts)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer

            code = highlight(self.code, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))
        except ImportError:  # pygments comes with IPython; plain text otherwise
            code = f"<pre>{html.escape(self.code)}</pre>"
        names = " and ".join(f"<code>solutions.{html.escape(f)}</code>" for f in self.functions)
        body = (f"<p>The reference solution, {names}:</p>" + code + "<p>What the checker says about it:</p>"
                + "".join(v._repr_html_() for v in self.verdicts))
        return _details(self.summary, body)


def _checks() -> dict:
    """Solution name -> the function names it consists of and the checks it must pass."""
    return {
        "gradient_saliency": (("gradient_saliency",), lambda: (check_gradient(solutions.gradient_saliency),)),
        "integrated_gradients": (("integrated_gradients",),
                                 lambda: (check_integrated_gradients(solutions.integrated_gradients),)),
        "patching": (("resample", "patching_scores"),
                     lambda: (check_resample(solutions.resample), check_patching(solutions.patching_scores))),
        "bump_decoy": (("bump_decoy",), lambda: (check_decoy(solutions.bump_decoy, "gradient", "patching"),)),
        "baseline_bump_decoy": (("baseline_bump_decoy",), lambda: (
            check_decoy(solutions.baseline_bump_decoy, "integrated_gradients", "patching"),)),
    }


SOLUTIONS = tuple(_checks())
"""The names :func:`solution` accepts: one per exercise, and Exercise 4's "going further" decoy."""


def solution(name: str, summary: str = "Show the solution") -> Solution:
    """The reference solution ``name`` (one of :data:`SOLUTIONS`): its code, checked by its checker,
    folded under ``summary``."""
    checks = _checks()
    if name not in checks:
        raise ValueError(f"no solution {name!r}; expected one of {', '.join(checks)}")
    functions, run = checks[name]
    code = "\n\n".join(inspect.getsource(getattr(solutions, f)) for f in functions)
    return Solution(functions, code, run(), summary)


__all__ = ["SOLUTIONS", "Collapsed", "Solution", "collapsed", "solution", "yours_or_reference"]
