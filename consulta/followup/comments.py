"""Participants' comments on published progress reports, moderated like contributions:
a moderator hides one with a public reason (shown instead of its text), never deletes
it; everything is in the audit log.

Operations check, change, record and forget the cached pages; they never commit.
"""

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consulta.audit.operations import record
from consulta.consultations.models import Commitment, PlanVersion
from consulta.contributions.constants import HIDE_REASONS
from consulta.core.cache import forget_pages
from consulta.core.dates import utcnow
from consulta.core.mail import queue_mail
from consulta.core.operations import OperationError
from consulta.core.permissions import can
from consulta.extensions import db

from .forum import get_published_report, report_consultation, report_path
from .forum_forms import HideCommentForm, ReportCommentForm
from .models import ProgressReport, ReportComment

#: The longest comment kept.
MAX_COMMENT = 5000


def post_comment(report, *, author, body):
    """A logged-in participant's comment on a published report, public at once.

    :param report: a published ``ProgressReport`` (anything else is refused).
    :param author: the account commenting; its e-mail must be confirmed.
    :param body: the text (Markdown, rendered sanitized), required.
    """
    if not report.is_published:
        raise OperationError(_("Comments are open on published reports only."))
    if not author.is_confirmed:
        raise OperationError(_("Confirm your e-mail address before taking part."))
    body = (body or "").strip()
    if not body:
        raise OperationError(_("Write your comment."))
    if len(body) > MAX_COMMENT:
        raise OperationError(_("A comment has at most %(max)d characters.", max=MAX_COMMENT))
    consultation = report_consultation(report)
    comment = ReportComment(report_id=report.id, author_id=author.id, body=body)
    db.session.add(comment)
    db.session.flush()
    record("report_comment.posted", comment, actor=author, consultation_id=consultation.id,
           after={"report": report.id, "body": body})
    forget_pages(consultation.slug)
    return comment


def hide_comment(comment, *, actor, reason, note=""):
    """Hide a comment from the public with a public reason; it is never deleted.

    :param comment: the ``ReportComment`` (refused when hidden already).
    :param actor: the moderator, recorded as who hid it and in the audit log.
    :param reason: a code of ``HIDE_REASONS``, shown in its place.
    :param note: an optional note shown with the reason (cut at 1000 characters).
    """
    if reason not in HIDE_REASONS:
        raise OperationError(_("Choose a reason from the list."))
    if comment.is_hidden:
        raise OperationError(_("This comment is already hidden."))
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason
    comment.hidden_note = (note or "").strip()[:1000] or None
    comment.hidden_by_id = actor.id
    db.session.flush()
    consultation = report_consultation(comment.report)
    record("report_comment.hidden", comment, actor=actor, consultation_id=consultation.id,
           before={"hidden": False},
           after={"hidden": True, "reason": reason, "note": comment.hidden_note})
    forget_pages(consultation.slug)
    _tell_author_hidden(comment, consultation)


def _tell_author_hidden(comment, consultation):
    """E-mail the author that their comment was hidden and why, as contributions'
    authors are told (an account deleted since: nobody)."""
    author = comment.author
    if author is None or not author.is_active or not author.email:
        return
    queue_mail(author.email,
               _l("Your comment on a progress report was hidden"), "report_comment_hidden",
               user=author, comment=comment, consultation=consultation,
               reason=HIDE_REASONS[comment.hidden_reason],
               url=url_for("report_comments.comment", report_id=comment.report_id,
                           _external=True))


def unhide_comment(comment, *, actor):
    """Show a hidden comment again.

    :param comment: the hidden ``ReportComment`` (refused when it is not hidden).
    :param actor: the moderator, recorded in the audit log.
    """
    if not comment.is_hidden:
        raise OperationError(_("This comment is not hidden."))
    before = {"hidden": True, "reason": comment.hidden_reason, "note": comment.hidden_note}
    comment.hidden_at = comment.hidden_reason = None
    comment.hidden_note = comment.hidden_by_id = None
    db.session.flush()
    consultation = report_consultation(comment.report)
    record("report_comment.unhidden", comment, actor=actor, consultation_id=consultation.id,
           before=before, after={"hidden": False})
    forget_pages(consultation.slug)


def comments_of(report):
    """The comments on a report, oldest first, with their authors loaded (hidden ones
    included: the page shows their reason instead)."""
    return db.session.scalars(
        select(ReportComment).where(ReportComment.report_id == report.id)
        .options(joinedload(ReportComment.author))
        .order_by(ReportComment.created_at, ReportComment.id)).all()


#: How many comments the moderators' list shows at once (the latest).
MODERATION_LIST = 100


def comments_of_consultation(consultation, limit=MODERATION_LIST):
    """The latest comments on the consultation's published reports, newest first, with
    their authors and their reports' commitments loaded (for the moderators)."""
    return db.session.scalars(
        select(ReportComment)
        .join(ProgressReport, ProgressReport.id == ReportComment.report_id)
        .join(Commitment, Commitment.id == ProgressReport.commitment_id)
        .join(PlanVersion, PlanVersion.id == Commitment.plan_version_id)
        .where(PlanVersion.consultation_id == consultation.id,
               ProgressReport.state == "published")
        .options(joinedload(ReportComment.author),
                 joinedload(ReportComment.report).joinedload(ProgressReport.commitment))
        .order_by(ReportComment.created_at.desc(), ReportComment.id.desc())
        .limit(limit)).all()


def get_comment(comment_id):
    """A comment on a published report the current user may see, with its report and
    consultation; else 404."""
    comment = db.session.get(ReportComment, comment_id)
    if comment is None:
        abort(404)
    report, consultation = get_published_report(comment.report_id)
    return comment, report, consultation


def is_moderator(user, consultation):
    """``user`` moderates the comments on ``consultation``'s reports: a moderator of its
    entity, or platform-wide (as for its contributions)."""
    return can(user, "moderator", consultation)


def comments_on_the_report(report, **_extra):
    """Receiver of ``report_page``: the comments under the report, the form to add one
    (logged-in participants) and the hide buttons (moderators)."""
    if not report.is_published:
        return None
    consultation = report_consultation(report)
    logged_in = current_user.is_authenticated
    return Markup(render_template(  # noqa: S704  # nosec B704 (autoescaped template)
        "followup/comments/_comments.html", report=report, consultation=consultation,
        comments=comments_of(report), form=ReportCommentForm() if logged_in else None,
        hide_form=(HideCommentForm().fill_choices()
                   if is_moderator(current_user, consultation) else None),
        report_page=report_path(report, consultation)))
