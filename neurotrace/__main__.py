"""``python -m neurotrace``: the same command line as the ``neurotrace`` console script."""

import sys

from .cli import main

sys.exit(main())
