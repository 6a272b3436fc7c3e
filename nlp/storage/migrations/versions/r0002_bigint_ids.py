"""64-bit ids on PostgreSQL: reports.id, statements.id and statements.report_id (and their sequences)
become BIGINT. SQLite's INTEGER ids are 64-bit already: nothing changes there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = (("statements", "report_id"), ("statements", "id"), ("reports", "id"))


def _retype(type_: type[sa.types.TypeEngine], sql_type: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.alter_column(table, column, type_=type_())
    for table in ("reports", "statements"):
        sequence = bind.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar()
        if sequence:
            op.execute(f"ALTER SEQUENCE {sequence} AS {sql_type}")


def upgrade() -> None:
    _retype(sa.BigInteger, "bigint")


def downgrade() -> None:
    _retype(sa.Integer, "integer")
