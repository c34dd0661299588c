"""Runtime machinery with I/O or wall-clock time: clocks, ids, the sequencer, hubs, limiters."""
