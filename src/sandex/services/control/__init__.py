"""The control plane (`/sandex/v1`): users, keys, deposits, prices, clock, faults, reset."""
