"""The simulated market that moves prices: reference paths per instrument, market controls (halt,
freeze, spread, drain, shifts) and their commands."""
