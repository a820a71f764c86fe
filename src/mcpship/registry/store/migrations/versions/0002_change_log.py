"""The change log: which server name each change-counter value touched (for per-name cache invalidation).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Starts empty: a reader whose last counter predates it sees a gap in the log and drops its whole cache once.
    op.create_table(
        "registry_changes",
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("counter", name="pk_registry_changes"),
    )


def downgrade() -> None:
    op.drop_table("registry_changes")
