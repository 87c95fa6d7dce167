"""mail: the one-click unsubscribe URL of an outbox message

Messages to followers carry the URL that stops them as the ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` headers (RFC 2369, RFC 8058); the outbox keeps it with the
message so that a retry sends the same headers. Other messages, and those already
queued, have none: NULL.

Revision ID: 88e2d4dec12b
Revises: f92963d59c1d
Create Date: 2026-12-04 21:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '88e2d4dec12b'
down_revision = 'f92963d59c1d'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (nullable, no batch copy) works on SQLite and PostgreSQL alike.
    op.add_column('outbox_messages', sa.Column('unsubscribe_url', sa.String(length=500),
                                               nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('unsubscribe_url')
