"""Trading use cases for the transports: place, amend and cancel through the command bus; orders,
fills, bills and balances read from committed state."""
