"""commitments: identity across versions (lineage); the approved final plan

Every commitment gets a ``lineage``: the same one for the same commitment in every
version of a consultation's plan. Existing rows are backfilled by number: in the
versions of a consultation, oldest first, a commitment takes the lineage of the one
with its number in the previous version, else a new one. (Versions were so far copied
whole and renumbering was rare: the same number in consecutive versions is the same
commitment. A commitment renumbered before this migration starts a new lineage.)

The final plan: ``final_plans`` (one per consultation: the approved version, the
consulted draft, the approval act, the forum's endorsement, a note) and
``final_plan_changes`` (the secretariat's reason for each difference with the consulted
draft, and the merges).

Revision ID: dd5ed602c269
Revises: 005920d210fe
Create Date: 2026-12-03 13:40:00

"""
import uuid

from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'dd5ed602c269'
down_revision = '005920d210fe'
branch_labels = None
depends_on = None


def _backfill_lineages(conn):
    rows = conn.execute(sa.text(
        "SELECT c.id, c.number, v.consultation_id, v.number FROM commitments c "
        "JOIN plan_versions v ON v.id = c.plan_version_id "
        "ORDER BY v.consultation_id, v.number, c.number")).all()
    previous = {}  # consultation id -> (version number, {commitment number: lineage})
    current = {}
    updates = []
    for commitment_id, number, consultation_id, version in rows:
        seen_version, by_number = current.get(consultation_id, (None, {}))
        if seen_version != version:
            if seen_version is not None:
                previous[consultation_id] = by_number
            by_number = {}
            current[consultation_id] = (version, by_number)
        lineage = previous.get(consultation_id, {}).get(number) or uuid.uuid4().hex[:12]
        by_number[number] = lineage
        updates.append({"id": commitment_id, "lineage": lineage})
    if updates:
        conn.execute(sa.text("UPDATE commitments SET lineage = :lineage WHERE id = :id"),
                     updates)


def upgrade():
    op.add_column('commitments', sa.Column('lineage', sa.String(length=12), nullable=True))
    _backfill_lineages(op.get_bind())
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.alter_column('lineage', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_index(batch_op.f('ix_commitments_lineage'), ['lineage'], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f('uq_commitments_plan_version_id_lineage'), ['plan_version_id', 'lineage'])

    op.create_table(
        'final_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('plan_version_id', sa.Integer(), nullable=False),
        sa.Column('consulted_version_id', sa.Integer(), nullable=False),
        sa.Column('approval_reference', sa.String(length=300), nullable=False),
        sa.Column('approved_on', sa.Date(), nullable=False),
        sa.Column('forum_endorsed_on', sa.Date(), nullable=True),
        sa.Column('forum_endorsement', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_final_plans_consultation_id_consultations')),
        sa.ForeignKeyConstraint(['consulted_version_id'], ['plan_versions.id'],
                                name=op.f('fk_final_plans_consulted_version_id_plan_versions')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_final_plans_created_by_id_users')),
        sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'],
                                name=op.f('fk_final_plans_plan_version_id_plan_versions')),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'],
                                name=op.f('fk_final_plans_published_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_final_plans')),
        sa.UniqueConstraint('consultation_id', name=op.f('uq_final_plans_consultation_id')),
    )
    op.create_table(
        'final_plan_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('final_plan_id', sa.Integer(), nullable=False),
        sa.Column('lineage', sa.String(length=12), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('merged_into', sa.String(length=12), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.CheckConstraint("(kind = 'merged') = (merged_into IS NOT NULL)",
                           name=op.f('ck_final_plan_changes_merged_names_its_target')),
        sa.CheckConstraint("kind IN ('added', 'changed', 'merged', 'removed')",
                           name=op.f('ck_final_plan_changes_kind_valid')),
        sa.ForeignKeyConstraint(['final_plan_id'], ['final_plans.id'],
                                name=op.f('fk_final_plan_changes_final_plan_id_final_plans')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_final_plan_changes')),
        sa.UniqueConstraint('final_plan_id', 'lineage',
                            name=op.f('uq_final_plan_changes_final_plan_id_lineage')),
    )
    with op.batch_alter_table('final_plan_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_final_plan_changes_final_plan_id'),
                              ['final_plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('final_plan_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_final_plan_changes_final_plan_id'))
    op.drop_table('final_plan_changes')
    op.drop_table('final_plans')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_commitments_plan_version_id_lineage'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_commitments_lineage'))
        batch_op.drop_column('lineage')
