"""followers of consultations and commitments

Citizens follow a consultation or a commitment of a final plan: an account at once, an
address once its owner confirms (double opt-in); each follow has a random unsubscribe
key. ``follow_phase_notices`` remembers which phase starts were told, so that
``send-follow-notices`` tells each once. One follow per target and account or address:
partial unique indexes (the other columns are NULL in the other kinds of follow).

Revision ID: 71785eca2cce
Revises: 8be9b8ad9208
Create Date: 2026-12-04 16:52:51.307161

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '71785eca2cce'
down_revision = '8be9b8ad9208'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow_phase_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('noticed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('told', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['phase_id'], ['phases.id'], name=op.f('fk_follow_phase_notices_phase_id_phases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_phase_notices')),
    sa.UniqueConstraint('phase_id', name=op.f('uq_follow_phase_notices_phase_id'))
    )
    op.create_table('followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('commitment_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unsubscribe_key', sa.String(length=64), nullable=False),
    sa.CheckConstraint('(consultation_id IS NULL) != (commitment_id IS NULL)', name=op.f('ck_followers_one_target')),
    sa.CheckConstraint('(user_id IS NULL) != (email IS NULL)', name=op.f('ck_followers_account_or_address')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_followers_commitment_id_commitments')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_followers_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_followers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followers')),
    sa.UniqueConstraint('unsubscribe_key', name=op.f('uq_followers_unsubscribe_key'))
    )
    with op.batch_alter_table('followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followers_commitment_id'), ['commitment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followers_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followers_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_followers_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_followers_commitment_email', ['commitment_id', 'email'], unique=True, postgresql_where=sa.text('commitment_id IS NOT NULL AND email IS NOT NULL'), sqlite_where=sa.text('commitment_id IS NOT NULL AND email IS NOT NULL'))
        batch_op.create_index('uq_followers_commitment_user', ['commitment_id', 'user_id'], unique=True, postgresql_where=sa.text('commitment_id IS NOT NULL AND user_id IS NOT NULL'), sqlite_where=sa.text('commitment_id IS NOT NULL AND user_id IS NOT NULL'))
        batch_op.create_index('uq_followers_consultation_email', ['consultation_id', 'email'], unique=True, postgresql_where=sa.text('consultation_id IS NOT NULL AND email IS NOT NULL'), sqlite_where=sa.text('consultation_id IS NOT NULL AND email IS NOT NULL'))
        batch_op.create_index('uq_followers_consultation_user', ['consultation_id', 'user_id'], unique=True, postgresql_where=sa.text('consultation_id IS NOT NULL AND user_id IS NOT NULL'), sqlite_where=sa.text('consultation_id IS NOT NULL AND user_id IS NOT NULL'))



def downgrade():
    with op.batch_alter_table('followers', schema=None) as batch_op:
        batch_op.drop_index('uq_followers_consultation_user', postgresql_where=sa.text('consultation_id IS NOT NULL AND user_id IS NOT NULL'), sqlite_where=sa.text('consultation_id IS NOT NULL AND user_id IS NOT NULL'))
        batch_op.drop_index('uq_followers_consultation_email', postgresql_where=sa.text('consultation_id IS NOT NULL AND email IS NOT NULL'), sqlite_where=sa.text('consultation_id IS NOT NULL AND email IS NOT NULL'))
        batch_op.drop_index('uq_followers_commitment_user', postgresql_where=sa.text('commitment_id IS NOT NULL AND user_id IS NOT NULL'), sqlite_where=sa.text('commitment_id IS NOT NULL AND user_id IS NOT NULL'))
        batch_op.drop_index('uq_followers_commitment_email', postgresql_where=sa.text('commitment_id IS NOT NULL AND email IS NOT NULL'), sqlite_where=sa.text('commitment_id IS NOT NULL AND email IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_followers_user_id'))
        batch_op.drop_index(batch_op.f('ix_followers_email'))
        batch_op.drop_index(batch_op.f('ix_followers_consultation_id'))
        batch_op.drop_index(batch_op.f('ix_followers_commitment_id'))

    op.drop_table('followers')
    op.drop_table('follow_phase_notices')
