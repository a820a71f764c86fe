"""PostgreSQL: the trigram index on servers.name becomes one on lower(name).

pg_trgm's GIN operator class also answers ``name = x``, and the planner takes it for the join from a search or
list page to its ``servers`` rows (about 2 ms per row instead of a B-tree probe: 70 ms pages). An index on
``lower(name)`` serves the case-insensitive substring filter (``lower(name) LIKE``) and nothing else.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_servers_name_trigram")
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None:
        op.create_index(
            "ix_servers_lower_name_trigram",
            "servers",
            [sa.text("lower(name) gin_trgm_ops")],
            postgresql_using="gin",
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_servers_lower_name_trigram")
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None:
        op.create_index("ix_servers_name_trigram", "servers", [sa.text("name gin_trgm_ops")], postgresql_using="gin")
