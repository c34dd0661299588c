"""The OKX v5 wire format. Wire names (instId, ordId, sCode…) live here and nowhere deeper."""
