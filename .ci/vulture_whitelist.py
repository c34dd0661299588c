"""vulture's reviewed false positives for `src/sandex` (run by .ci/run, min confidence 60).

Names that something outside the Python call graph uses: a framework, a template, a user of the
client library, the database. FastAPI routes, Typer commands, pytest fixtures, pydantic validators
and SQLAlchemy event listeners are skipped by decorator in .ci/run instead, so a new route or command
needs no entry here. Each entry says who uses the name; an entry marked "test-only" is code that
only the tests reach and that stays in src for the reason given. vulture matches by name alone, so
one entry covers the name everywhere: keep names specific. vulture only parses this file.
"""

# ruff: noqa: B018 (each line is a use of a name, for vulture)


class _Names:
    def __getattr__(self, name: str) -> str:
        return name


_ = _Names()

# --- protocols whose signature is fixed by Python or the stdlib ----------------------------------
_.exc_type  # __exit__/__aexit__ parameters (client, storage.uow, service ports)
_.tb  # same
_.mu  # RandomStream.gauss mirrors random.Random.gauss(mu, sigma)

# --- frameworks ----------------------------------------------------------------------------------
_.model_config  # pydantic / pydantic-settings read it from the class (config.Settings, control schemas)
_.media_type  # starlette Response subclasses (okx envelope, control errors)
_.openapi  # FastAPI calls app.openapi() for /openapi.json (transport/okx/openapi/document.py)
_.uly  # GET /public/instruments accepts the query parameter (ccxt sends it) and ignores it
_.should_exit  # uvicorn.Server polls it to stop (testing/server.py)
_.impl  # SQLAlchemy TypeDecorator (storage/types.py)
_.cache_ok  # same
_.load_dialect_impl  # same
_.process_bind_param  # same
_.process_result_value  # same
_.pytest_addoption  # pytest hooks of the sandex plugin (testing/plugin.py, a pytest11 entry point)
_.pytest_configure  # same
_.pytest_report_header  # same

# --- Alembic reads these module attributes of each migration (storage/migrations/versions) -------
_.revision
_.down_revision
_.branch_labels
_.depends_on
_.downgrade

# --- Jinja templates of the console (transport/console/templates) --------------------------------
_.wick_x  # market_live.html: candle geometry (charts.py)
_.high_y  # same
_.low_y  # same
_.body_y  # same
_.body_h  # same
_.height  # same: the chart's viewBox
_.last_y  # same: the last-price line
_.last_label  # same
_.volume  # market_live.html: 24h volume (markets.py)
_.depth_pct  # market_live.html: depth bars (markets.py)
_.lead  # market_macros.html: a tiny price's leading digits (numbers.PriceText)
_.can_activate  # macros.html, key_reveal.html: which key buttons show (keys_view.py)
_.can_edit  # same
_.can_revoke  # same
_.prev_href  # pager.html: the markets list's Previous/Next links (pagination.Pager)
_.next_href  # same
_.by_state  # keys_list.html: keys counted by state (keys_search.KeyCounts)

# --- the client library and the signing helpers its users call ---------------------------------
_.token_from  # AsyncControlClient.token_from(data_dir): the admin token, for users' scripts
_.cash  # client.models fields users read
_.sub_account  # same
_.ws_login_prehash  # what a WS client signs for `login` (tests, bench and users' bots sign with it)

# --- enum members that arrive by value (catalogue file, database rows) --------------------------
_.PREOPEN  # InstrumentState: OKX instrument states, parsed from the catalogue
_.TEST  # same
_.SYSTEM  # LedgerAccountKind: stored in ledger rows, read back by value

# --- records: fields written for the readers of the record --------------------------------------
_.taker_fee_ccy  # domain.trading.Trade: the fee currency of each side (tests check it)
_.maker_fee_ccy  # same

# --- test-only, kept in src on purpose -----------------------------------------------------------
_.ManualClock  # sandex.testing.clock: for tests and benchmarks that drive sandex in-process
_.net_external  # Ledger: deposits minus withdrawals, the conservation invariant total == net_external
_.bucket_count  # MemoryLimiter: how many buckets it holds, so tests can check memory stays bounded
_.commits  # Sequencer: transactions written, so tests can check that batching happens
_.is_frozen  # User: the predicate beside is_sub_account; the services compare status directly
_.close_all  # ConsoleSessions: ends a user's sessions; nothing calls it yet (see the hygiene report)
_.lease_holder  # ExchangeStore: who holds the sequencer lease, so lease tests can check it
# sandex.testing.failover: the failover harness of tests/reliability/test_failover.py and
# bench/bench_failover.py (in src so that both reach it)
_.prepare
_.engine_for
_.table_counts
_.kill_trial
_.stop_trial
_.acked
_.money_ok
_.failover_s
_.epochs
_.old_acked_after_resume
_.old_exit
_.mid_commit
_.old_exit_s
_.load_average
_.scratch_database
# sandex.testing.cluster: the cluster harness of tests/reliability/test_cluster.py and
# bench/bench_cluster_failover.py
_.nats_reachable
_.every_port_s
_.unanswered
_.unanswered_after_takeover
_.survivors_acked
_.clients_acked
_.kill_api
_.balances_differ

# --- algo orders: the use cases the algo REST routes and WS channels call (branch algo-transport) --
_.place_algos  # TradingService: POST trade/order-algo
_.cancel_algos  # POST trade/cancel-algos, cancel-advance-algos
_.amend_algos  # POST trade/amend-algos
_.get_algo  # GET trade/order-algo
_.pending_algos  # GET trade/orders-algo-pending
_.algo_history  # GET trade/orders-algo-history
_.algo_object  # transport/okx/algo_wire: the algo object of those routes and the WS pushes
_.flush_usage  # test-only: write all noted key use at once (AuthService); the server writes it in batches (keycache.py)

# --- swaps in the pytest plugin (branch swap-console): what users' tests call on `sandex_swaps` ----
_.open_position  # SandexSwaps: a position opened by real orders against a counterparty
_.liquidate  # SandexSwaps: forced liquidation through the control API
_.steer  # SandexSwaps: the index (hence the mark) moved
_.counterparty_uid  # SeededPosition: who took the other side, for tests that look at it
_.unfreeze_mark  # SandexSwaps: the mark follows its index again
_.unfreeze_funding  # SandexSwaps: the minute samples move the funding rate again

# --- swaps: vocabulary and audit hooks --------------------------------------------------------------
_.OPTION  # InstType: OKX's instType values, parsed by value (OPTION lists are answered [])
_.MULTI_CURRENCY  # AcctLv "3": parsed by value, then refused (sandex runs Spot and Futures mode)
_.PORTFOLIO  # AcctLv "4": likewise
_.published  # MarkFeed: UpdateMarks the core accepted (tests wait on it)
_.state_digest  # ExchangeCore: the state hash tests and audits compare across restarts
_.reloads  # runtime/cluster/follower.py: replica loads, read by the cluster tests
