"""final plans: where each published response version landed, stored

``final_plan_landings`` holds, for a published final plan, the final commitments each
published response version reached through lineage and the recorded merges: a pure
function of frozen rows, computed once instead of on every read of the traceability.
With it, frozen too, the version's response, that response's group and its outcome.

The final plans published before this migration get theirs here, for the versions that
are current now (the only ones the traceability reads; a later publication records its
own). The rule is copied from ``finalplan.queries.Resolver`` as it stands today, since a
migration must not import the application: follow a commitment's lineage into the final
plan, else through the merges recorded, else it was removed.

Revision ID: 7e9ee916a15b
Revises: 88e2d4dec12b
Create Date: 2026-12-05 00:30:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e9ee916a15b'
down_revision = '88e2d4dec12b'
branch_labels = None
depends_on = None

def _landings(conn, final_plan_id, consultation_id, plan_version_id):
    lineage_of = dict(conn.execute(sa.text(
        "SELECT c.id, c.lineage FROM commitments c JOIN plan_versions v "
        "ON v.id = c.plan_version_id WHERE v.consultation_id = :consultation"),
        {"consultation": consultation_id}).all())
    final = {lineage: commitment_id for commitment_id, lineage in conn.execute(sa.text(
        "SELECT id, lineage FROM commitments WHERE plan_version_id = :version"),
        {"version": plan_version_id}).all()}
    merges = dict(conn.execute(sa.text(
        "SELECT lineage, merged_into FROM final_plan_changes "
        "WHERE final_plan_id = :plan AND merged_into IS NOT NULL"),
        {"plan": final_plan_id}).all())

    def target(commitment_id):
        lineage, seen = lineage_of.get(commitment_id), set()
        while lineage is not None and lineage not in final and lineage not in seen:
            seen.add(lineage)
            lineage = merges.get(lineage)
        return final.get(lineage)

    # The outcomes that name commitments: feedback.constants.NEEDS_COMMITMENTS.
    versions = conn.execute(sa.text(
        "SELECT rv.id, r.id, r.group_id, rv.outcome, rv.incorporated_in FROM responses r "
        "JOIN response_versions rv ON rv.id = r.current_version_id "
        "WHERE r.consultation_id = :consultation "
        "AND rv.outcome IN ('incorporated', 'partially_incorporated')"),
        {"consultation": consultation_id}).all()
    rows = []
    for version_id, response_id, group_id, outcome, named in versions:
        if isinstance(named, str):  # SQLite hands the JSON back as text
            named = json.loads(named)
        found = {target(item.get('id')) for item in named or [] if isinstance(item, dict)}
        found.discard(None)
        rows.extend({"plan": final_plan_id, "version": version_id, "commitment": commitment,
                     "response": response_id, "group": group_id, "outcome": outcome}
                    for commitment in sorted(found))
    return rows


def upgrade():
    op.create_table(
        'final_plan_landings',
        sa.Column('final_plan_id', sa.Integer(), nullable=False),
        sa.Column('response_version_id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.CheckConstraint("outcome IN ('incorporated', 'partially_incorporated')",
                           name=op.f('ck_final_plan_landings_outcome_valid')),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'],
                                name=op.f('fk_final_plan_landings_commitment_id_commitments')),
        sa.ForeignKeyConstraint(
            ['group_id'], ['contribution_groups.id'],
            name=op.f('fk_final_plan_landings_group_id_contribution_groups')),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_final_plan_landings_response_id_responses')),
        sa.ForeignKeyConstraint(['final_plan_id'], ['final_plans.id'],
                                name=op.f('fk_final_plan_landings_final_plan_id_final_plans')),
        sa.ForeignKeyConstraint(
            ['response_version_id'], ['response_versions.id'],
            name=op.f('fk_final_plan_landings_response_version_id_response_versions')),
        sa.PrimaryKeyConstraint('final_plan_id', 'response_version_id', 'commitment_id',
                                name=op.f('pk_final_plan_landings')),
    )
    op.create_index('ix_final_plan_landings_commitment', 'final_plan_landings',
                    ['final_plan_id', 'commitment_id', 'group_id', 'response_id',
                     'response_version_id', 'outcome'])
    conn = op.get_bind()
    plans = conn.execute(sa.text(
        "SELECT id, consultation_id, plan_version_id FROM final_plans "
        "WHERE published_at IS NOT NULL ORDER BY id")).all()
    for final_plan_id, consultation_id, plan_version_id in plans:
        rows = _landings(conn, final_plan_id, consultation_id, plan_version_id)
        if rows:
            conn.execute(sa.text(
                "INSERT INTO final_plan_landings (final_plan_id, response_version_id, "
                "commitment_id, response_id, group_id, outcome) "
                "VALUES (:plan, :version, :commitment, :response, :group, :outcome)"), rows)


def downgrade():
    op.drop_index('ix_final_plan_landings_commitment', table_name='final_plan_landings')
    op.drop_table('final_plan_landings')
