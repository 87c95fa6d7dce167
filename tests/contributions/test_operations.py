"""The operations on contributions, called directly (through the factories where they fit)."""

from consulta.contributions import operations
from consulta.contributions.models import Support
from consulta.extensions import db

from .conftest import audit_entries, consultation_of, contribution_of, count, user_of

# --- the audit log ----------------------------------------------------------------------

def test_a_submission_is_audited_once_even_when_the_form_is_sent_again(app, slug,
                                                                      create_user):
    author = create_user(display_name="Rosa Quispe")
    with app.test_request_context():
        consultation = consultation_of(slug)
        sent = [operations.submit_contribution(
            consultation, author=user_of(author), kind="comment", values={"body": "Hola."},
            target="plan", submission_token="el-mismo-formulario", notify=False)
            for _ in range(2)]
        db.session.commit()
        assert [created for _c, created in sent] == [True, False]
        [entry] = audit_entries("contribution.submitted")
        contribution = sent[0][0]
        assert (entry.actor_id, entry.consultation_id) == (author.id, consultation.id)
        assert (entry.object_type, entry.object_id) == ("contributions", contribution.id)
        assert entry.after == {"code": contribution.tracking_code, "channel": "web",
                               "kind": "comment"}


def test_a_submission_audit_entry_holds_no_personal_data(app, slug, create_user,
                                                         create_contribution):
    author = create_user(display_name="Rosa Quispe", email="rosa.quispe@example.pe")
    create_contribution(slug, author=author, kind="proposal")
    with app.app_context():
        [entry] = audit_entries("contribution.submitted")
        recorded = repr((entry.before, entry.after))
        assert "Rosa" not in recorded and "example.pe" not in recorded
        assert entry.after["kind"] == "proposal"


def test_supports_are_audited_once_each_way(app, slug, create_user, create_contribution):
    code = create_contribution(slug, kind="proposal")
    fan = create_user()
    with app.test_request_context():
        proposal, user = contribution_of(code), user_of(fan)
        assert operations.support_proposal(proposal, user=user) is True
        assert operations.support_proposal(proposal, user=user) is False  # a double click
        db.session.commit()
        [given] = audit_entries("support.given")
        assert (given.actor_id, given.consultation_id) == (fan.id, proposal.consultation_id)
        assert (given.object_type, given.object_id) == ("contributions", proposal.id)
        assert (given.before, given.after) == ({"supported": False}, {"supported": True})
        assert operations.withdraw_support(proposal, user=user) is True
        assert operations.withdraw_support(proposal, user=user) is False
        db.session.commit()
        [withdrawn] = audit_entries("support.withdrawn")
        assert withdrawn.actor_id == fan.id
        assert (withdrawn.before, withdrawn.after) == ({"supported": True},
                                                       {"supported": False})
        assert count(Support) == 0
        assert len(audit_entries("support.given")) == 1
