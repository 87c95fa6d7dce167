"""events: attendance as known (total, gender recorded, women); forum members and meetings

An event's attendance was only rows by sector, so a total without a sector could not be
recorded and a blank "women" was stored as 0. The event now holds its total and its
gender breakdown (NULL: not recorded) and the rows by sector are optional and partial.

Existing rows: the total is the sum of the event's rows (NULL without rows). Where the
event's rows name at least one woman, gender counts as recorded for all of them; where
every row says 0 women, the form had stored a blank as 0, so gender is "not recorded"
(on the event and on its rows), never "0 women".

The consultation also records the evidence of a standing forum (IRM guideline 7): its
members by sector and the dates of its meetings.

Revision ID: 5e2d8a41c9f3
Revises: b5d1e7a3c920
Create Date: 2026-12-03 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2d8a41c9f3'
down_revision = 'b5d1e7a3c920'
branch_labels = None
depends_on = None

OLD_COUNTS = 'participants >= 0 AND women >= 0 AND women <= participants'
NEW_COUNTS = ('participants >= 0 AND (women IS NULL OR '
              '(women >= 0 AND women <= participants))')
ROW_SUM = 'SELECT SUM({column}) FROM event_attendance WHERE event_attendance.event_id = events.id'


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forum_members', sa.JSON(), nullable=False,
                                      server_default='{}'))
        batch_op.add_column(sa.Column('forum_meetings', sa.JSON(), nullable=False,
                                      server_default='[]'))

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendees_total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('gender_recorded_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attendees_women', sa.Integer(), nullable=True))

    with op.batch_alter_table('event_attendance', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_attendance_counts_valid'), type_='check')
        batch_op.alter_column('women', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_event_attendance_counts_valid'), NEW_COUNTS)

    participants, women = ROW_SUM.format(column='participants'), ROW_SUM.format(column='women')
    op.execute(f'UPDATE events SET attendees_total = ({participants})')
    op.execute(f'UPDATE events SET gender_recorded_count = attendees_total, '
               f'attendees_women = ({women}) WHERE ({women}) > 0')
    op.execute('UPDATE event_attendance SET women = NULL WHERE event_id IN '
               '(SELECT id FROM events WHERE gender_recorded_count IS NULL)')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_events_attendees_total_valid'), 'attendees_total IS NULL OR attendees_total >= 0')
        batch_op.create_check_constraint(
            op.f('ck_events_attendees_gender_valid'),
            '(gender_recorded_count IS NULL AND attendees_women IS NULL) OR '
            '(attendees_women >= 0 AND attendees_women <= gender_recorded_count '
            'AND gender_recorded_count <= attendees_total)')


def downgrade():
    op.execute('UPDATE event_attendance SET women = 0 WHERE women IS NULL')
    with op.batch_alter_table('event_attendance', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_attendance_counts_valid'), type_='check')
        batch_op.alter_column('women', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_event_attendance_counts_valid'), OLD_COUNTS)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_attendees_gender_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_events_attendees_total_valid'), type_='check')
        batch_op.drop_column('attendees_women')
        batch_op.drop_column('gender_recorded_count')
        batch_op.drop_column('attendees_total')

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('forum_meetings')
        batch_op.drop_column('forum_members')
