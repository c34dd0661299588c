"""What the tests share, by role (import them as `tests.support.<module>`):

* `db` - one migrated template database per session, copied for each test.
* `factories` - users, sub-accounts, keys and test data every area uses.
* `apps` - in-process runtimes and apps (ASGI transport, no sockets).
* `exchange` - traders, funds, orders and ledger checks on a runtime.
* `rest`, `console`, `ws`, `okx` - clients: signed REST, console forms, WebSocket, OKX signing.
* `servers` - real threaded servers with funded worlds, for unmodified clients (ccxt, python-okx).
* `accounts`, `keys`, `matching`, `venue` - fakes and builders of the unit tests.
* `polling` - waiting for a condition with a deadline (never a fixed sleep).
* `totp` - authenticator codes the server's replay guard accepts.
* `fuzz`, `browser`, `plugin` - what those folders need.
"""
