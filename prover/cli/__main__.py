"""`python -m prover.cli`: the same as the `prover` command."""

import sys

from prover.cli import main

sys.exit(main())
