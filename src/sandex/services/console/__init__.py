"""Web-console sessions."""
