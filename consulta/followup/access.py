"""Who may report on a commitment and review its reports, and loading what belongs to
a consultation's follow-up (or answering 404).

The secretariat of the consultation (the ``secretariat`` role held platform-wide or
for the consultation's organizing entity) sets the follow-up up, reports on any
commitment and reviews reports. A reporter (``CommitmentReporter``) reports on the
commitments they were assigned, and on no other: views answer 403 then, before
anything changes.
"""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from consulta.consultations.access import get_visible_consultation
from consulta.consultations.models import Commitment
from consulta.core.permissions import can
from consulta.extensions import db
from consulta.finalplan.queries import final_plan_of

from .models import CommitmentReporter, Indicator, Milestone, ProgressReport


def can_review(user, consultation):
    """``user`` sets up the follow-up of ``consultation`` and publishes its reports."""
    return can(user, "secretariat", consultation)


def is_reporter(user, commitment):
    """``user`` was assigned as a reporter of ``commitment``."""
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(CommitmentReporter.id).where(
        CommitmentReporter.commitment_id == commitment.id,
        CommitmentReporter.user_id == user.id)) is not None


def can_report(user, commitment):
    """``user`` may write progress reports on ``commitment``: the secretariat, or a
    reporter of that commitment."""
    if can(user, "secretariat"):  # platform-wide: nothing to look up
        return True
    return is_reporter(user, commitment) \
        or can(user, "secretariat", commitment.plan_version.consultation)


def reported_commitment_ids(user):
    """The ids of the commitments ``user`` is a reporter of."""
    if user is None or not user.is_authenticated:
        return set()
    return set(db.session.scalars(select(CommitmentReporter.commitment_id).where(
        CommitmentReporter.user_id == user.id)))


# --- loaders: the row within the consultation's final plan, or 404 --------------------

def get_followed_consultation(slug):
    """(consultation, final plan) when the consultation has a final plan, else 404.

    The final plan may still be in preparation: the secretariat sets the follow-up up
    meanwhile (reports are only published once it is published)."""
    consultation = get_visible_consultation(slug)
    final_plan = final_plan_of(consultation)
    if final_plan is None:
        abort(404)
    return consultation, final_plan


def get_plan_commitment(final_plan, commitment_id, *options):
    """A commitment of the final plan's version, else 404.

    :param options: loader options (what the page shows with it, in the same statement).
    """
    commitment = db.session.get(Commitment, commitment_id, options=options)
    if commitment is None or commitment.plan_version_id != final_plan.plan_version_id:
        abort(404)
    return commitment


def get_in_plan(model, ident, final_plan):
    """A milestone, indicator or progress report of a commitment of the final plan,
    else 404."""
    assert model in (Milestone, Indicator, ProgressReport)
    row = db.session.get(model, ident)
    if row is None or row.commitment.plan_version_id != final_plan.plan_version_id:
        abort(404)
    return row


def require_report(commitment):
    """403 unless the current user may report on ``commitment``."""
    if not can_report(current_user, commitment):
        abort(403)


def require_review(consultation):
    """403 unless the current user reviews the consultation's follow-up."""
    if not can_review(current_user, consultation):
        abort(403)
