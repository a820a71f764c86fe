"""Alembic environment: runs on the connection (and inside the transaction) the caller passes in.

``upgrade_to_head`` puts its connection in ``config.attributes["connection"]``; there is no ``alembic.ini``.
For ad-hoc use (``alembic -x url=sqlite:///registry.db upgrade head``) a URL can be given instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from mcpship.registry.store.engine import create_registry_engine

VERSION_TABLE = "mcpship_registry_version"
"""Not ``alembic_version``: the registry may share a PostgreSQL database with an application that uses Alembic."""


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection in config.attributes or -x url=<database URL>")
    engine = create_registry_engine(url)
    try:
        with engine.connect() as fresh:
            _run(fresh)
            fresh.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported: the registry migrates a live database")
run_migrations_online()
