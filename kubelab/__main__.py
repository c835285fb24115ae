"""`python -m kubelab ...` runs the `kubelab` command (how `kubelab up` starts its children)."""
import sys

from .cli import main

sys.exit(main())
