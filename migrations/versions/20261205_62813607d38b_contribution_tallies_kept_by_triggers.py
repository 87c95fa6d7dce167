"""contribution_tallies: a consultation's counts by state, kept by triggers

On SQLite every page that counted a consultation's contributions by state walked an
index range as long as the consultation (the consultation page 5.8 ms at 5,000
contributions, 33 ms at 200,000; the moderators' and staff's start pages 3 to 30 ms).
``contribution_tallies`` holds one row per consultation with a column per state, and
row triggers on ``contributions`` keep it: AFTER INSERT adds the new row's states,
AFTER DELETE takes the old row's away, AFTER UPDATE of a column a state reads (or of
the consultation) moves them. The database keeps them, so no way of writing
contributions can forget them: the ORM, a bulk ``update()``, imports, the benchmark's
bulk inserts, SQL typed at a prompt. On PostgreSQL one plpgsql function serves the
three triggers; on SQLite each trigger has its body.

Each state is written once below (``STATES``, with the meaning of
``moderation.queries.live_state_counts`` as it stands today, copied since a migration
must not import the application): every state but ``voided`` leaves voided records
out. The table is filled here from the live counts.

A later migration that rebuilds ``contributions`` with ``batch_alter_table`` on SQLite
(copy, drop, rename) drops these triggers with the old table: it must call
``create_triggers`` of this revision's text again (copy it: the states may have grown).

Revision ID: 62813607d38b
Revises: 7e9ee916a15b
Create Date: 2026-12-05 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '62813607d38b'
down_revision = '7e9ee916a15b'
branch_labels = None
depends_on = None

#: Each state's condition on a row of ``contributions``; ``{r}`` is the row (NEW, OLD,
#: or the table when recounting).
STATES = {
    'received': "{r}.voided_at IS NULL",
    'classified': "{r}.classified_at IS NOT NULL AND {r}.voided_at IS NULL",
    'grouped': "{r}.group_id IS NOT NULL AND {r}.voided_at IS NULL",
    'hidden': "{r}.hidden_at IS NOT NULL AND {r}.voided_at IS NULL",
    'withdrawn': "{r}.withdrawn_at IS NOT NULL AND {r}.voided_at IS NULL",
    'unclassified': "{r}.classified_at IS NULL AND {r}.hidden_at IS NULL "
                    "AND {r}.withdrawn_at IS NULL AND {r}.voided_at IS NULL",
    'voided': "{r}.voided_at IS NOT NULL",
    'personal_data': "{r}.personal_data_held_at IS NOT NULL AND {r}.voided_at IS NULL",
}
#: The columns the states read: an update of another column (a support, an edit of the
#: text, ``answered``) never fires the update trigger.
COLUMNS = ('voided_at', 'classified_at', 'group_id', 'hidden_at', 'withdrawn_at',
           'personal_data_held_at')
TRIGGERS = ('insert', 'update', 'delete')


def _one(state, row):
    """1 when ``row`` is in ``state``, else 0."""
    return f"CASE WHEN {STATES[state].format(r=row)} THEN 1 ELSE 0 END"


def _ensure(row):
    """The tally row of ``row``'s consultation, created at zero if missing."""
    return ("INSERT INTO contribution_tallies (consultation_id) "
            f"VALUES ({row}.consultation_id) ON CONFLICT DO NOTHING")


def _add(new=None, old=None):
    """One UPDATE adding ``new``'s states to its consultation's tally and taking
    ``old``'s away from its own (both of one row when the consultation is the same)."""
    if old is None or new is None:  # an insert or a delete: one consultation
        row, sign = (new, '+') if old is None else (old, '-')
        sets = ", ".join(f"{s} = {s} {sign} {_one(s, row)}" for s in STATES)
        return (f"UPDATE contribution_tallies SET {sets} "
                f"WHERE consultation_id = {row}.consultation_id")

    def part(state, row):
        return f"CASE WHEN consultation_id = {row}.consultation_id THEN {_one(state, row)} " \
               "ELSE 0 END"
    sets = ", ".join(f"{s} = {s} + {part(s, new)} - {part(s, old)}" for s in STATES)
    return (f"UPDATE contribution_tallies SET {sets} "
            f"WHERE consultation_id IN ({old}.consultation_id, {new}.consultation_id)")


def _bodies():
    """``{trigger: [statement, …]}``: what each trigger does."""
    return {
        # The tally row is made by the first contribution; a delete only updates (a
        # consultation's row emptied first, as tests do, is not made again).
        'insert': [_ensure('NEW'), _add(new='NEW')],
        'update': [_ensure('NEW'), _add(new='NEW', old='OLD')],
        'delete': [_add(old='OLD')],
    }


def _changed():
    """The update trigger's WHEN: the consultation or some column's NULL-ness changed
    (a new moment in ``classified_at`` moves no count)."""
    return " OR ".join(["OLD.consultation_id <> NEW.consultation_id", *(
        f"(OLD.{c} IS NULL) <> (NEW.{c} IS NULL)" for c in COLUMNS)])


def _event(trigger):
    return {'insert': 'INSERT', 'delete': 'DELETE',
            'update': f"UPDATE OF consultation_id, {', '.join(COLUMNS)}"}[trigger]


def create_triggers():
    bodies = _bodies()
    if op.get_bind().dialect.name == 'postgresql':
        branches = "\n".join(
            f"    {'IF' if n == 0 else 'ELSIF'} TG_OP = '{trigger.upper()}' THEN\n"
            + "".join(f"        {statement};\n" for statement in bodies[trigger])
            for n, trigger in enumerate(TRIGGERS))
        op.execute(f"""
            CREATE FUNCTION contribution_tallies_keep() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
{branches}    END IF;
                RETURN NULL;
            END $$""")
        for trigger in TRIGGERS:
            when = f"WHEN ({_changed()}) " if trigger == 'update' else ""
            op.execute(f"""
                CREATE TRIGGER contribution_tallies_{trigger}
                AFTER {_event(trigger)} ON contributions
                FOR EACH ROW {when}EXECUTE FUNCTION contribution_tallies_keep()""")
        return
    for trigger in TRIGGERS:
        when = f"WHEN {_changed()} " if trigger == 'update' else ""
        statements = "".join(f"    {statement};\n" for statement in bodies[trigger])
        op.execute(f"""
            CREATE TRIGGER contribution_tallies_{trigger}
            AFTER {_event(trigger)} ON contributions
            FOR EACH ROW {when}BEGIN
{statements}            END""")


def drop_triggers():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for trigger in TRIGGERS:
        on = " ON contributions" if postgresql else ""
        op.execute(f"DROP TRIGGER IF EXISTS contribution_tallies_{trigger}{on}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS contribution_tallies_keep()")


def upgrade():
    op.create_table('contribution_tallies',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    *(sa.Column(state, sa.Integer(), server_default='0', nullable=False) for state in STATES),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_contribution_tallies_consultation_id_consultations')),
    sa.PrimaryKeyConstraint('consultation_id', name=op.f('pk_contribution_tallies'))
    )
    # Counted and triggered under one lock: no contribution written in between (SQLite
    # holds its write lock for the whole migration already).
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("LOCK TABLE contributions IN SHARE ROW EXCLUSIVE MODE")
    columns = ", ".join(STATES)
    sums = ", ".join(f"coalesce(sum({_one(state, 'contributions')}), 0)" for state in STATES)
    op.execute(f"INSERT INTO contribution_tallies (consultation_id, {columns}) "  # noqa: S608
               f"SELECT consultation_id, {sums} FROM contributions GROUP BY consultation_id")
    create_triggers()


def downgrade():
    drop_triggers()
    op.drop_table('contribution_tallies')
