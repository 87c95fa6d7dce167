"""contributions: personal data held masked until a moderator reviews it

Likely personal data found in a text on the way in (a DNI, a phone number...) is
masked in public at once and listed on the row until a moderator confirms the mask or
releases it; ``personal_data_held_at`` says it awaits review (the queue's filter).
Existing rows hold nothing: an empty list, no date.

Revision ID: 590ae58d7c92
Revises: 950b7bb3c423
Create Date: 2026-12-03 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '590ae58d7c92'
down_revision = '950b7bb3c423'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no batch copy): SQLite keeps the partial listing indexes.
    op.add_column('contributions', sa.Column('personal_data_held', sa.JSON(),
                                             nullable=False, server_default=sa.text("'[]'")))
    op.add_column('contributions', sa.Column('personal_data_held_at',
                                             sa.DateTime(timezone=True), nullable=True))


LISTED = sa.text("withdrawn_at IS NULL AND voided_at IS NULL")


def downgrade():
    # SQLite's batch copy would lose the partial listing indexes' WHERE: made again by hand.
    op.drop_index('ix_contributions_listing', table_name='contributions')
    op.drop_index('ix_contributions_supported', table_name='contributions')
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_column('personal_data_held_at')
        batch_op.drop_column('personal_data_held')
    op.create_index('ix_contributions_listing', 'contributions',
                    ['consultation_id', 'received_at', 'id'],
                    postgresql_where=LISTED, sqlite_where=LISTED)
    op.create_index('ix_contributions_supported', 'contributions',
                    ['consultation_id', 'supports_count', 'id'],
                    postgresql_where=LISTED, sqlite_where=LISTED)
