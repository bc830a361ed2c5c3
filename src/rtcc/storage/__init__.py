"""Persistence: SQLAlchemy Core on SQLite (WAL) or PostgreSQL through one code path."""
