"""`python -m simkit ...`: the same as the `simkit` command."""

from simkit.cli.main import main

raise SystemExit(main())
