"""Revision 0009: mail recorded before it keeps no code in clear (nothing could tell when it is spent)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from sandex.storage.db import MIGRATIONS_DIR, create_db_engine, migrate


def test_upgrading_blanks_the_codes_of_mail_recorded_before(database_url: str) -> None:
    engine = create_db_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
    body = "Someone asked.\n\nVerification code: 042917\n\nThe code is valid for 10 minutes.\n"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO mail_outbox (to_addr, subject, body, created_ms) VALUES"
                " ('a@example.test', 'code', :body, 1), ('a@example.test', 'other', 'No code here.', 2)"
            ),
            {"body": body},
        )

    migrate(engine)

    with engine.connect() as connection:
        bodies = list(connection.scalars(text("SELECT body FROM mail_outbox ORDER BY id")))
    engine.dispose()
    assert "042917" not in bodies[0] and "The code is valid for 10 minutes." in bodies[0]
    assert bodies[1] == "No code here."
