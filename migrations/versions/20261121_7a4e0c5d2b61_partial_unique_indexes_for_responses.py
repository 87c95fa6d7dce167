"""responses: one per contribution or group, as partial unique indexes

SQLite's statistics count the NULLs of a unique column as one huge duplicate value;
after PRAGMA optimize it scanned every response to load a page's group responses.

Revision ID: 7a4e0c5d2b61
Revises: 3f1c2a9d7b10
Create Date: 2026-11-21 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a4e0c5d2b61'
down_revision = '3f1c2a9d7b10'
branch_labels = None
depends_on = None

COLUMNS = ('contribution_id', 'group_id')


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_constraint(f'uq_responses_{column}', type_='unique')
    for column in COLUMNS:
        present = sa.text(f'{column} IS NOT NULL')
        op.create_index(f'uq_responses_{column}', 'responses', [column], unique=True,
                        postgresql_where=present, sqlite_where=present)


def downgrade():
    for column in COLUMNS:
        op.drop_index(f'uq_responses_{column}', table_name='responses')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.create_unique_constraint(f'uq_responses_{column}', [column])
