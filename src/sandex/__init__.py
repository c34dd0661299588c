"""sandex: a self-hosted crypto exchange sandbox that speaks the OKX v5 API."""

__version__ = "0.1.0"
