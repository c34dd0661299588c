"""Persistence: SQLAlchemy 2.0 models, Alembic migrations, repositories. SQLite or PostgreSQL."""
