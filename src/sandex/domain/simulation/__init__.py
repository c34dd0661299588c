"""The simulated market as pure rules: the reference price walk, synthetic history, and the
market maker's quoting and taker-flow decisions."""
