"""Perpetual swaps' funding rates: sampled from the books and the index, settled on the sandbox clock."""
