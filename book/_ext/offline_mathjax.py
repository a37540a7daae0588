"""Sphinx extension: typeset maths with no network, from a MathJax installed from the package index.

Sphinx loads MathJax from a CDN by default, so a reader offline (or a projector on a locked-down
network) sees raw ``\\(x\\)`` instead of typeset maths. The ``[book]`` extra installs MathJax 3
as the pure-static ``django-static-mathjax`` wheel (no Django needed: it is only the files,
under ``mathjax/static/mathjax/es5/``). At build time this extension copies the files a page
needs into ``<build>/_mathjax/mathjax/`` -- outside the source tree, and NOT a folder named
``_static`` next to the book, whose every ``.js`` Jupyter Book would load on every page -- and
adds that folder to ``html_static_path``; Sphinx then ships it as ``_static/mathjax/``, which
``mathjax_path: mathjax/tex-chtml.js`` in ``_config.yml`` names. Nothing is vendored into the
repository.

Copied: the combined ``tex-chtml.js`` and what it may load on demand (TeX extensions by
autoload, the CHTML fonts, the context menu and its accessibility components).
"""

from __future__ import annotations

import shutil
from importlib import metadata, resources
from pathlib import Path

from sphinx.errors import ConfigError, ExtensionError
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

DISTRIBUTION = "django-static-mathjax"
ENTRY = "tex-chtml.js"
PARTS = (ENTRY, "input/tex/extensions", "output/chtml", "ui", "a11y", "sre", "adaptors")
FOLDER = "mathjax"  # under _static/ in the built book


def source() -> Path:
    """The installed MathJax ``es5`` folder (raises ExtensionError naming the fix if missing)."""
    try:
        root = Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"
    except ModuleNotFoundError:
        root = None
    if root is None or not (root / ENTRY).is_file():
        raise ExtensionError(f"offline_mathjax: MathJax not found; install the book's extra "
                             f'(pip install -e ".[book]", which brings {DISTRIBUTION})')
    return root


def stage(target: Path) -> Path:
    """Copy MathJax's needed parts into ``target/mathjax`` once per version; return ``target``."""
    version = metadata.version(DISTRIBUTION)
    stamp = target / FOLDER / ".version"
    if stamp.is_file() and stamp.read_text() == version:
        return target
    root = source()
    shutil.rmtree(target / FOLDER, ignore_errors=True)
    for part in PARTS:
        src, dst = root / part, target / FOLDER / part
        if src.is_dir():
            shutil.copytree(src, dst)
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    stamp.write_text(version)
    return target


def _install(app):
    if app.builder.format != "html":
        return
    path = app.config.mathjax_path
    if "://" in path or not path.startswith(f"{FOLDER}/"):
        raise ConfigError(f"offline_mathjax: set mathjax_path to '{FOLDER}/{ENTRY}' in _config.yml "
                          f"(it is {path!r}: a CDN, or a path this extension does not provide)")
    target = stage(Path(app.outdir).parent / "_mathjax")
    if not (target / path).is_file():
        raise ConfigError(f"offline_mathjax: mathjax_path {path!r} is not among the copied files")
    app.config.html_static_path.append(str(target))
    LOGGER.info(f"offline_mathjax: MathJax {metadata.version(DISTRIBUTION)} from the installed package")


def setup(app):
    app.connect("builder-inited", _install)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
