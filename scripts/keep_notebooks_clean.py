"""Configure this clone's git to strip notebook outputs (nbstripout as a git filter). Run once per clone:

    python -m pip install -e ".[lab]"          # brings nbstripout
    python scripts/keep_notebooks_clean.py

The book's notebooks are stored without outputs, and JupyterLab saves every notebook it runs with
its outputs (and autosaves). With the filter, git compares and commits each notebook as
nbstripout leaves it, so ``git status`` stays clean after a session in JupyterLab and a commit
never carries outputs. The working files keep their outputs until you clear them.

What the filter strips: outputs and execution counts (nbstripout's defaults), plus what JupyterLab
writes on saving that the stored notebooks leave out: the kernel's ``language_info`` and the
values jupyterlab-myst caches for the prose's ``{eval}`` roles (``user_expressions``). Cell ids are
kept (``--keep-id``). ``.gitattributes`` (committed) applies the filter to ``*.ipynb``;
``python scripts/keep_notebooks_clean.py --uninstall`` removes the configuration.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

EXTRA_KEYS = "metadata.language_info cell.metadata.user_expressions"


def settings(python: str = sys.executable) -> dict[str, str]:
    """The git configuration the filter needs (``git config --local`` keys and values)."""
    strip = f"{shlex.quote(python)} -m nbstripout --keep-id"
    return {
        "filter.nbstripout.clean": strip,
        "filter.nbstripout.smudge": "cat",
        "filter.nbstripout.required": "true",
        "filter.nbstripout.extrakeys": EXTRA_KEYS,
        "diff.ipynb.textconv": f"{strip} -t",
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--uninstall"]):
        print(__doc__)
        return 2
    if not args:
        try:
            import nbstripout  # noqa: F401
        except ImportError:
            print('nbstripout is not installed: python -m pip install -e ".[lab]" first', file=sys.stderr)
            return 1
    for key, value in settings().items():
        command = ["git", "config", "--local"] + (["--unset", key] if args else [key, value])
        if subprocess.run(command, check=False).returncode not in (0, 5):  # 5: --unset of a missing key
            print(f"git config failed ({' '.join(command)}): run this from inside the clone", file=sys.stderr)
            return 1
    print("notebook filter removed" if args else
          "git now strips notebook outputs in this clone (nbstripout filter, see .gitattributes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
