"""offline participation: facilitators, contact without e-mail, imported rows

A facilitator role (records contributions together with a person and prints their
receipt); on contributions, how an author without e-mail asked to be told (SMS, phone
call or letter) and when they were told, the gender declared on an imported sheet, and
the fingerprint of the spreadsheet row a contribution was imported from (unique per
consultation: the same file imported twice creates nothing new).

Revision ID: 005920d210fe
Revises: 79529a3b1e40
Create Date: 2026-12-03 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '005920d210fe'
down_revision = '79529a3b1e40'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('moderator', 'secretariat', 'admin')"
NEW_ROLES = "role IN ('moderator', 'facilitator', 'secretariat', 'admin')"
CONTACT_CHECK = "author_contact_channel IN ('sms', 'phone', 'post')"


def _roles(check):
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_roles_role_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_roles_role_valid'), check)


def upgrade():
    _roles(NEW_ROLES)
    # Plain ADD COLUMNs (no batch copy of contributions): SQLite keeps the partial
    # listing indexes; it takes a CHECK on the added column itself.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE contributions ADD COLUMN author_contact_channel VARCHAR(8) '
                   f'CONSTRAINT ck_contributions_author_contact_channel_valid CHECK ({CONTACT_CHECK})')
    else:
        op.add_column('contributions', sa.Column('author_contact_channel', sa.String(length=8),
                                                 nullable=True))
        op.create_check_constraint(op.f('ck_contributions_author_contact_channel_valid'),
                                   'contributions', CONTACT_CHECK)
    op.add_column('contributions', sa.Column('author_contact', sa.String(length=300),
                                             nullable=True))
    op.add_column('contributions', sa.Column('author_gender', sa.String(length=16),
                                             nullable=True))
    op.add_column('contributions', sa.Column('author_told_at', sa.DateTime(timezone=True),
                                             nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE contributions ADD COLUMN author_told_by_id INTEGER '
                   'CONSTRAINT fk_contributions_author_told_by_id_users REFERENCES users (id)')
    else:
        op.add_column('contributions', sa.Column('author_told_by_id', sa.Integer(),
                                                 nullable=True))
        op.create_foreign_key(op.f('fk_contributions_author_told_by_id_users'),
                              'contributions', 'users', ['author_told_by_id'], ['id'])
    op.add_column('contributions', sa.Column('import_fingerprint', sa.String(length=64),
                                             nullable=True))
    op.create_index('ix_contributions_import_fingerprint', 'contributions',
                    ['consultation_id', 'import_fingerprint'], unique=True)


def downgrade():
    op.drop_index('ix_contributions_import_fingerprint', table_name='contributions')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('fk_contributions_author_told_by_id_users'), 'contributions',
                           type_='foreignkey')
        op.drop_constraint(op.f('ck_contributions_author_contact_channel_valid'),
                           'contributions', type_='check')
    # SQLite (3.35+) drops a column with its own CHECK or REFERENCES in place: no batch
    # copy, so the partial listing indexes stay as they are.
    for column in ('import_fingerprint', 'author_told_by_id', 'author_told_at',
                   'author_gender', 'author_contact', 'author_contact_channel'):
        op.drop_column('contributions', column)
    op.execute("DELETE FROM user_roles WHERE role = 'facilitator'")
    _roles(OLD_ROLES)
