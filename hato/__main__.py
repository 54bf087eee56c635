"""`python -m hato` runs the `hato` command."""

from hato.cli import main

raise SystemExit(main())
