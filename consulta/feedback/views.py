"""The technical secretariat answers every contribution and publishes the answers."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from consulta.consultations.access import get_in_consultation, get_visible_consultation
from consulta.consultations.queries import commitment_choices
from consulta.contributions.access import get_contribution, protected_object
from consulta.contributions.models import Contribution, ContributionGroup
from consulta.contributions.queries import ignored_filters, read_filters
from consulta.core.bulk import BULK_LIMIT, check_filter_scope, form_ids, read_scope
from consulta.core.forms import ConfirmForm
from consulta.core.operations import OperationError
from consulta.core.pagination import paginate, paginate_rows
from consulta.core.permissions import role_required
from consulta.core.transaction import attempt
from consulta.extensions import db

from . import operations, queries
from .constants import STATUSES
from .forms import MatrixImportForm, ResponseForm, TemplateForm
from .matrix import commitment_filter_options, export_xlsx, import_responses
from .models import AnswerTemplate
from .models import Response as ResponseModel

bp = Blueprint("feedback", __name__)


def _protected(group_id=None, response_id=None, **arguments):
    """What a route protects: its response, group, contribution or consultation (its
    entity's secretariat acts on it)."""
    if response_id is not None:
        response = db.get_or_404(ResponseModel, response_id)
        return response.contribution or response.group
    if group_id is not None:
        return db.get_or_404(ContributionGroup, group_id)
    return protected_object(**arguments)


secretariat_required = role_required("secretariat", on=_protected)

@bp.route("/consultations/<slug>/feedback")
@secretariat_required
def dashboard(slug):
    consultation = get_visible_consultation(slug)
    status = _status_filter(request.args.get("status"))
    # Two lists, each paged on its own: turning a page of one keeps the other where it is.
    responses = paginate(queries.responses_query(consultation, status or None), per_page=50,
                         param="responses_page",
                         total=queries.response_count(consultation, status or None))
    coverage = queries.coverage(consultation)
    unanswered = paginate(queries.unanswered(consultation).options(
        *queries.unanswered_page_options()), per_page=20, param="unanswered_page",
        total=coverage["total"] - coverage["answered"])
    # A national consultation has a thousand groups: a page of them, counted in SQL.
    groups = paginate_rows(queries.groups_with_responses(consultation), per_page=50,
                           param="groups_page")
    return render_template(
        "feedback/dashboard.html", consultation=consultation,
        coverage=coverage, responses=responses, status=status,
        unanswered=unanswered, import_form=MatrixImportForm(), confirm=ConfirmForm(),
        groups=groups, pages=_dashboard_pages(responses, unanswered))


def _dashboard_pages(responses, unanswered):
    """The dashboard's page numbers as query arguments (page 1 is left out of links)."""
    return {"responses_page": responses.page if responses.page > 1 else None,
            "unanswered_page": unanswered.page if unanswered.page > 1 else None}


def _in_the_published_plan(choices, commitments):
    """The ids, in the latest published version of the plan, of ``commitments``.

    A response keeps the commitments of the plan version it was written on; once a new
    version is published, the form offers that version's rows. The same commitment is
    the one with the same number (versions copy their commitments, number included).
    """
    now = {c.number: c.id for c in choices}
    return [now[c.number] for c in commitments if c.number in now]


def _respond(target, consultation, template_name, context):
    form = ResponseForm(formdata=request.form if request.method == "POST" else None)
    choices = commitment_choices(consultation)  # (id, number, title) rows
    form.fill_choices(choices)
    response = queries.written_response(target)
    templates = queries.answer_templates(consultation)
    if request.method == "GET":
        if response is not None:
            form.outcome.data = response.outcome
            form.justification.data = response.justification
            form.commitments.data = _in_the_published_plan(choices, response.commitments)
            form.referred_to.data = response.referred_to
            form.version.data = response.version
        template = next((t for t in templates
                         if t.id == request.args.get("template", type=int)), None)
        if template is not None:  # fill from an answer template
            form.justification.data = template.justification
            if template.outcome:
                form.outcome.data = template.outcome
    if form.validate_on_submit():
        conflict = _("Someone else saved this response while you were editing it. Its "
                     "current text is shown below.")
        with attempt(_("The response has been saved as a draft."), field=form.justification,
                     stale=conflict) as done:
            operations.save_response(
                target, actor=current_user, outcome=form.outcome.data,
                justification=form.justification.data,
                commitment_ids=form.commitments.data or [],
                referred_to=form.referred_to.data,
                expected_version=form.version.data or 0)
        if done.conflict:  # the form is opened again, with the current text
            flash(conflict, "error")
            return redirect(request.path)
        if done:
            if request.form.get("then") in ("submit", "approve", "publish"):
                return _apply(queries.written_response(target), request.form["then"],
                              request.path)
            return redirect(request.path)
    return render_template(template_name, form=form, response=response,
                           templates=templates, consultation=consultation,
                           confirm=ConfirmForm(), **context)


@bp.route("/feedback/contributions/<code>", methods=["GET", "POST"])
@secretariat_required
def respond(code):
    contribution = get_contribution(code)
    return _respond(contribution, contribution.consultation, "feedback/respond.html",
                    {"contribution": contribution, "group": None})


@bp.route("/feedback/groups/<int:group_id>", methods=["GET", "POST"])
@secretariat_required
def respond_group(group_id):
    # Its members with their own responses, in two queries whatever the group's size.
    group = db.get_or_404(ContributionGroup, group_id, options=[
        selectinload(ContributionGroup.members).selectinload(Contribution.own_response)])
    return _respond(group, group.consultation, "feedback/respond.html",
                    {"contribution": None, "group": group})


#: What each action on responses says once it is done.
APPLIED = {"submit": _l("The response has been sent for review."),
           "approve": _l("The response has been approved."),
           "publish": _l("The response has been published and the authors told.")}


def _apply(response, action, back):
    with attempt(APPLIED[action]):
        operations.apply_to_responses([response], action=action, actor=current_user)
    return redirect(back)


@bp.route("/feedback/responses/<int:response_id>/<action>", methods=["POST"])
@secretariat_required
def act(response_id, action):
    response = db.get_or_404(ResponseModel, response_id)
    if action not in APPLIED:
        abort(404)
    back = url_for(".respond", code=response.contribution.tracking_code) \
        if response.contribution else url_for(".respond_group", group_id=response.group_id)
    return _apply(response, action, back)


#: What the confirmation of a bulk action asks, by action.
CONFIRM = {"submit": _l("Send these %(num)d responses for review?"),
           "approve": _l("Approve these %(num)d responses?"),
           "publish": _l("Publish these %(num)d responses and tell their authors?")}


@bp.route("/consultations/<slug>/feedback/bulk", methods=["POST"])
@secretariat_required
def bulk(slug):
    consultation = get_visible_consultation(slug)
    action = request.form.get("action")
    # Only values from their allow-lists go back into the address (never an echo).
    status = _status_filter(request.form.get("status")) or None
    pages = {name: request.form.get(name, type=int) for name in ("responses_page",
                                                                 "unanswered_page")}
    back = redirect(url_for(".dashboard", slug=slug, status=status,
                            **{name: n for name, n in pages.items()
                               if n and 1 < n <= MAX_PAGE}))
    scope = read_scope(request.form)
    if scope == "filter":
        if action not in APPLIED:
            flash(_("Unknown action."), "error")
            return back
        ids = queries.response_ids(consultation, status, BULK_LIMIT)
        step, digest = check_filter_scope(
            ids, request.form.get("confirmed"),
            nothing=_("No response matches the filter: nothing was changed."),
            too_many=_("More than %(limit)d responses match the filter: narrow it down, "
                       "nothing was changed.", limit=BULK_LIMIT),
            changed=_("The responses matching the filter changed since you confirmed "
                      "(someone edited, added or published some): nothing was changed. "
                      "Check the new count and confirm again."))
        if step == "refused":
            return back
        if step == "confirm":
            return render_template(
                "feedback/bulk_confirm.html", consultation=consultation, action=action,
                question=CONFIRM[action] % {"num": len(ids)}, count=len(ids), digest=digest,
                status=status, pages={k: v for k, v in pages.items() if v},
                confirm=ConfirmForm())
    else:
        ids = form_ids(request.form, "page_ids" if scope == "page" else "selected")
    responses = queries.selected_responses(consultation, ids)
    with attempt(_("%(count)d responses updated.", count=len(responses))):  # all or nothing
        if len(responses) != len(set(ids)):
            raise OperationError(_("Some selected responses do not belong to this "
                                   "consultation."))
        operations.apply_to_responses(responses, action=action, actor=current_user)
    return back


#: The highest page number carried back into an address.
MAX_PAGE = 100_000


def _status_filter(value):
    """The dashboard's status filter: a code of ``STATUSES``, else "" (every status)."""
    return value if value in STATUSES else ""


@bp.route("/consultations/<slug>/feedback/templates", methods=["GET", "POST"])
@bp.route("/consultations/<slug>/feedback/templates/<int:template_id>", methods=["GET", "POST"])
@secretariat_required
def templates(slug, template_id=None):
    consultation = get_visible_consultation(slug)
    template = None
    if template_id is not None:
        template = get_in_consultation(AnswerTemplate, template_id, consultation)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        with attempt(_("The template has been saved.")) as done:
            operations.save_answer_template(
                consultation, actor=current_user, template=template, title=form.title.data,
                outcome=form.outcome.data, justification=form.justification.data)
        if done:
            return redirect(url_for(".templates", slug=slug))
    return render_template("feedback/templates.html", consultation=consultation,
                           form=form, items=queries.answer_templates(consultation),
                           template=template)


@bp.route("/consultations/<slug>/feedback/matrix.xlsx")
@secretariat_required
def export(slug):
    consultation = get_visible_consultation(slug)
    return Response(export_xlsx(consultation), headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="matriz-{consultation.slug}.xlsx"',
        "Cache-Control": "no-store"})


@bp.route("/consultations/<slug>/feedback/import", methods=["POST"])
@secretariat_required
def import_matrix(slug):
    consultation = get_visible_consultation(slug)
    form = MatrixImportForm()
    problems = []
    if form.validate_on_submit():
        # A refusal is not flashed: the page below lists every problem of the file.
        with attempt(field=form.file) as done:
            count = import_responses(consultation, form.file.data.read(), actor=current_user)
        if done:
            flash(_("%(count)d responses imported as drafts. Review and publish them.",
                    count=count), "success")
            return redirect(url_for(".dashboard", slug=slug))
        problems = getattr(done.error, "problems", [(None, done.error.message)])
    else:
        problems = [(None, str(m)) for errors in form.errors.values() for m in errors]
    return render_template("feedback/import_problems.html", consultation=consultation,
                           problems=problems, form=form), 400


@bp.route("/consultations/<slug>/matrix")
@secretariat_required
def matrix(slug):
    consultation = get_visible_consultation(slug)
    filters = read_filters(request.args)
    query = queries.matrix_query(consultation, filters)
    if request.args.get("all") == "1":  # the printable version: every row
        items = db.session.scalars(query).all()
        page = None
    else:
        # Without a filter the total is kept in the tallies; a filter is counted.
        filtered = any(value for key, value in filters.items()
                       if key not in ("sort", "per_page", "withdrawn"))
        page = paginate(query, per_page=50,
                        total=None if filtered else queries.listed_count(consultation))
        items = page.items
    return render_template("feedback/matrix.html", consultation=consultation, items=items,
                           page=page, filters=filters, ignored=ignored_filters(request.args),
                           commitment_options=commitment_filter_options(
                               consultation, filters.get("commitment")),
                           query_args={k: v for k, v in filters.items()
                                       if v and k not in ("per_page", "withdrawn")
                                       and not (k == "sort" and v == "newest")})
