"""Helpers for testing bots and integrations against sandex (grows into the pytest plugin)."""
