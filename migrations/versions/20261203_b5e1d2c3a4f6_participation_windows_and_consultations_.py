"""participation windows, and consultations recorded after the fact

A consultation receives contributions in one or more windows per channel; each
existing consultation gets one web window from its opening to its closing (made by
its creator, with no reason: it is the period it was announced with). A consultation
may be recorded after it took place (``recorded_after_at``, with where it was
announced); a phase may say it receives contributions.

Revision ID: b5e1d2c3a4f6
Revises: b5d2e8a41c07
Create Date: 2026-12-03 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e1d2c3a4f6'
down_revision = 'b5d2e8a41c07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('participation_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('web', 'workshop', 'work_table', 'email', 'written')", name=op.f('ck_participation_windows_channel_valid')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_participation_windows_closes_after_opening')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_participation_windows_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_participation_windows_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participation_windows'))
    )
    with op.batch_alter_table('participation_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participation_windows_consultation_id'), ['consultation_id'], unique=False)

    # One web window per existing consultation: the period it was created with. The
    # values are copied as stored, so both databases keep their own representation.
    op.execute(
        "INSERT INTO participation_windows "
        "(consultation_id, channel, opens_at, closes_at, reason, created_by_id, created_at) "
        "SELECT id, 'web', opens_at, closes_at, '', created_by_id, created_at "
        "FROM consultations")

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_after_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('announcement_reference', sa.String(length=500), nullable=True))

    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receives_contributions', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.drop_column('receives_contributions')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('announcement_reference')
        batch_op.drop_column('recorded_after_at')
    with op.batch_alter_table('participation_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participation_windows_consultation_id'))
    op.drop_table('participation_windows')
