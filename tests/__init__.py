"""The sandex test suite. A package so that shared helpers import as `tests.support.*`."""
