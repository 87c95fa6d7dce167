"""summary: per-row digests with salts, the public redaction log of each version

A published version's digest is now computed over each row's digest (SHA-256 of the
row's canonical JSON with each field that may hold personal data replaced by a salted
digest of its own), so that personal data redacted from a row later leaves the digest
verifiable (the row keeps its digest, loses its salt and gets a seal: see
consulta/summary/digest.py).
Existing versions get a salt and a digest for each row, and their digest under the new
method; the digest they were published with is kept in ``legacy_digest`` (shown next to
it, verifiable while none of their rows is redacted). Their gender figures of groups
under SMALL_GROUP_MIN people (default 5) are suppressed first, as every output shows
them from now on, so that the new digest covers what is public. Downgrading restores
the digest they were published with (not the suppressed figures).

Revision ID: 950b7bb3c423
Revises: c7a3f1e9d2b4
Create Date: 2026-12-03 13:40:00

"""
import hashlib
import json
import os
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '950b7bb3c423'
down_revision = 'c7a3f1e9d2b4'
branch_labels = None
depends_on = None

_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
#: As consulta/summary/digest.py computes it on the day of this migration.
SEALED_FIELDS = ("author", "organization", "title", "text", "justification",
                 "referred_to")


def _sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _row_digest(salt, row):
    leaves = {f: _sha(_sha(f"{salt}:{f}") + _CANONICAL.encode(row[f]))
              for f in SEALED_FIELDS if f in row}
    return _sha(_CANONICAL.encode({**row, **leaves}))

snapshots = sa.table('summary_snapshots', sa.column('id', sa.Integer),
                     sa.column('consultation_id', sa.Integer),
                     sa.column('version', sa.Integer),
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
    op.add_column('summary_rows', sa.Column('seal', sa.JSON(), nullable=True))
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

    from consulta.summary.suppression import suppress

    k = max(int(os.environ.get("SMALL_GROUP_MIN", "5")), 1)
    connection = op.get_bind()
    earlier = {}
    for snapshot_id, consultation_id, content, digest in connection.execute(
            sa.select(snapshots.c.id, snapshots.c.consultation_id, snapshots.c.content,
                      snapshots.c.digest).order_by(snapshots.c.consultation_id,
                                                   snapshots.c.version)).all():
        content = suppress(content, earlier.setdefault(consultation_id, []), k=k)
        earlier[consultation_id].append(content)
        version = hashlib.sha256(_CANONICAL.encode(content).encode())
        for row_id, data in connection.execute(
                sa.select(rows.c.id, rows.c.data).where(rows.c.snapshot_id == snapshot_id)
                .order_by(rows.c.position)).all():
            salt = secrets.token_hex(16)
            sealed = _row_digest(salt, data)
            version.update(b"\n" + sealed.encode())
            connection.execute(rows.update().where(rows.c.id == row_id)
                               .values(digest=sealed, salt=salt))
        connection.execute(snapshots.update().where(snapshots.c.id == snapshot_id)
                           .values(legacy_digest=digest, digest=version.hexdigest(),
                                   content=content))


def downgrade():
    connection = op.get_bind()
    connection.execute(snapshots.update().where(snapshots.c.legacy_digest.is_not(None))
                       .values(digest=snapshots.c.legacy_digest))
    with op.batch_alter_table('summary_redactions', schema=None) as batch_op:
        batch_op.drop_index('ix_summary_redactions_snapshot')
    op.drop_table('summary_redactions')
    with op.batch_alter_table('summary_rows', schema=None) as batch_op:
        batch_op.drop_column('seal')
        batch_op.drop_column('salt')
        batch_op.drop_column('digest')
    with op.batch_alter_table('summary_snapshots', schema=None) as batch_op:
        batch_op.drop_column('legacy_digest')
