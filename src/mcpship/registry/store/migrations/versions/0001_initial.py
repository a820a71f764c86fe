"""The registry store: servers, remote URLs, the change counter and full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    timestamp = sa.DateTime(timezone=True)
    op.create_table(
        "servers",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("published_at", timestamp, nullable=False),
        sa.Column("updated_at", timestamp, nullable=False),
        sa.Column("status_changed_at", timestamp, nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("package_types", sa.Text(), nullable=False, server_default=""),
        sa.Column("transport_types", sa.Text(), nullable=False, server_default=""),
        sa.Column("value", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", name="pk_servers"),
        sa.CheckConstraint("status IN ('active', 'deprecated', 'deleted')", name="ck_servers_status"),
        sa.CheckConstraint("length(status_message) <= 500", name="ck_servers_status_message_length"),
        sa.CheckConstraint("length(trim(version)) > 0", name="ck_servers_version_not_empty"),
    )
    op.create_index(
        "uq_servers_one_latest_per_name",
        "servers",
        ["name"],
        unique=True,
        postgresql_where=sa.text("is_latest"),
        sqlite_where=sa.text("is_latest"),
    )
    op.create_index("ix_servers_updated_at", "servers", ["updated_at"])
    op.create_index("ix_servers_name_published_at", "servers", ["name", "published_at"])

    op.create_table(
        "server_remotes",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", "url", name="pk_server_remotes"),
        sa.ForeignKeyConstraint(
            ["name", "version"],
            ["servers.name", "servers.version"],
            name="fk_server_remotes_server",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_server_remotes_url", "server_remotes", ["url"])

    state = op.create_table(
        "registry_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registry_state"),
        sa.CheckConstraint("id = 1", name="ck_registry_state_single_row"),
    )
    op.bulk_insert(state, [{"id": 1, "change_counter": 0}])

    # Search covers the latest non-deleted version of each name: one small row per name, kept in step by
    # the store in the same transaction as every write. The filter columns are copied so that searching never
    # reads the (large) servers rows except for the page it returns.
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("package_types", sa.Text(), nullable=False),
        sa.Column("transport_types", sa.Text(), nullable=False),
    )
    if dialect == "postgresql":
        op.add_column("search_documents", sa.Column("search_vector", TSVECTOR(), nullable=False))
        op.create_index("ix_search_documents_vector", "search_documents", ["search_vector"], postgresql_using="gin")
        if _create_extension_if_allowed("pg_trgm"):
            # Substring search on names (ILIKE '%...%') through trigram indexes, as upstream's migration 015 does.
            for table in ("servers", "search_documents"):
                op.create_index(
                    f"ix_{table}_name_trigram",
                    table,
                    [sa.text("name gin_trgm_ops")],
                    postgresql_using="gin",
                )
    elif dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "name, title, description, tools, tokenize = 'unicode61 remove_diacritics 2')"
        )


def _create_extension_if_allowed(name: str) -> bool:
    """Trigram indexes are an optimisation: a database role that may not create the extension still migrates."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {name}")
    except sa.exc.DBAPIError:
        return False
    return True


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE search_fts")
    op.drop_table("search_documents")
    op.drop_table("registry_state")
    op.drop_table("server_remotes")
    op.drop_table("servers")
