"""The operations on consultations, their timeline and draft plan, called directly."""

import pytest

from consulta.consultations import operations
from consulta.core.operations import OperationError
from consulta.extensions import db

from ..conftest import iv_plan_json
from .conftest import consultation_of, user_of

# --- draft plan ---------------------------------------------------------------------------

PUBLISHED = "Una versión publicada no puede cambiar; edita el nuevo borrador."


def test_no_operation_changes_a_published_version(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        actor = user_of(secretariat)
        draft = operations.ensure_draft_version(consultation_of(slug), actor=actor)
        operations.save_section(draft, actor=actor, title="Presentación", body="Texto.")
        version = operations.publish_plan_version(consultation_of(slug), actor=actor)
        commitment, section = version.commitments[0], version.sections[0]
        attempts = {
            "save a commitment": lambda: operations.save_commitment(
                version, actor=actor, commitment=commitment,
                component_id=commitment.component_id, number=1, title="Otro título"),
            "add a commitment": lambda: operations.save_commitment(
                version, actor=actor, component_id=commitment.component_id, number=99,
                title="Nuevo"),
            "delete a commitment": lambda: operations.delete_commitment(commitment,
                                                                        actor=actor),
            "add a section": lambda: operations.save_section(version, actor=actor,
                                                             title="Nueva"),
            "edit a section": lambda: operations.save_section(
                version, actor=actor, section=section, title="Otra"),
            "delete a section": lambda: operations.delete_section(section, actor=actor),
        }
        for what, attempt in attempts.items():
            with pytest.raises(OperationError) as refused:
                attempt()
            assert refused.value.message == PUBLISHED, what
        db.session.rollback()
        assert consultation_of(slug).published_plan.commitments[0].title != "Otro título"
