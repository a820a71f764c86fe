"""The change log also names which versions of the server each change touched (per-version cache invalidation)
and whether it changed the server's search document (rankings of searches stay valid across the other writes).

A new version touches itself and the version it takes isLatest from; an edit touches one version; a status change
of one version touches it and any version whose isLatest flips. Rows written before these columns (``NULL``) mean
"any version" and "the search document may have changed", as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("registry_changes", sa.Column("versions", sa.Text(), nullable=True))
    op.add_column("registry_changes", sa.Column("reranks", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registry_changes") as batch:
        batch.drop_column("reranks")
        batch.drop_column("versions")
