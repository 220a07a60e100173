"""The `simkit` command line."""
