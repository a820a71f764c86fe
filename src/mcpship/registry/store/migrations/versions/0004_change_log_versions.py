"""The change log also names which versions of the server each change touched (per-version cache invalidation).

A new version touches itself and the version it takes isLatest from; an edit touches one version; a status change
of one version touches it and any version whose isLatest flips. Rows written before this column (``NULL``) mean
"any version", as before.

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


def downgrade() -> None:
    with op.batch_alter_table("registry_changes") as batch:
        batch.drop_column("versions")
