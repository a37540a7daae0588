"""Sphinx extension: no JavaScript error in the browser's console on any page.

Two errors every reader's browser logged, both from the theme stack, not from the book:

* sphinx-thebe adds its settings as an inline script (``const THEBE_JS_URL = ...``) with
  ``app.add_js_file(None, body=...)`` after the builder started. Sphinx 7 then lists that
  script twice -- once under the file name ``None`` when it is added, once as ``''`` when the
  builder re-reads the registry before writing (fixed upstream by sphinx-doc/sphinx#13402) --
  so every page declared the constant twice: "Uncaught SyntaxError: Identifier
  'THEBE_JS_URL' has already been declared". :func:`dedupe` drops the second copy of any
  inline script, whichever extension added it.
* pydata-sphinx-theme reads the colour mode from the browser's storage, falling back to
  ``default_mode`` in ``html_context``; Jupyter Book leaves it empty, so a reader's first
  visit logged "Got invalid theme mode: . Resetting to auto." It is set to ``auto`` (follow
  the system's light or dark setting), which is what the theme then fell back to anyway.
"""

from __future__ import annotations


def _name(script) -> str:
    return getattr(script, "filename", script) or ""


def dedupe(scripts: list) -> list:
    """``scripts`` with every inline script (no file name) after its first copy removed."""
    seen, out = set(), []
    for script in scripts:
        if not _name(script):
            key = tuple(sorted((getattr(script, "attributes", None) or {}).items()))
            if key in seen:
                continue
            seen.add(key)
        out.append(script)
    return out


def _page(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = dedupe(scripts)


def _theme(app, config):
    config.html_context.setdefault("default_mode", "auto")


def setup(app):
    app.connect("config-inited", _theme)
    app.connect("html-page-context", _page, priority=900)  # after every extension added its scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
