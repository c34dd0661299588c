"""The exchange core: the sequenced state machine the single writer drives (commands in, change
sets and hub events out) and the records and store protocol it writes through. Trading, funding,
market data and the simulation use it; it uses none of them."""
