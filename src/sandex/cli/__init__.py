"""The `sandex` command line (Typer)."""
