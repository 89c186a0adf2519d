"""`python -m whestbench` is the `whest` command."""

import sys

from whestbench.cli import main

sys.exit(main())
