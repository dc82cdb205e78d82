"""`python -m karpwiki` runs the same command line as the installed `karpwiki`."""

from .cli import main

raise SystemExit(main())
