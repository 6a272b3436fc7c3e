"""The browser workspace (issue #15): users, the append-only audit trail of review decisions, blind
double-coding samples, and who reviewed a statement's tags (statements.reviewed_by, reviewed_at).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# As in the store: BIGINT ids on PostgreSQL, SQLite's INTEGER (the rowid, 64-bit already).
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("statements") as batch:
        batch.add_column(sa.Column("reviewed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reviewed_at", Moment, nullable=True))
    op.create_table(
        "users",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.CheckConstraint("role IN ('leser', 'pruefer', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "review_decisions",
        sa.Column("id", Id, primary_key=True),
        sa.Column("statement_id", Id, nullable=False, index=True),
        sa.Column("report_id", Id, nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("themes_before", sa.JSON, nullable=False),
        sa.Column("sentiment_before", sa.String(32), nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("sentiment", sa.String(32), nullable=False),
        sa.Column("undoes", Id, nullable=True),
        sa.Column("sample_id", Id, nullable=True),
        sa.Column("created_at", Moment, nullable=False),
        sa.CheckConstraint(
            "action IN ('accept', 'correct', 'skip', 'undo', 'adjudicate')", name="ck_review_decisions_action"
        ),
    )
    op.create_table(
        "coding_samples",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("coder_a", sa.String(64), nullable=False),
        sa.Column("coder_b", sa.String(64), nullable=False),
    )
    op.create_table(
        "coding_sample_items",
        sa.Column("sample_id", Id, sa.ForeignKey("coding_samples.id"), primary_key=True),
        sa.Column("statement_id", Id, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("sample_id", "position"),
    )
    op.create_table(
        "sample_codings",
        sa.Column("id", Id, primary_key=True),
        sa.Column("sample_id", Id, sa.ForeignKey("coding_samples.id"), nullable=False),
        sa.Column("statement_id", Id, nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("sentiment", sa.String(32), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.UniqueConstraint("sample_id", "statement_id", "user_name"),
    )


def downgrade() -> None:
    for table in ("sample_codings", "coding_sample_items", "coding_samples", "review_decisions", "users"):
        op.drop_table(table)
    with op.batch_alter_table("statements") as batch:
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
