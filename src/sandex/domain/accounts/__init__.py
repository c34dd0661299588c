"""Users, sub-accounts and second factors: pure rules (validation, lockout, email codes, TOTP).

Nothing here stores, sends or generates anything: random bytes, codes and the time are inputs, and
every record is an immutable value the service persists.
"""
