"""Alembic environment: migrations run on the engine the application hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from rtcc.storage.tables import metadata

config = context.config
engine = config.attributes.get("connection_engine")
if engine is None:  # run from the alembic command line: use sqlalchemy.url
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///var/rtcc.db")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
