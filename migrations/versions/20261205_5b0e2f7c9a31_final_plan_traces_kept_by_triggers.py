"""final plans: the contributions that shaped each commitment, kept by triggers

``final_plan_traces`` holds one row per (contribution, final commitment) that the
published final plan's traceability shows now: a visible contribution whose effective
published response (its own, else its group's) is at a version that landed in the
commitment (``final_plan_landings``). With it, its received moment, tracking code and the
outcome: the pages read "the first ten of each commitment" and "a page of one" as index
walks that stop, and the open data reads the codes from one index. ``final_plan_tallies``
counts them per commitment.

Before, the readers joined the landings live to the responses and the contributions
(and the group members) and ranked all of them with window functions on every view:
13,401 rows at 50,000 contributions, growing with the consultation (the final plan's
page 33 / 88 / 310 ms at 5k / 50k / 200k on SQLite).

Row triggers keep both tables, on SQLite and PostgreSQL, whatever writes the rows:
- ``contributions``: an insert into a group, an update that hides, shows, withdraws,
  voids, regroups, re-dates or re-codes one, a delete: its rows are made again.
- ``responses``: a version published (``current_version_id``), a response made or
  removed: the rows of its contribution, or of every member of its group, made again.
- ``final_plan_landings``: a landing stored adds the rows it stands for (a removed one
  remakes the rows of its contributions).
- ``final_plan_traces``: each row inserted or deleted moves its commitment's tally.
On PostgreSQL the landings' insert and the tallies are statement triggers reading the
transition tables (``STATEMENT_TRIGGERS``): a publication adds its rows at once and moves
each tally once per statement, not once per row.
"Made again" is: delete the contribution's rows, insert them from the rule above (as
``finalplan.queries.live_traces`` reads it, copied here since a migration must not
import the application). The tables are filled here from that rule.

A later migration that rebuilds ``contributions``, ``responses`` or
``final_plan_landings`` with ``batch_alter_table`` on SQLite drops these triggers with
the old table: it must call ``create_triggers`` of this revision's text again.

Revision ID: 5b0e2f7c9a31
Revises: b7e4f2a9c6d1
Create Date: 2026-12-05 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b0e2f7c9a31'
down_revision = 'b7e4f2a9c6d1'
branch_labels = None
depends_on = None

#: ``contributions.queries.is_visible()`` on the contribution ``c``.
VISIBLE = "c.hidden_at IS NULL AND c.withdrawn_at IS NULL AND c.voided_at IS NULL"
TRACE_COLUMNS = ("final_plan_id, commitment_id, contribution_id, received_at, "
                 "tracking_code, outcome")
#: The contribution's columns the rule reads: an update of another fires nothing.
CONTRIBUTION_COLUMNS = ('hidden_at', 'withdrawn_at', 'voided_at', 'group_id', 'received_at',
                        'tracking_code')
RESPONSE_COLUMNS = ('current_version_id', 'contribution_id', 'group_id')


def _rows(contributions):
    """The SELECTs (own response; group response) of the rows of the contributions
    ``c`` that ``contributions`` (a condition on ``c``) names."""
    own = (f"SELECT l.final_plan_id, l.commitment_id, c.id, c.received_at, "
           f"c.tracking_code, l.outcome FROM contributions c "
           f"JOIN responses r ON r.contribution_id = c.id "
           f"JOIN final_plan_landings l ON l.response_id = r.id "
           f"AND l.response_version_id = r.current_version_id "
           f"WHERE ({contributions}) AND {VISIBLE}")
    grouped = (f"SELECT l.final_plan_id, l.commitment_id, c.id, c.received_at, "
               f"c.tracking_code, l.outcome FROM contributions c "
               f"JOIN final_plan_landings l ON l.group_id = c.group_id "
               f"JOIN responses r ON r.id = l.response_id "
               f"AND r.current_version_id = l.response_version_id "
               f"WHERE ({contributions}) AND {VISIBLE} AND NOT EXISTS ("
               f"SELECT 1 FROM responses o WHERE o.contribution_id = c.id "
               f"AND o.current_version_id IS NOT NULL)")
    return own, grouped


def _remake(contributions):
    """Statements that make the rows of the contributions named again."""
    own, grouped = _rows(contributions)
    return [f"DELETE FROM final_plan_traces WHERE contribution_id IN "
            f"(SELECT c.id FROM contributions c WHERE {contributions})",
            f"INSERT INTO final_plan_traces ({TRACE_COLUMNS}) {own}",
            f"INSERT INTO final_plan_traces ({TRACE_COLUMNS}) {grouped}"]


def _landed(row):
    """Statements that add the rows a landing just stored stands for."""
    own = (f"INSERT INTO final_plan_traces ({TRACE_COLUMNS}) "
           f"SELECT {row}.final_plan_id, {row}.commitment_id, c.id, c.received_at, "
           f"c.tracking_code, {row}.outcome FROM responses r "
           f"JOIN contributions c ON c.id = r.contribution_id "
           f"WHERE r.id = {row}.response_id AND r.current_version_id = "
           f"{row}.response_version_id AND {VISIBLE}")
    grouped = (f"INSERT INTO final_plan_traces ({TRACE_COLUMNS}) "
               f"SELECT {row}.final_plan_id, {row}.commitment_id, c.id, c.received_at, "
               f"c.tracking_code, {row}.outcome FROM responses r "
               f"JOIN contributions c ON c.group_id = {row}.group_id "
               f"WHERE r.id = {row}.response_id AND r.current_version_id = "
               f"{row}.response_version_id AND {VISIBLE} AND NOT EXISTS ("
               f"SELECT 1 FROM responses o WHERE o.contribution_id = c.id "
               f"AND o.current_version_id IS NOT NULL)")
    return [own, grouped]


def _of_response(*rows):
    """Statements that make again the rows of the contributions the responses ``rows``
    (NEW, OLD) answer: their own contribution, or the members of their group."""
    ids = ", ".join(f"{row}.contribution_id" for row in rows)
    groups = ", ".join(f"{row}.group_id" for row in rows)
    return [*_remake(f"c.id IN ({ids})"), *_remake(f"c.group_id IN ({groups})")]


def _of_landing(*rows):
    """Statements that make again the rows of the contributions a landing stands for."""
    responses = ", ".join(f"{row}.response_id" for row in rows)
    groups = ", ".join(f"{row}.group_id" for row in rows)
    return [*_remake(f"c.id IN (SELECT contribution_id FROM responses "
                     f"WHERE id IN ({responses}))"),
            *_remake(f"c.group_id IN ({groups})")]


def _changed(columns, distinct):
    """An update trigger's WHEN: one of ``columns`` changed."""
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _count(row, sign):
    if sign == '+':
        return ("INSERT INTO final_plan_tallies (final_plan_id, commitment_id, contributions) "
                f"VALUES ({row}.final_plan_id, {row}.commitment_id, 1) "
                "ON CONFLICT (final_plan_id, commitment_id) DO UPDATE SET "
                "contributions = final_plan_tallies.contributions + 1")
    return ("UPDATE final_plan_tallies SET contributions = contributions - 1 "
            f"WHERE final_plan_id = {row}.final_plan_id "
            f"AND commitment_id = {row}.commitment_id")


def _triggers(distinct):
    """``[(name, table, event, WHEN or None, [statement, …])]``."""
    return [
        # A new contribution has no response yet: only a group's can reach it.
        ('final_plan_traces_contribution_insert', 'contributions', 'INSERT',
         "NEW.group_id IS NOT NULL", _remake("c.id = NEW.id")),
        ('final_plan_traces_contribution_update', 'contributions',
         f"UPDATE OF {', '.join(CONTRIBUTION_COLUMNS)}",
         _changed(CONTRIBUTION_COLUMNS, distinct), _remake("c.id = NEW.id")),
        ('final_plan_traces_contribution_delete', 'contributions', 'DELETE', None,
         ["DELETE FROM final_plan_traces WHERE contribution_id = OLD.id"]),
        ('final_plan_traces_response_insert', 'responses', 'INSERT',
         "NEW.current_version_id IS NOT NULL", _of_response('NEW')),
        ('final_plan_traces_response_update', 'responses',
         f"UPDATE OF {', '.join(RESPONSE_COLUMNS)}", _changed(RESPONSE_COLUMNS, distinct),
         _of_response('NEW', 'OLD')),
        ('final_plan_traces_response_delete', 'responses', 'DELETE',
         "OLD.current_version_id IS NOT NULL", _of_response('OLD')),
        ('final_plan_traces_landing_insert', 'final_plan_landings', 'INSERT', None,
         _landed('NEW')),
        ('final_plan_traces_landing_update', 'final_plan_landings', 'UPDATE', None,
         _of_landing('NEW', 'OLD')),
        ('final_plan_traces_landing_delete', 'final_plan_landings', 'DELETE', None,
         _of_landing('OLD')),
        ('final_plan_tallies_insert', 'final_plan_traces', 'INSERT', None,
         [_count('NEW', '+')]),
        ('final_plan_tallies_delete', 'final_plan_traces', 'DELETE', None,
         [_count('OLD', '-')]),
    ]


#: PostgreSQL: what is kept per statement, from its transition table, not per row. One
#: transaction that updates the same tally row many times piles up its versions and each
#: update walks them (quadratic: publishing a plan whose 53,152 landings reach one
#: commitment): a landing statement adds its rows at once, and each statement on the
#: rows moves a commitment's tally once.
STATEMENT_TRIGGERS = {
    'final_plan_traces_landing_insert': ('final_plan_landings', 'INSERT', 'landed', [
        f"INSERT INTO final_plan_traces ({TRACE_COLUMNS}) "
        f"SELECT l.final_plan_id, l.commitment_id, c.id, c.received_at, c.tracking_code, "
        f"l.outcome FROM landed l JOIN responses r ON r.id = l.response_id "
        f"AND r.current_version_id = l.response_version_id "
        f"JOIN contributions c ON c.id = r.contribution_id WHERE {VISIBLE}",
        f"INSERT INTO final_plan_traces ({TRACE_COLUMNS}) "
        f"SELECT l.final_plan_id, l.commitment_id, c.id, c.received_at, c.tracking_code, "
        f"l.outcome FROM landed l JOIN responses r ON r.id = l.response_id "
        f"AND r.current_version_id = l.response_version_id "
        f"JOIN contributions c ON c.group_id = l.group_id WHERE {VISIBLE} AND NOT EXISTS ("
        f"SELECT 1 FROM responses o WHERE o.contribution_id = c.id "
        f"AND o.current_version_id IS NOT NULL)"]),
    'final_plan_tallies_insert': ('final_plan_traces', 'INSERT', 'added', [
        "INSERT INTO final_plan_tallies AS t (final_plan_id, commitment_id, contributions) "
        "SELECT final_plan_id, commitment_id, count(*) FROM added "
        "GROUP BY final_plan_id, commitment_id "
        "ON CONFLICT (final_plan_id, commitment_id) DO UPDATE SET "
        "contributions = t.contributions + excluded.contributions"]),
    'final_plan_tallies_delete': ('final_plan_traces', 'DELETE', 'removed', [
        "UPDATE final_plan_tallies t SET contributions = t.contributions - d.n "
        "FROM (SELECT final_plan_id, commitment_id, count(*) AS n FROM removed "
        "GROUP BY final_plan_id, commitment_id) d "
        "WHERE t.final_plan_id = d.final_plan_id AND t.commitment_id = d.commitment_id"]),
}


def create_triggers():
    if op.get_bind().dialect.name == 'postgresql':
        for name, (table, event, rows, statements) in STATEMENT_TRIGGERS.items():
            body = "".join(f"    {statement};\n" for statement in statements)
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                       f"BEGIN\n{body}    RETURN NULL;\nEND $$")
            kind = 'NEW' if event == 'INSERT' else 'OLD'
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                       f"REFERENCING {kind} TABLE AS {rows} FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION {name}()")
        for name, table, event, when, statements in _triggers('IS DISTINCT FROM'):
            if name in STATEMENT_TRIGGERS:
                continue
            body = "".join(f"    {statement};\n" for statement in statements)
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                       f"BEGIN\n{body}    RETURN NULL;\nEND $$")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                       f"{f'WHEN ({when}) ' if when else ''}EXECUTE FUNCTION {name}()")
        return
    for name, table, event, when, statements in _triggers('IS NOT'):
        body = "".join(f"    {statement};\n" for statement in statements)
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                   f"{f'WHEN {when} ' if when else ''}BEGIN\n{body}END")


def drop_triggers():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, table, _event, _when, _statements in _triggers(''):
        op.execute(f"DROP TRIGGER IF EXISTS {name}{f' ON {table}' if postgresql else ''}")
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def upgrade():
    op.create_table(
        'final_plan_traces',
        sa.Column('contribution_id', sa.Integer(), nullable=False),
        sa.Column('final_plan_id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tracking_code', sa.String(length=24), nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.CheckConstraint("outcome IN ('incorporated', 'partially_incorporated')",
                           name=op.f('ck_final_plan_traces_outcome_valid')),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'],
                                name=op.f('fk_final_plan_traces_commitment_id_commitments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['contribution_id'], ['contributions.id'],
            name=op.f('fk_final_plan_traces_contribution_id_contributions'),
            ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['final_plan_id'], ['final_plans.id'],
                                name=op.f('fk_final_plan_traces_final_plan_id_final_plans'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('contribution_id', 'final_plan_id', 'commitment_id',
                                name=op.f('pk_final_plan_traces')),
    )
    op.create_index('ix_final_plan_traces_order', 'final_plan_traces',
                    ['final_plan_id', 'commitment_id', 'received_at', 'contribution_id',
                     'outcome', 'tracking_code'])
    op.create_table(
        'final_plan_tallies',
        sa.Column('final_plan_id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('contributions', sa.Integer(), server_default=sa.text('0'),
                  nullable=False),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'],
                                name=op.f('fk_final_plan_tallies_commitment_id_commitments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['final_plan_id'], ['final_plans.id'],
                                name=op.f('fk_final_plan_tallies_final_plan_id_final_plans'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('final_plan_id', 'commitment_id',
                                name=op.f('pk_final_plan_tallies')),
    )
    # What the triggers look landings up by: a response's version, a group.
    op.create_index('ix_final_plan_landings_response', 'final_plan_landings',
                    ['response_id', 'response_version_id'])
    op.create_index('ix_final_plan_landings_group_id', 'final_plan_landings', ['group_id'])
    # Filled and triggered under one lock: nothing written in between (SQLite holds its
    # write lock for the whole migration already).
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("LOCK TABLE contributions, responses, final_plan_landings "
                   "IN SHARE ROW EXCLUSIVE MODE")
    for select in _rows("1 = 1"):
        op.execute(f"INSERT INTO final_plan_traces ({TRACE_COLUMNS}) {select}")
    op.execute("INSERT INTO final_plan_tallies (final_plan_id, commitment_id, contributions) "
               "SELECT final_plan_id, commitment_id, count(*) FROM final_plan_traces "
               "GROUP BY final_plan_id, commitment_id")
    create_triggers()
    _analyze('final_plan_traces', 'final_plan_tallies', 'final_plan_landings')


def _analyze(*tables):
    """The new tables and indexes get their statistics: on PostgreSQL at once (a plan
    made before autovacuum comes sorted 13,413 codes instead of walking the index); on
    SQLite when the others have theirs (an analyzed database, where an index without
    statistics misleads the planner: see a3c1d9e2f4b7)."""
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        op.execute(f"ANALYZE {', '.join(tables)}")
    elif conn.execute(sa.text(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        for table in tables:
            op.execute(f"ANALYZE {table}")


def downgrade():
    drop_triggers()
    op.drop_index('ix_final_plan_landings_group_id', table_name='final_plan_landings')
    op.drop_index('ix_final_plan_landings_response', table_name='final_plan_landings')
    op.drop_table('final_plan_tallies')
    op.drop_index('ix_final_plan_traces_order', table_name='final_plan_traces')
    op.drop_table('final_plan_traces')
