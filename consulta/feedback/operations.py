"""Responses: write, review, approve, publish; answer templates.

None commits. A bulk operation may refuse halfway, after changing the first items:
the caller then rolls back, and its single commit (or rollback) makes it all or nothing.
"""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, literal_column, select, update

from consulta.audit.operations import record
from consulta.consultations.models import Commitment, PlanVersion
from consulta.contributions.models import Contribution, ContributionGroup
from consulta.contributions.queries import commitment_key, component_key, is_visible, not_withdrawn
from consulta.core.dates import utcnow
from consulta.core.operations import Conflict, OperationError
from consulta.extensions import db

from .constants import NEEDS_COMMITMENTS, OUTCOMES
from .models import AnswerTemplate, CoverageTally, Response, ResponseVersion
from .queries import answered_now, written_response
from .signals import response_published

SENTENCE_RE = re.compile(r"[.!?¿¡;:]+")
MIN_JUSTIFICATION_CHARS = 40


def _sentences(text):
    return [s for s in SENTENCE_RE.split(text or "") if len(s.split()) >= 2]


def check_response_values(consultation, *, outcome, justification, commitment_ids,
                          referred_to):
    """Check every rule a response must meet to be published; refuse with
    ``OperationError`` saying the first one it breaks.

    :param consultation: the consultation the response belongs to.
    :param outcome: a code of ``OUTCOMES``.
    :param justification: the reasons, in plain language: two sentences at least.
    :param commitment_ids: commitments of the consultation's plan where it was
        incorporated (required for the outcomes of ``NEEDS_COMMITMENTS``).
    :param referred_to: the entity it was referred to (required for "referred").
    :return: the commitments of ``commitment_ids``.
    """
    if outcome not in OUTCOMES:
        raise OperationError(_l("Choose the outcome."))
    justification = (justification or "").strip()
    if len(justification) < MIN_JUSTIFICATION_CHARS or len(_sentences(justification)) < 2:
        raise OperationError(_l("Explain the decision in plain language, in at least two "
                                "sentences."))
    commitments = []
    if commitment_ids:
        commitments = db.session.scalars(
            select(Commitment).join(PlanVersion).where(
                Commitment.id.in_(commitment_ids),
                PlanVersion.consultation_id == consultation.id)).all()
        if len(commitments) != len(set(commitment_ids)):
            raise OperationError(_l("Choose commitments of this consultation's plan."))
    if outcome in NEEDS_COMMITMENTS and not commitments:
        raise OperationError(_l("Say in which commitment(s) of the plan it was incorporated."))
    if outcome == "referred" and not (referred_to or "").strip():
        raise OperationError(_l("Name the entity it was referred to."))
    return commitments


def _snapshot(response):
    return {"outcome": response.outcome, "justification": response.justification,
            "commitments": [c.number for c in response.commitments],
            "referred_to": response.referred_to, "status": response.status}


def save_response(target, *, actor, outcome, justification, commitment_ids=(),
                  referred_to=None, expected_version=None):
    """Write or edit the response to a contribution or a group; it becomes a draft.

    Editing a published response leaves the published version visible until the
    change is published in its turn. Refuses with ``Conflict`` when someone saved it
    since ``expected_version``, with ``OperationError`` when a value breaks a rule
    (``check_response_values``).

    :param target: the ``Contribution`` or ``ContributionGroup`` it answers.
    :param actor: the member of the secretariat, recorded as its last editor.
    :param outcome: a code of ``OUTCOMES``.
    :param justification: the reasons, in plain language.
    :param commitment_ids: where it was incorporated (kept only for the outcomes that
        need them).
    :param referred_to: the entity it was referred to (kept only for "referred").
    :param expected_version: the version the form was opened on (0: when there was no
        response yet); None skips the check.
    :return: the response.
    """
    is_group = isinstance(target, ContributionGroup)
    consultation = target.consultation
    commitments = check_response_values(
        consultation, outcome=outcome, justification=justification,
        commitment_ids=commitment_ids, referred_to=referred_to)
    response = written_response(target)
    # expected_version 0 means "the form was opened when there was no response yet".
    if response is not None and expected_version is not None \
            and response.version != expected_version:
        raise Conflict(_l("Someone else saved this response while you were editing it. Its "
                          "current text is shown below."))
    before = _snapshot(response) if response is not None else None
    if response is None:
        response = Response(consultation_id=consultation.id, author_id=actor.id,
                            created_at=utcnow())
        if is_group:
            response.group = target
        else:
            response.contribution = target
        db.session.add(response)
    response.outcome = outcome
    response.justification = justification.strip()
    response.referred_to = (referred_to or "").strip() or None if outcome == "referred" \
        else None
    response.commitments = commitments if outcome in NEEDS_COMMITMENTS else []
    response.status = "draft"
    response.approved_by_id = response.approved_at = None
    response.last_edited_by_id = actor.id
    response.updated_at = utcnow()
    db.session.flush()
    record("response.saved", response, actor=actor, consultation_id=consultation.id,
           before=before, after=_snapshot(response))
    return response


def _consultation_of(response):
    target = response.contribution or response.group
    return target.consultation


def submit_response_for_review(response, *, actor):
    """Send a draft response for review by the secretariat.

    :param response: a response in draft.
    :param actor: the member of the secretariat, recorded in the audit log.
    """
    if response.status != "draft":
        raise OperationError(_l("Only drafts can be sent for review."))
    response.status = "in_review"
    record("response.submitted", response, actor=actor,
           consultation_id=response.consultation_id, before={"status": "draft"},
           after={"status": "in_review"})


def approve_response(response, *, actor):
    """Approve a response before its publication.

    When its consultation requires review (four eyes), neither its author nor its last
    editor may approve it.

    :param response: a response in draft or in review.
    :param actor: the member of the secretariat who approves, recorded on it.
    """
    if response.status not in ("draft", "in_review"):
        raise OperationError(_l("This response is not waiting for approval."))
    consultation = _consultation_of(response)
    if consultation.requires_review and actor.id in (response.last_edited_by_id,
                                                     response.author_id):
        raise OperationError(_l("Four eyes: the response must be approved by someone other "
                                "than who wrote it."))
    before = response.status
    response.status = "approved"
    response.approved_by_id, response.approved_at = actor.id, utcnow()
    record("response.approved", response, actor=actor,
           consultation_id=response.consultation_id, before={"status": before},
           after={"status": "approved"})


def publish_response(response, *, actor, notify=True):
    """Publish a response: freeze it as a new version, the one the public sees.

    Refused when it is published already, breaks a rule, or (with four eyes) was not
    approved by someone other than its last editor. Sends ``response_published``.

    :param response: the response to publish.
    :param actor: the member of the secretariat, recorded as who published it.
    :param notify: whether the authors it answers are told by e-mail.
    :return: the new ``ResponseVersion``.
    """
    consultation = _consultation_of(response)
    if response.status == "published":
        raise OperationError(_l("This response is already published."))
    if consultation.requires_review:
        if response.status != "approved" or response.approved_by_id is None:
            raise OperationError(_l("This consultation requires a second member of the "
                                    "secretariat to approve each response before it is "
                                    "published."))
        if response.approved_by_id == response.last_edited_by_id:
            raise OperationError(_l("Four eyes: the response must be approved by someone "
                                    "other than who wrote it."))
    check_response_values(consultation, outcome=response.outcome,
                          justification=response.justification,
                          commitment_ids=[c.id for c in response.commitments],
                          referred_to=response.referred_to)
    number = len(response.versions) + 1
    version = ResponseVersion(
        response=response, number=number, outcome=response.outcome,
        justification=response.justification, referred_to=response.referred_to,
        incorporated_in=[{"id": c.id, "number": c.number, "title": c.title}
                         for c in sorted(response.commitments, key=lambda c: c.number)],
        published_at=utcnow(), published_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    before = response.status
    response.current_version = version
    response.status = "published"
    refresh_answered(Contribution.id == response.contribution_id
                     if response.contribution_id is not None
                     else Contribution.group_id == response.group_id)
    record("response.published", response, actor=actor, consultation_id=consultation.id,
           before={"status": before}, after={"status": "published", "version": number})
    response_published.send(response, version=version, notify=notify)
    return version


def refresh_answered(condition):
    """Store again whether a published response answers each contribution matching
    ``condition`` (``Contribution.answered``), from the responses as they are now. Every
    operation that publishes a response or moves a contribution into or out of a group
    calls it (through signals for the parts below); the version counter is left alone
    (a derived value, not an edit).

    :param condition: a SQL condition on ``Contribution``: the rows to refresh.
    """
    db.session.execute(update(Contribution).where(condition)
                       .values(answered=answered_now())
                       .execution_options(synchronize_session="fetch"))


def refresh_answered_of(contribution, **_extra):
    """Receiver of the signals sent when a contribution joins or leaves a group (or is
    voided, which takes it out of its group): ``refresh_answered`` for it."""
    refresh_answered(Contribution.id == contribution.id)


def apply_to_responses(responses, *, action, actor):
    """Send for review, approve or publish several responses: all or nothing (on a
    refusal the caller rolls back the ones already done).

    :param responses: the responses to act on (at least one).
    :param action: "submit", "approve" or "publish".
    :param actor: the member of the secretariat, recorded in the audit log.
    """
    if not responses:
        raise OperationError(_l("Select at least one response."))
    operation = {"approve": approve_response, "publish": publish_response,
                 "submit": submit_response_for_review}.get(action)
    if operation is None:
        raise OperationError(_l("Unknown action."))
    for response in responses:
        operation(response, actor=actor)


# --- templates -------------------------------------------------------------------------

def save_answer_template(consultation, *, actor, template=None, title, outcome, justification):
    """Create or change a reusable justification for frequent answers.

    :param consultation: the consultation it belongs to.
    :param actor: the member of the secretariat, recorded in the audit log.
    :param template: the template to change, or None to create one.
    :param title: its name.
    :param outcome: the outcome it fills in, or empty for any.
    :param justification: the justification it fills in.
    :return: the template.
    """
    if outcome and outcome not in OUTCOMES:
        raise OperationError(_l("Choose the outcome."))
    if template is None:
        template = AnswerTemplate(consultation_id=consultation.id, created_at=utcnow())
        db.session.add(template)
    template.title, template.outcome = title, outcome or None
    template.justification = justification
    db.session.flush()
    record("answer_template.saved", template, actor=actor, consultation_id=consultation.id,
           after={"title": title})
    return template


def recount_coverage_tallies():
    """Write every consultation's coverage tallies (``CoverageTally``) again from the
    contributions: a repair, for a database whose tally triggers were off while
    contributions were written (the benchmark's bulk load on PostgreSQL). The triggers
    keep them otherwise; the application never needs this. Does not commit."""
    c = Contribution
    keys = (c.consultation_id, func.coalesce(component_key(), literal_column("0")),
            func.coalesce(commitment_key(), literal_column("0")))
    db.session.execute(delete(CoverageTally))
    db.session.execute(insert(CoverageTally).from_select(
        ["consultation_id", "component_key", "commitment_key", "listed", "visible",
         "answered"],
        select(*keys, func.count(), func.count().filter(is_visible()),
               func.count().filter(is_visible() & c.answered.is_(True)))
        .where(not_withdrawn()).group_by(*keys)))
