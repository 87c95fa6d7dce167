"""Comments on published progress reports: posting (logged-in participants, rate
limited as contributions are), and hiding with a public reason (the moderators of the
consultation's entity, or platform-wide, as for contributions)."""

from flask import Blueprint, current_app, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user

from consulta.consultations.access import get_visible_consultation, protected_consultation
from consulta.core.operations import OperationError
from consulta.core.permissions import login_required, role_required
from consulta.core.transaction import attempt
from consulta.core.urls import safe_next
from consulta.extensions import limiter

from . import comments
from .forum import get_published_report, report_path
from .forum_forms import HideCommentForm, ReportCommentForm

bp = Blueprint("report_comments", __name__)


def _limit(name):
    return lambda: current_app.config[name]


def _account_key():
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else "anonymous"


def _comment_consultation(comment_id):
    """For ``role_required``: the consultation of the comment (its entity's moderators
    act on it), or 404."""
    _comment, _report, consultation = comments.get_comment(comment_id)
    return consultation


#: Who moderates a consultation's comments: its entity's moderators (or platform-wide
#: ones), checked as the moderation of contributions checks them.
moderator_of_consultation = role_required("moderator", on=protected_consultation)
moderator_of_comment = role_required("moderator", on=_comment_consultation)


def _sent(response):
    """Only comments actually published count (a refused one shows the form again)."""
    return response.status_code == 302


def rate_limited(view):
    """The limits of contributions (RATELIMIT_SUBMIT_IP, RATELIMIT_SUBMIT_ACCOUNT)."""
    for decorator in (
            limiter.limit(_limit("RATELIMIT_SUBMIT_IP"), methods=["POST"], deduct_when=_sent),
            limiter.limit(_limit("RATELIMIT_SUBMIT_ACCOUNT"), key_func=_account_key,
                          methods=["POST"], deduct_when=_sent)):
        view = decorator(view)
    return view


@bp.route("/reports/<int:report_id>/comments", methods=["GET", "POST"])
@login_required
@rate_limited
def comment(report_id):
    """The comment form of a published report (also shown under the report page); a
    draft report's: 404."""
    report, consultation = get_published_report(report_id)
    form = ReportCommentForm()
    page = report_path(report, consultation)
    if form.validate_on_submit():
        with attempt(_("Your comment has been published."), field=form.body) as done:
            posted = comments.post_comment(report, author=current_user, body=form.body.data)
        if done:
            return redirect(safe_next(page) + f"#comentario-{posted.id}")
    return render_template("followup/comments/form.html", consultation=consultation,
                           report=report, form=form, report_page=page,
                           comments=comments.comments_of(report), next=safe_next(page))


@bp.route("/consultations/<slug>/report-comments")
@moderator_of_consultation
def moderate(slug):
    """The latest comments on the consultation's reports, to hide or show again."""
    consultation = get_visible_consultation(slug)
    return render_template("followup/comments/moderate.html", consultation=consultation,
                           comments=comments.comments_of_consultation(consultation),
                           hide_form=HideCommentForm().fill_choices(),
                           limit=comments.MODERATION_LIST, report_path=report_path)


@bp.route("/reports/comments/<int:comment_id>/hide", methods=["POST"])
@moderator_of_comment
def hide(comment_id):
    comment, report, consultation = comments.get_comment(comment_id)
    form = HideCommentForm().fill_choices()
    page = report_path(report, consultation)
    with attempt(_("The comment has been hidden; its reason is shown instead.")):
        if not form.validate_on_submit():
            raise OperationError(_("Choose a reason."))
        comments.hide_comment(comment, actor=current_user, reason=form.reason.data,
                              note=form.note.data)
    return redirect(safe_next(page) + f"#comentario-{comment.id}")


@bp.route("/reports/comments/<int:comment_id>/unhide", methods=["POST"])
@moderator_of_comment
def unhide(comment_id):
    comment, report, consultation = comments.get_comment(comment_id)
    page = report_path(report, consultation)
    with attempt(_("The comment is visible again.")):
        if not HideCommentForm().validate_on_submit():
            raise OperationError(_("The form has expired. Please send it again."))
        comments.unhide_comment(comment, actor=current_user)
    return redirect(safe_next(page) + f"#comentario-{comment.id}")
