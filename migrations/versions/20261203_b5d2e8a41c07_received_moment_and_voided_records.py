"""contributions: the received moment every list and figure uses, and voided records

``received_at`` is filled for every row: a web contribution's sending time
(``created_at``); a typed-in one's ``received_on`` at the start of that day in the
deployment's zone (``BABEL_DEFAULT_TIMEZONE``), or its typing time when no day was
given. The listing indexes sort by it and leave voided records out.

Revision ID: b5d2e8a41c07
Revises: 5e2d8a41c9f3
Create Date: 2026-12-03 08:20:00

"""
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'b5d2e8a41c07'
down_revision = '5e2d8a41c9f3'
branch_labels = None
depends_on = None

LISTED = sa.text("withdrawn_at IS NULL AND voided_at IS NULL")
LISTED_BEFORE = sa.text("withdrawn_at IS NULL")
STATES = ['consultation_id', 'hidden_at', 'withdrawn_at', 'classified_at', 'group_id',
          'hidden_reason']


def _start_of_day(day, zone, dialect):
    moment = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    # As UTCDateTime stores it: naive UTC on SQLite.
    return moment.replace(tzinfo=None) if dialect == 'sqlite' else moment


def _drop_listing_indexes():
    op.drop_index('ix_contributions_listing', table_name='contributions')
    op.drop_index('ix_contributions_supported', table_name='contributions')


def _create_listing_indexes(column, where):
    op.create_index('ix_contributions_listing', 'contributions',
                    ['consultation_id', column, 'id'],
                    postgresql_where=where, sqlite_where=where)
    op.create_index('ix_contributions_supported', 'contributions',
                    ['consultation_id', 'supports_count', 'id'],
                    postgresql_where=where, sqlite_where=where)


def upgrade():
    # Partial indexes are made again by hand: SQLite's batch copy would lose their WHERE.
    _drop_listing_indexes()
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.String(length=1000), nullable=True))

    bind = op.get_bind()
    bind.execute(sa.text("UPDATE contributions SET received_at = created_at "
                         "WHERE received_on IS NULL"))
    zone = ZoneInfo(current_app.config['BABEL_DEFAULT_TIMEZONE'])
    rows = bind.execute(sa.text("SELECT id, received_on FROM contributions "
                                "WHERE received_on IS NOT NULL")).all()
    if rows:
        table = sa.table('contributions', sa.column('id', sa.Integer),
                         sa.column('received_at', sa.DateTime(timezone=True)))
        for ident, day in rows:
            if isinstance(day, str):  # SQLite gives the ISO text
                day = datetime.fromisoformat(day).date()
            bind.execute(table.update().where(table.c.id == ident).values(
                received_at=_start_of_day(day, zone, bind.dialect.name)))

    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.alter_column('received_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_contributions_voided_by_id_users'), 'users',
                                    ['voided_by_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_contributions_voided_with_reason'),
            "(voided_at IS NULL) = (void_reason IS NULL) "
            "AND (voided_at IS NULL) = (voided_by_id IS NULL)")
        batch_op.create_check_constraint(
            op.f('ck_contributions_only_typed_in_voided'),
            "voided_at IS NULL OR entered_by_id IS NOT NULL")
        batch_op.drop_index('ix_contributions_author')
        batch_op.create_index('ix_contributions_author', ['author_id', 'received_at'],
                              unique=False)
        batch_op.drop_index('ix_contributions_states')
        batch_op.create_index('ix_contributions_states', [*STATES, 'voided_at'], unique=False)
    _create_listing_indexes('received_at', LISTED)


def downgrade():
    _drop_listing_indexes()
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index('ix_contributions_states')
        batch_op.create_index('ix_contributions_states', STATES, unique=False)
        batch_op.drop_index('ix_contributions_author')
        batch_op.create_index('ix_contributions_author', ['author_id', 'created_at'],
                              unique=False)
        batch_op.drop_constraint(op.f('ck_contributions_only_typed_in_voided'), type_='check')
        batch_op.drop_constraint(op.f('ck_contributions_voided_with_reason'), type_='check')
        batch_op.drop_constraint(op.f('fk_contributions_voided_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_by_id')
        batch_op.drop_column('voided_at')
        batch_op.drop_column('received_at')
    _create_listing_indexes('created_at', LISTED_BEFORE)
