"""Bundled data files (the default instrument catalogue)."""
