"""audit_entries: append-only on SQLite too (triggers)

PostgreSQL refuses UPDATE and DELETE of audit entries with a trigger since 83e33bf8ed1d;
on SQLite a raw ``DELETE FROM audit_entries`` at a SQL prompt succeeded. Two triggers
now abort either statement there, with the same message.

A later migration that rebuilds ``audit_entries`` with ``batch_alter_table`` on SQLite
(copy, drop, rename) drops these triggers with the old table: it must create them again.

Revision ID: b5d1e7a3c920
Revises: 7a4e0c5d2b61
Create Date: 2026-12-03 08:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b5d1e7a3c920'
down_revision = '7a4e0c5d2b61'
branch_labels = None
depends_on = None

STATEMENTS = ('UPDATE', 'DELETE')


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return  # PostgreSQL has its trigger already
    for statement in STATEMENTS:
        op.execute(f"""
            CREATE TRIGGER audit_entries_append_only_{statement.lower()}
            BEFORE {statement} ON audit_entries
            BEGIN
                SELECT RAISE(ABORT, 'audit_entries is append-only');
            END""")


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for statement in STATEMENTS:
        op.execute(f'DROP TRIGGER IF EXISTS audit_entries_append_only_{statement.lower()}')
