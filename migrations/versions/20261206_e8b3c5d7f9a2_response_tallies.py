"""response tallies kept by triggers: the secretariat's list of responses counted

``response_tallies`` counts each consultation's responses (to contributions and to
groups) by status: the feedback dashboard pages its list of responses, and counted them
all on each view (SQLite: a walk of an index range as long as the consultation's
responses, 0.8 ms at 50,000 contributions and 3 ms at 200,000). Triggers on
``responses`` keep it (SQLite: three row triggers; PostgreSQL: statement triggers
reading the transition tables, so that a statement touching many responses moves each
count once); the existing responses are counted here.

Revision ID: e8b3c5d7f9a2
Revises: d4a7b9c2e5f3
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b3c5d7f9a2'
down_revision = 'd4a7b9c2e5f3'
branch_labels = None
depends_on = None

CONFLICT = ("ON CONFLICT (consultation_id, status) DO UPDATE SET "
            "responses = response_tallies.responses + excluded.responses")
#: SQLite's row triggers.
ADD = ("INSERT INTO response_tallies (consultation_id, status, responses) "
       "VALUES (NEW.consultation_id, NEW.status, 1) " + CONFLICT)
REMOVE = ("UPDATE response_tallies SET responses = responses - 1 "
          "WHERE consultation_id = OLD.consultation_id AND status = OLD.status")
SQLITE_TRIGGERS = {
    "response_tallies_insert": f"AFTER INSERT ON responses BEGIN {ADD}; END",
    "response_tallies_update": (
        "AFTER UPDATE OF consultation_id, status ON responses "
        "WHEN OLD.consultation_id IS NOT NEW.consultation_id OR OLD.status IS NOT NEW.status "
        f"BEGIN {REMOVE}; {ADD}; END"),
    "response_tallies_delete": f"AFTER DELETE ON responses BEGIN {REMOVE}; END",
}


def _moved(counted):
    """PostgreSQL: add to each key the sum of ``counted`` (rows of consultation_id,
    status, n), only the keys whose sum is not zero (an update that keeps the status
    touches no tally row, so saving a text never waits on another save's tally)."""
    return (f"INSERT INTO response_tallies AS t (consultation_id, status, responses) "
            f"SELECT consultation_id, status, sum(n) FROM ({counted}) AS moved "
            f"GROUP BY consultation_id, status HAVING sum(n) <> 0 "
            f"ON CONFLICT (consultation_id, status) DO UPDATE SET "
            f"responses = t.responses + excluded.responses")


#: PostgreSQL: name → (event, transition tables, statement).
POSTGRESQL_TRIGGERS = {
    "response_tallies_insert": (
        "INSERT", "NEW TABLE AS added",
        _moved("SELECT consultation_id, status, 1 AS n FROM added")),
    "response_tallies_update": (
        "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _moved("SELECT consultation_id, status, 1 AS n FROM new_rows UNION ALL "
               "SELECT consultation_id, status, -1 FROM old_rows")),
    "response_tallies_delete": (
        "DELETE", "OLD TABLE AS removed",
        _moved("SELECT consultation_id, status, -1 AS n FROM removed")),
}


def upgrade():
    op.create_table(
        'response_tallies',
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('responses', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_response_tallies_consultation_id_consultations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('consultation_id', 'status', name=op.f('pk_response_tallies')),
    )
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO response_tallies (consultation_id, status, responses) "
        "SELECT consultation_id, status, count(*) FROM responses GROUP BY 1, 2"))
    if conn.dialect.name == "postgresql":
        for name, (event, tables, statement) in POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                       f"BEGIN\n    {statement};\n    RETURN NULL;\nEND $$")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON responses "
                       f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
        return
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRESQL_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON responses")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('response_tallies')
