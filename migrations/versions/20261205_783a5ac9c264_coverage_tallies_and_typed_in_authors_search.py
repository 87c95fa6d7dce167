"""coverage tallies kept by triggers; typed-in authors' trigram index on SQLite

``coverage_tallies`` counts, per consultation, component and commitment (as classified,
else as the author chose; 0 for none), the contributions listed in the matrix (neither
withdrawn nor voided), the visible ones among them (not hidden) and the answered visible
ones: the feedback dashboard's coverage and the matrix's total read in a few rows instead
of a GROUP BY or a count over every contribution. Triggers on ``contributions`` keep it (SQLite: three triggers;
PostgreSQL: one plpgsql function); the existing contributions are counted here.

On SQLite, ``offline_authors_fts`` (FTS5, trigram tokenizer, SQLite >= 3.34) holds the
author's name, organization and e-mail address of each typed-in record (rowid = the
contribution's id), kept by triggers too: finding a typed-in author by part of a name
reads the index instead of a ``LIKE '%…%'`` over every typed-in record. PostgreSQL keeps
its ``LIKE`` (pg_trgm is not an extension the README installs).

Revision ID: 783a5ac9c264
Revises: 62813607d38b
Create Date: 2026-12-05 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '783a5ac9c264'
down_revision = '62813607d38b'
branch_labels = None
depends_on = None

#: ``contributions.queries.not_withdrawn()`` for a trigger's OLD or NEW row: counted in
#: ``listed``; ``visible`` and ``answered`` count those not hidden too.
LISTED = "{0}.withdrawn_at IS NULL AND {0}.voided_at IS NULL"
VISIBLE = "CASE WHEN {0}.hidden_at IS NULL THEN 1 ELSE 0 END"
KEYS = ("{0}.consultation_id, coalesce({0}.classified_component_id, {0}.component_id, 0), "
        "coalesce({0}.classified_commitment_id, {0}.commitment_id, 0)")
MATCH_KEYS = ("consultation_id = {0}.consultation_id AND component_key = "
              "coalesce({0}.classified_component_id, {0}.component_id, 0) AND "
              "commitment_key = coalesce({0}.classified_commitment_id, {0}.commitment_id, 0)")
ANSWERED = "CASE WHEN {0}.hidden_at IS NULL AND {0}.answered THEN 1 ELSE 0 END"
#: The columns the tallies depend on: an update of any other column fires nothing.
COUNTED_COLUMNS = ("consultation_id, component_id, classified_component_id, commitment_id, "
                   "classified_commitment_id, hidden_at, withdrawn_at, voided_at, answered")
COLUMNS = "consultation_id, component_key, commitment_key, listed, visible, answered"
CONFLICT = ("ON CONFLICT (consultation_id, component_key, commitment_key) DO UPDATE SET "
            "listed = coverage_tallies.listed + excluded.listed, "
            "visible = coverage_tallies.visible + excluded.visible, "
            "answered = coverage_tallies.answered + excluded.answered")


def _add(row):
    return (f"INSERT INTO coverage_tallies ({COLUMNS}) SELECT {KEYS.format(row)}, 1, "
            f"{VISIBLE.format(row)}, {ANSWERED.format(row)} WHERE {LISTED.format(row)} "
            f"{CONFLICT}")


def _remove(row):
    return (f"UPDATE coverage_tallies SET listed = listed - 1, "
            f"visible = visible - {VISIBLE.format(row)}, "
            f"answered = answered - {ANSWERED.format(row)} "
            f"WHERE {MATCH_KEYS.format(row)} AND {LISTED.format(row)}")


def upgrade():
    op.create_table(
        'coverage_tallies',
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('component_key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('commitment_key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('listed', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('visible', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('answered', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_coverage_tallies_consultation_id_consultations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('consultation_id', 'component_key', 'commitment_key',
                                name=op.f('pk_coverage_tallies')),
    )
    conn = op.get_bind()
    conn.execute(sa.text(
        f"INSERT INTO coverage_tallies ({COLUMNS}) "
        f"SELECT {KEYS.format('c')}, count(*), sum({VISIBLE.format('c')}), "
        f"sum({ANSWERED.format('c')}) "
        f"FROM contributions AS c WHERE {LISTED.format('c')} GROUP BY 1, 2, 3"))
    if conn.dialect.name == "postgresql":
        op.execute(f"""
CREATE FUNCTION coverage_tallies_keep() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_remove('OLD')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_add('NEW')};
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER coverage_tallies_keep AFTER INSERT OR DELETE OR UPDATE "
                   f"OF {COUNTED_COLUMNS} ON contributions FOR EACH ROW "
                   "EXECUTE FUNCTION coverage_tallies_keep()")
        return
    op.execute("CREATE TRIGGER coverage_tallies_insert AFTER INSERT ON contributions "
               f"BEGIN {_add('NEW')}; END")
    op.execute(f"CREATE TRIGGER coverage_tallies_update AFTER UPDATE OF {COUNTED_COLUMNS} "
               f"ON contributions BEGIN {_remove('OLD')}; {_add('NEW')}; END")
    op.execute("CREATE TRIGGER coverage_tallies_delete AFTER DELETE ON contributions "
               f"BEGIN {_remove('OLD')}; END")

    # Typed-in authors, found by any part of a name, organization or address.
    op.execute("CREATE VIRTUAL TABLE offline_authors_fts USING fts5("
               "author_name, author_organization, author_email, tokenize = 'trigram')")
    authors = "author_name, author_organization, author_email"
    index = (f"INSERT INTO offline_authors_fts (rowid, {authors}) "
             "SELECT {0}.id, {0}.author_name, {0}.author_organization, {0}.author_email "
             "WHERE {0}.entered_by_id IS NOT NULL")
    unindex = "DELETE FROM offline_authors_fts WHERE rowid = {0}.id"
    op.execute(f"INSERT INTO offline_authors_fts (rowid, {authors}) SELECT id, {authors} "
               "FROM contributions WHERE entered_by_id IS NOT NULL")
    op.execute("CREATE TRIGGER offline_authors_fts_insert AFTER INSERT ON contributions "
               f"BEGIN {index.format('NEW')}; END")
    op.execute("CREATE TRIGGER offline_authors_fts_update AFTER UPDATE OF entered_by_id, "
               f"{authors} ON contributions "
               f"BEGIN {unindex.format('OLD')}; {index.format('NEW')}; END")
    op.execute("CREATE TRIGGER offline_authors_fts_delete AFTER DELETE ON contributions "
               f"BEGIN {unindex.format('OLD')}; END")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS coverage_tallies_keep ON contributions")
        op.execute("DROP FUNCTION IF EXISTS coverage_tallies_keep()")
    else:
        for name in ("coverage_tallies_insert", "coverage_tallies_update",
                     "coverage_tallies_delete", "offline_authors_fts_insert",
                     "offline_authors_fts_update", "offline_authors_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS offline_authors_fts")
    op.drop_table('coverage_tallies')
