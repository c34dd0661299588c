"""Transports: thin adapters that parse a request, call one service, and render the answer."""
