"""Pure domain logic: standard library only, no I/O, no clocks or randomness of its own."""
