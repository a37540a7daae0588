"""Sphinx extension: launch buttons only when the book knows its repository.

The repository URL lives in ONE place, ``repository: url:`` in ``_config.yml``. Until the
project is published it is empty, and sphinx-book-theme 1.x then crashes on the launch
buttons (``cannot unpack non-iterable NoneType``) instead of skipping them. This hook drops
the launch buttons while the URL is empty and, once it is set, also turns on the repository
button, so publishing is a one-line edit.
"""

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def _guard(app, config):
    options = config.html_theme_options
    if options.get("repository_url"):
        options.setdefault("use_repository_button", True)
        return
    if options.pop("launch_buttons", None):
        LOGGER.info("launch_guard: repository.url is empty in _config.yml; Binder/Colab buttons are off")


def setup(app):
    app.connect("config-inited", _guard)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
