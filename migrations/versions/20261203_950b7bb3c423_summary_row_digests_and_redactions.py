"""summary: per-row digests with salts, the public redaction log of each version

A published version's digest is now computed over each row's digest (SHA-256 of a
random salt and the row's canonical JSON), so that personal data redacted from a row
later leaves the digest verifiable (the row keeps its digest and loses its salt).
Existing versions get a salt and a digest for each row, and their digest under the new
method; the digest they were published with is kept in ``legacy_digest`` (shown next to
it, verifiable while none of their rows is redacted). Downgrading restores it.

Revision ID: 950b7bb3c423
Revises: c7a3f1e9d2b4
Create Date: 2026-12-03 13:40:00

"""
import hashlib
import json
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '950b7bb3c423'
down_revision = 'c7a3f1e9d2b4'
branch_labels = None
depends_on = None

_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))

snapshots = sa.table('summary_snapshots', sa.column('id', sa.Integer),
                     sa.column('content', sa.JSON), sa.column('digest', sa.String),
                     sa.column('legacy_digest', sa.String))
rows = sa.table('summary_rows', sa.column('id', sa.Integer),
                sa.column('snapshot_id', sa.Integer), sa.column('position', sa.Integer),
                sa.column('data', sa.JSON), sa.column('digest', sa.String),
                sa.column('salt', sa.String))


def upgrade():
    op.add_column('summary_snapshots', sa.Column('legacy_digest', sa.String(length=64),
                                                 nullable=True))
    op.add_column('summary_rows', sa.Column('digest', sa.String(length=64), nullable=True))
    op.add_column('summary_rows', sa.Column('salt', sa.String(length=32), nullable=True))
    op.create_table('summary_redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['summary_snapshots.id'],
                            name=op.f('fk_summary_redactions_snapshot_id_summary_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_redactions'))
    )
    with op.batch_alter_table('summary_redactions', schema=None) as batch_op:
        batch_op.create_index('ix_summary_redactions_snapshot', ['snapshot_id', 'position'],
                              unique=False)

    connection = op.get_bind()
    for snapshot_id, content, digest in connection.execute(
            sa.select(snapshots.c.id, snapshots.c.content, snapshots.c.digest)).all():
        version = hashlib.sha256(_CANONICAL.encode(content).encode())
        for row_id, data in connection.execute(
                sa.select(rows.c.id, rows.c.data).where(rows.c.snapshot_id == snapshot_id)
                .order_by(rows.c.position)).all():
            salt = secrets.token_hex(16)
            sealed = hashlib.sha256((salt + _CANONICAL.encode(data)).encode()).hexdigest()
            version.update(b"\n" + sealed.encode())
            connection.execute(rows.update().where(rows.c.id == row_id)
                               .values(digest=sealed, salt=salt))
        connection.execute(snapshots.update().where(snapshots.c.id == snapshot_id)
                           .values(legacy_digest=digest, digest=version.hexdigest()))


def downgrade():
    connection = op.get_bind()
    connection.execute(snapshots.update().where(snapshots.c.legacy_digest.is_not(None))
                       .values(digest=snapshots.c.legacy_digest))
    with op.batch_alter_table('summary_redactions', schema=None) as batch_op:
        batch_op.drop_index('ix_summary_redactions_snapshot')
    op.drop_table('summary_redactions')
    with op.batch_alter_table('summary_rows', schema=None) as batch_op:
        batch_op.drop_column('salt')
        batch_op.drop_column('digest')
    with op.batch_alter_table('summary_snapshots', schema=None) as batch_op:
        batch_op.drop_column('legacy_digest')
