"""``python -m benchmarks [--quick] [--out DIR]``: run, print the table, write RESULTS.md + results.json.

Exit status 0 even when a target is missed (timings are information, not a test; the
missed targets are listed at the end) and 1 only if a measurement itself failed, e.g. a
floor or Captum disagreeing with the library.
"""

from __future__ import annotations

import os

# One core against one core, set before numpy and torch load their thread pools: on a shared
# 2-core machine a multi-threaded BLAS or OpenMP call waits whenever the other core is busy
# (Captum's FeatureAblation measured 50x slower with torch's 2 threads than with 1).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from neurotrace._io import write_text_atomic  # noqa: E402

from .report import markdown, missed  # noqa: E402
from .suite import run  # noqa: E402

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: few repeats, small grids (CI)")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder for RESULTS.md and results.json (default: the benchmarks folder)")
    args = parser.parse_args(argv)
    results = run(quick=args.quick, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    text = markdown(results)
    write_text_atomic(args.out / "results.json", json.dumps(results, indent=1) + "\n")
    write_text_atomic(args.out / "RESULTS.md", text)
    print(text)
    misses = missed(results)
    print(f"targets missed: {', '.join(misses)}" if misses else "all targets met")
    print(f"wrote {args.out / 'RESULTS.md'} and {args.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
