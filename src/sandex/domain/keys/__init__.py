"""API keys: formats, creation/edit rules, expiry, request signing and the auth check pipeline.

`signing` and `timestamps` are also used by sandex's Python client, so they depend on nothing else.
"""
