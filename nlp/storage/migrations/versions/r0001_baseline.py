"""The schema of the first release (created by `metadata.create_all`, without a version table).

A database of that release is stamped with this revision by `kfd db upgrade`, then upgraded.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("content_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("external_id", sa.String(200), nullable=True, unique=True),
        sa.Column("filename", sa.String(255)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kommune_name", sa.String(255)),
        sa.Column("landkreis", sa.String(255), index=True),
        sa.Column("regierungsbezirk", sa.String(64), index=True),
        sa.Column("first_event_date", sa.Date, index=True),
        sa.Column("year", sa.Integer, index=True),
        sa.Column("report", sa.JSON, nullable=False),
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("section", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("sentiment", sa.String(32), nullable=False),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False, index=True),
        sa.UniqueConstraint("report_id", "section", "position"),
    )


def downgrade() -> None:
    op.drop_table("statements")
    op.drop_table("reports")
