"""organizing entities, and staff roles held per entity

Every consultation now belongs to an organizing entity (``consultations.entity_id``,
NOT NULL): one entity is created per distinct organizer text of the existing
consultations (compared ignoring case and spacing), its level taken from the
consultation's scope (national, regional, local; "other" otherwise), and linked. The
``organizer`` text stays as the displayed name; frozen summaries keep theirs.

``user_roles`` gains a surrogate ``id`` and ``entity_id`` (NULL: platform-wide, as every
existing role stays). The table is rebuilt: its primary key was (user_id, role).

Revision ID: f92963d59c1d
Revises: 03e31bbf84f7
Create Date: 2026-12-04 16:54:08.118273

"""
import re
import unicodedata
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f92963d59c1d'
down_revision = '03e31bbf84f7'
branch_labels = None
depends_on = None

ROLES_CHECK = "role IN ('moderator', 'facilitator', 'secretariat', 'admin')"
SCOPE_LEVELS = {"national": "national", "regional": "regional", "local": "local"}


def _slugify(text):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:76].rstrip("-") or "entidad"


def _user_roles_table(with_entity):
    columns = [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=True),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(ROLES_CHECK, name=op.f('ck_user_roles_role_valid')),
        sa.CheckConstraint("role != 'admin' OR entity_id IS NULL",
                           name=op.f('ck_user_roles_admin_platform_wide')),
        sa.ForeignKeyConstraint(['entity_id'], ['entities.id'],
                                name=op.f('fk_user_roles_entity_id_entities')),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'],
                                name=op.f('fk_user_roles_granted_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_user_roles_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_roles')),
        sa.UniqueConstraint('user_id', 'role', 'entity_id',
                            name=op.f('uq_user_roles_user_id_role_entity_id')),
    ]
    if not with_entity:
        columns = [
            sa.Column('user_id', sa.Integer(), nullable=False),
            sa.Column('role', sa.String(length=16), nullable=False),
            sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('granted_by_id', sa.Integer(), nullable=True),
            sa.CheckConstraint(ROLES_CHECK, name=op.f('ck_user_roles_role_valid')),
            sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'],
                                    name=op.f('fk_user_roles_granted_by_id_users')),
            sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                    name=op.f('fk_user_roles_user_id_users')),
            sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles')),
        ]
    return op.create_table('user_roles', *columns)


def _untyped(*names):
    return sa.table('user_roles', *(sa.column(name) for name in names))


def upgrade():
    op.create_table('entities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('acronym', sa.String(length=40), nullable=True),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_entities_created_by_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['entities.id'], name=op.f('fk_entities_parent_id_entities')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_entities_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entities')),
    sa.UniqueConstraint('name', name=op.f('uq_entities_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_entities_slug'))
    )
    with op.batch_alter_table('entities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entities_level'), ['level'], unique=False)

    # One entity per distinct organizer text, linked to its consultations.
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entity_id', sa.Integer(), nullable=True))
    bind = op.get_bind()
    consultations = bind.execute(sa.text(
        "SELECT id, organizer, scope, scope_region FROM consultations ORDER BY id")).all()
    entities, slugs = {}, set()
    now = datetime.now(timezone.utc)
    entities_table = sa.table('entities', sa.column('id', sa.Integer), sa.column('slug'),
                              sa.column('name'), sa.column('level'), sa.column('region'),
                              sa.column('created_at', sa.DateTime(timezone=True)))
    for ident, organizer, scope, region in consultations:
        name = " ".join((organizer or "").split())[:200] or "Entidad organizadora"
        key = name.lower()
        if key not in entities:
            base = slug = _slugify(name)
            n = 2
            while slug in slugs:
                slug, n = f"{base}-{n}", n + 1
            slugs.add(slug)
            level = SCOPE_LEVELS.get(scope, "other")
            bind.execute(entities_table.insert().values(
                slug=slug, name=name, level=level,
                region=region if level != "national" else None, created_at=now))
            entities[key] = bind.execute(sa.text("SELECT id FROM entities WHERE slug = :slug"),
                                         {"slug": slug}).scalar_one()
        bind.execute(sa.text("UPDATE consultations SET entity_id = :entity WHERE id = :id"),
                     {"entity": entities[key], "id": ident})
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.alter_column('entity_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_consultations_entity_id'), ['entity_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_consultations_entity_id_entities'), 'entities', ['entity_id'], ['id'])

    # user_roles rebuilt with a surrogate key; every existing role stays platform-wide.
    roles = bind.execute(sa.text(
        "SELECT user_id, role, granted_at, granted_by_id FROM user_roles "
        "ORDER BY user_id, role")).all()
    op.drop_table('user_roles')
    _user_roles_table(with_entity=True)
    if roles:  # values as read (SQLite gives its datetimes as text): an untyped table
        op.bulk_insert(_untyped("id", "user_id", "role", "entity_id", "granted_at",
                                "granted_by_id"), [
            {"id": n, "user_id": user_id, "role": role, "entity_id": None,
             "granted_at": granted_at, "granted_by_id": granted_by_id}
            for n, (user_id, role, granted_at, granted_by_id) in enumerate(roles, start=1)])
        if bind.dialect.name == "postgresql":
            op.execute("SELECT setval(pg_get_serial_sequence('user_roles', 'id'), "
                       "(SELECT MAX(id) FROM user_roles))")
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_roles_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_roles_user_id'), ['user_id'], unique=False)
    op.create_index('uq_user_roles_platform_role', 'user_roles', ['user_id', 'role'],
                    unique=True, sqlite_where=sa.text('entity_id IS NULL'),
                    postgresql_where=sa.text('entity_id IS NULL'))


def downgrade():
    # Roles held for an entity have no place in the old table: they are dropped.
    bind = op.get_bind()
    roles = bind.execute(sa.text(
        "SELECT user_id, role, granted_at, granted_by_id FROM user_roles "
        "WHERE entity_id IS NULL ORDER BY id")).all()
    op.drop_table('user_roles')
    _user_roles_table(with_entity=False)
    if roles:
        op.bulk_insert(_untyped("user_id", "role", "granted_at", "granted_by_id"), [
            {"user_id": user_id, "role": role, "granted_at": granted_at,
             "granted_by_id": granted_by_id}
            for user_id, role, granted_at, granted_by_id in roles])

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consultations_entity_id_entities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consultations_entity_id'))
        batch_op.drop_column('entity_id')

    with op.batch_alter_table('entities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entities_level'))

    op.drop_table('entities')
