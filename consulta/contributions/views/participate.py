"""Participants send, correct, withdraw and support contributions."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from consulta.consultations.access import get_visible_consultation
from consulta.core.forms import ConfirmForm
from consulta.core.logs import clean, security_log
from consulta.core.operations import OperationError
from consulta.core.permissions import login_required
from consulta.core.personal_data import find_personal_data
from consulta.core.personal_data import label as personal_data_label
from consulta.core.transaction import attempt
from consulta.extensions import limiter

from .. import operations
from ..access import get_contribution
from ..forms import CommentForm, ProposalForm
from ..models import Contribution
from ..queries import comment_target, own_contributions_page
from . import bp


def _limit(name):
    return lambda: current_app.config[name]


def _account_key():
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else "anonymous"


def _sent(response):
    """Only contributions actually sent count (not previews, added rows or corrections):
    a workshop on shared wifi previews a lot."""
    return response.status_code == 302 and "sent=1" in response.headers.get("Location", "")


submission_limits = [
    limiter.limit(_limit("RATELIMIT_SUBMIT_IP"), methods=["POST"], deduct_when=_sent),
    limiter.limit(_limit("RATELIMIT_SUBMIT_ACCOUNT"), key_func=_account_key, methods=["POST"],
                  deduct_when=_sent),
]


def rate_limited(view):
    for decorator in submission_limits:
        view = decorator(view)
    return view


def _gate(consultation):
    """The page to show instead of the form, if the user cannot take part right now."""
    status = consultation.status()
    if status != "open":
        return render_template("contributions/not_open.html", consultation=consultation,
                               status=status)
    if not current_user.is_confirmed:
        return render_template("contributions/confirm_first.html", consultation=consultation)
    return None


@bp.route("/consultations/<slug>/contribute")
def contribute(slug):
    """Where to start: tells before any typing whether the consultation is open."""
    consultation = get_visible_consultation(slug)
    return render_template("contributions/contribute.html", consultation=consultation,
                           status=consultation.status(), plan=consultation.published_plan)


def _proposal_form(consultation, contribution=None):
    form = ProposalForm(obj=contribution)
    form.component.choices = [(0, _("Choose…"))] + [(c.id, c.name)
                                                     for c in consultation.components]
    form.prepare(current_user)
    if contribution is not None and request.method == "GET":
        form.component.data = contribution.component_id
        form.organization.data = contribution.organization_id or 0
        form.fill_actions(contribution.actions)
    return form


def _personal_data(preview):
    """What looks like personal data in a preview, as ``(kind, text)`` to warn about."""
    return [(personal_data_label(f.code), f.text)
            for f in find_personal_data(preview.texts())]


def _dropped_by_honeypot(form):
    if form.fax_only.data:
        security_log.info("contribution honeypot filled from %s; dropped",
                          clean(request.remote_addr))
        return True
    return False


@bp.route("/consultations/<slug>/proposals/new", methods=["GET", "POST"])
@login_required
@rate_limited
def new_proposal(slug):
    consultation = get_visible_consultation(slug)
    gate = _gate(consultation)
    if gate is not None:
        return gate
    form = _proposal_form(consultation)
    context = {"consultation": consultation, "form": form, "contribution": None}
    if request.method == "POST" and form.add_action_row(request.form):
        return render_template("contributions/proposal_form.html", **context)
    if form.validate_on_submit():
        if _dropped_by_honeypot(form):
            return redirect(url_for("consultations.detail", slug=slug))
        if not request.form.get("send"):
            preview = Contribution(**form.sheet_values())
            return render_template("contributions/proposal_form.html", preview=preview,
                                   personal_data=_personal_data(preview), **context)
        with attempt() as done:  # the confirmation is shown only once this is durable
            contribution, _created = operations.submit_contribution(
                consultation, author=current_user, kind="proposal",
                values=form.sheet_values(), organization_id=form.organization.data,
                submission_token=form.submission_token.data)
        if done:
            return redirect(url_for(".detail", code=contribution.tracking_code, sent=1))
    return render_template("contributions/proposal_form.html", **context)


def _comment_target(consultation):
    """(target, target_id, object) from the query string or the form."""
    target = request.values.get("target", "plan")
    target_id = request.values.get("target_id", type=int)
    try:
        operations.resolve_target(consultation, target, target_id)
    except OperationError:
        abort(404)
    return target, target_id, comment_target(target, target_id)


@bp.route("/consultations/<slug>/comments/new", methods=["GET", "POST"])
@login_required
@rate_limited
def new_comment(slug):
    consultation = get_visible_consultation(slug)
    gate = _gate(consultation)
    if gate is not None:
        return gate
    target, target_id, target_object = _comment_target(consultation)
    form = CommentForm()
    form.prepare(current_user)
    context = {"consultation": consultation, "form": form, "target": target,
               "target_id": target_id, "target_object": target_object, "contribution": None}
    if form.validate_on_submit():
        if _dropped_by_honeypot(form):
            return redirect(url_for("consultations.detail", slug=slug))
        if not request.form.get("send"):
            preview = Contribution(body=form.body.data)
            return render_template("contributions/comment_form.html", preview=preview,
                                   personal_data=_personal_data(preview), **context)
        with attempt() as done:
            contribution, _created = operations.submit_contribution(
                consultation, author=current_user, kind="comment",
                values={"body": form.body.data}, organization_id=form.organization.data,
                target=target, target_id=target_id,
                submission_token=form.submission_token.data)
        if done:
            return redirect(url_for(".detail", code=contribution.tracking_code, sent=1))
    return render_template("contributions/comment_form.html", **context)


@bp.route("/contributions/<code>/edit", methods=["GET", "POST"])
@login_required
@rate_limited
def edit(code):
    contribution = get_contribution(code)
    if contribution.author_id != current_user.id:
        abort(403)
    consultation = contribution.consultation
    try:
        operations.ensure_can_edit(contribution, current_user)
    except OperationError as error:
        flash(error.message, "error")
        return redirect(url_for(".detail", code=code))
    if contribution.kind == "proposal":
        form = _proposal_form(consultation, contribution)
        template = "contributions/proposal_form.html"
        if request.method == "POST" and form.add_action_row(request.form):
            return render_template(template, consultation=consultation, form=form,
                                   contribution=contribution)
    else:
        form = CommentForm(obj=contribution)
        form.prepare(current_user)
        if request.method == "GET":
            form.organization.data = contribution.organization_id or 0
        template = "contributions/comment_form.html"
    if form.validate_on_submit():
        values = (form.sheet_values() if contribution.kind == "proposal"
                  else {"body": form.body.data})
        with attempt(_("Your contribution has been corrected.")):
            operations.correct_contribution(contribution, user=current_user, values=values,
                                           organization_id=form.organization.data)
        return redirect(url_for(".detail", code=code))
    return render_template(template, consultation=consultation, form=form,
                           contribution=contribution, target=contribution.target,
                           target_object=contribution.commitment or contribution.section
                           or contribution.parent, target_id=None)


@bp.route("/contributions/<code>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(code):
    """Ask first (GET), then withdraw (POST): it cannot be undone."""
    contribution = get_contribution(code)
    if contribution.author_id != current_user.id:
        abort(403)
    if request.method == "GET":
        if not contribution.can_be_withdrawn_by(current_user):
            return redirect(url_for(".detail", code=code))
        return render_template("contributions/withdraw.html", contribution=contribution,
                               form=ConfirmForm())
    if ConfirmForm().validate_on_submit():
        with attempt() as done:
            operations.withdraw_contribution(contribution, user=current_user)
        if done:
            flash(_("Your contribution has been withdrawn. It stays in the record, marked as "
                    "withdrawn."), "info")
    return redirect(url_for(".detail", code=code))


@bp.route("/contributions/<code>/support", methods=["POST"])
@login_required
def support(code):
    contribution = get_contribution(code)
    if ConfirmForm().validate_on_submit():
        if request.form.get("action") == "withdraw":
            with attempt(_("Your support has been withdrawn.")):
                operations.withdraw_support(contribution, user=current_user)
        else:
            with attempt(_("Thank you for your support.")):
                operations.support_proposal(contribution, user=current_user)
    return redirect(url_for(".detail", code=code) + "#supports")


@bp.route("/my/contributions")
@login_required
def mine():
    page = own_contributions_page(current_user, request.args.get("page", 1, type=int) or 1)
    return render_template("contributions/mine.html", page=page)
