"""sectors from the deployment profile; audit log guarded against TRUNCATE; names kept

3. ``contributions.organization_name``: the organization's name when the contribution
   was sent, so that renaming an organization (which sends it back to review) never
   rewrites past contributions. Filled for existing rows from the current names.

1. Sectors are the country's data (``sectors.json`` of the deployment profile), not a
   fixed list: the CHECK constraints that froze Peru's nine sector codes on users,
   organizations, contributions and event attendance go; the forms and operations
   refuse a code that is not in the profile. The downgrade puts them back with those
   nine codes (it fails if another profile's codes are in use, as it must).
2. PostgreSQL: ``TRUNCATE audit_entries`` skipped the row triggers; a statement-level
   ``BEFORE TRUNCATE`` trigger now refuses it too (README: the app role owns nothing,
   so it can neither drop nor disable the triggers).

On SQLite, dropping a CHECK copies the table (batch mode), which loses the WHERE of the
partial indexes of contributions (the listing ones, and the one of comments' parents):
they are made again by hand.

Revision ID: 79529a3b1e40
Revises: b521da3f7b10
Create Date: 2026-12-03 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '79529a3b1e40'
down_revision = 'b521da3f7b10'
branch_labels = None
depends_on = None

TABLES = ('users', 'organizations', 'contributions', 'event_attendance')
#: The sector codes the constraints allowed before this revision.
FORMER_SECTORS = ('citizen', 'civil_society', 'academia', 'private_sector',
                  'national_government', 'regional_government', 'local_government',
                  'international_cooperation', 'other')
LISTED = sa.text("withdrawn_at IS NULL AND voided_at IS NULL")


def _partial_indexes(action):
    if op.get_bind().dialect.name != 'sqlite':
        return
    if action == 'drop':
        op.drop_index('ix_contributions_listing', table_name='contributions')
        op.drop_index('ix_contributions_supported', table_name='contributions')
        op.drop_index('ix_contributions_parent_id', table_name='contributions')
        return
    op.create_index('ix_contributions_listing', 'contributions',
                    ['consultation_id', 'received_at', 'id'], sqlite_where=LISTED)
    op.create_index('ix_contributions_supported', 'contributions',
                    ['consultation_id', 'supports_count', 'id'], sqlite_where=LISTED)
    op.create_index('ix_contributions_parent_id', 'contributions', ['parent_id'],
                    sqlite_where=sa.text("parent_id IS NOT NULL"))


def upgrade():
    # A plain ADD COLUMN first (no batch copy for it).
    op.add_column('contributions', sa.Column('organization_name', sa.String(length=200),
                                             nullable=True))
    op.execute("UPDATE contributions SET organization_name = (SELECT organizations.name "
               "FROM organizations WHERE organizations.id = contributions.organization_id) "
               "WHERE organization_id IS NOT NULL")
    _partial_indexes('drop')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_sector_valid'), type_='check')
    _partial_indexes('create')

    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE TRIGGER audit_entries_no_truncate
            BEFORE TRUNCATE ON audit_entries
            FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
    quoted = ", ".join(f"'{code}'" for code in FORMER_SECTORS)
    _partial_indexes('drop')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f'ck_{table}_sector_valid'),
                                             f"sector IN ({quoted})")
            if table == 'contributions':
                batch_op.drop_column('organization_name')
    _partial_indexes('create')
