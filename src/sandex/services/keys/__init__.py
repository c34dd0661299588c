"""API keys: create, edit, revoke and rotate; request authentication (`auth.py`) and the usage log."""
