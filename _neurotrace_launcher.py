"""The ``neurotrace`` command's entry point, outside the package on purpose.

Importing ``neurotrace.cli`` imports numpy first, which takes a few tenths of a second; a
Ctrl-C in that window would otherwise print a ``KeyboardInterrupt`` traceback before the
command's own handler exists. Here the import itself is guarded, and the exit status is the
command's usual 130 for an interrupt (``neurotrace.cli.EXIT["interrupted"]``).
"""

import sys

INTERRUPTED = 130  # 128 + SIGINT, as neurotrace.cli.EXIT["interrupted"] (tests/test_fuzz_cli.py checks they agree)


def main() -> int:
    try:
        from neurotrace.cli import main as command
    except KeyboardInterrupt:
        sys.stderr.write("\n")  # nothing was started, nothing to clean up: end the ^C line quietly
        return INTERRUPTED
    return command()


if __name__ == "__main__":
    sys.exit(main())
