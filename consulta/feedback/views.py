"""The technical secretariat answers every contribution and publishes the answers."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from consulta.consultations.access import get_in_consultation, get_visible_consultation
from consulta.contributions.access import get_contribution
from consulta.contributions.models import Contribution, ContributionGroup
from consulta.contributions.queries import contributions_query, read_filters, with_list_relations
from consulta.core.forms import ConfirmForm
from consulta.core.operations import OperationError
from consulta.core.pagination import paginate
from consulta.core.permissions import role_required
from consulta.extensions import db

from . import operations, queries
from .forms import MatrixImportForm, ResponseForm, TemplateForm
from .matrix import ImportProblems, export_xlsx, import_responses
from .models import AnswerTemplate
from .models import Response as ResponseModel

bp = Blueprint("feedback", __name__)
secretariat_required = role_required("secretariat")


@bp.route("/consultations/<slug>/feedback")
@secretariat_required
def dashboard(slug):
    consultation = get_visible_consultation(slug)
    status = request.args.get("status", "")
    if status not in ("draft", "in_review", "approved", "published"):
        status = ""
    responses = paginate(queries.responses_query(consultation, status or None).options(
        selectinload(ResponseModel.contribution), selectinload(ResponseModel.group),
        selectinload(ResponseModel.last_edited_by),
        selectinload(ResponseModel.current_version)), per_page=50)
    unanswered = paginate(with_list_relations(queries.unanswered(consultation)),
                          per_page=20)
    return render_template(
        "feedback/dashboard.html", consultation=consultation,
        coverage=queries.coverage(consultation), responses=responses, status=status,
        unanswered=unanswered, import_form=MatrixImportForm(), confirm=ConfirmForm(),
        groups=db.session.scalars(select(ContributionGroup).where(
            ContributionGroup.consultation_id == consultation.id)
            .options(selectinload(ContributionGroup.response),
                     selectinload(ContributionGroup.members))
            .order_by(ContributionGroup.title)).all())


def _respond(target, consultation, template_name, context):
    form = ResponseForm(formdata=request.form if request.method == "POST" else None)
    form.fill_choices(consultation.published_commitments)
    response = target.response if isinstance(target, ContributionGroup) else \
        target.own_response
    templates = db.session.scalars(select(AnswerTemplate).where(
        AnswerTemplate.consultation_id == consultation.id)
        .order_by(AnswerTemplate.title)).all()
    if request.method == "GET":
        if response is not None:
            form.outcome.data = response.outcome
            form.justification.data = response.justification
            form.commitments.data = [c.id for c in response.commitments]
            form.referred_to.data = response.referred_to
            form.version.data = response.version
        template = next((t for t in templates
                         if t.id == request.args.get("template", type=int)), None)
        if template is not None:  # fill from an answer template
            form.justification.data = template.justification
            if template.outcome:
                form.outcome.data = template.outcome
    if form.validate_on_submit():
        try:
            operations.save_response(
                target, actor=current_user, outcome=form.outcome.data,
                justification=form.justification.data,
                commitment_ids=form.commitments.data or [],
                referred_to=form.referred_to.data,
                expected_version=form.version.data or 0)
            db.session.commit()
        except (operations.Conflict, StaleDataError):
            db.session.rollback()
            flash(_("Someone else saved this response while you were editing it. Its current "
                    "text is shown below."), "error")
            return redirect(request.path)
        except OperationError as error:
            db.session.rollback()
            form.justification.errors.append(error.message)
        else:
            flash(_("The response has been saved as a draft."), "success")
            if request.form.get("then") in ("submit", "approve", "publish"):
                return _apply(target.response if isinstance(target, ContributionGroup)
                              else target.own_response, request.form["then"], request.path)
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
    group = db.get_or_404(ContributionGroup, group_id)
    return _respond(group, group.consultation, "feedback/respond.html",
                    {"contribution": None, "group": group})


def _apply(response, action, back):
    try:
        operations.apply_to_responses([response], action=action, actor=current_user)
    except OperationError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash({"submit": _("The response has been sent for review."),
               "approve": _("The response has been approved."),
               "publish": _("The response has been published and the authors told.")}[action],
              "success")
    return redirect(back)


@bp.route("/feedback/responses/<int:response_id>/<action>", methods=["POST"])
@secretariat_required
def act(response_id, action):
    response = db.session.get(ResponseModel, response_id)
    if response is None or action not in ("submit", "approve", "publish"):
        abort(404)
    back = url_for(".respond", code=response.contribution.tracking_code) \
        if response.contribution else url_for(".respond_group", group_id=response.group_id)
    return _apply(response, action, back)


@bp.route("/consultations/<slug>/feedback/bulk", methods=["POST"])
@secretariat_required
def bulk(slug):
    consultation = get_visible_consultation(slug)
    ids = request.form.getlist("selected", type=int)  # what is not a number is left out
    action = request.form.get("action")
    responses = db.session.scalars(select(ResponseModel).where(
        ResponseModel.id.in_(ids), ResponseModel.consultation_id == consultation.id)).all()
    try:
        if len(responses) != len(set(ids)):
            raise OperationError(_("Some selected responses do not belong to this "
                                   "consultation."))
        operations.apply_to_responses(responses, action=action, actor=current_user)
    except OperationError as error:
        db.session.rollback()  # all or nothing
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(count)d responses updated.", count=len(responses)), "success")
    return redirect(url_for(".dashboard", slug=slug, status=request.form.get("status") or None))


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
        operations.save_answer_template(consultation, actor=current_user, template=template,
                                 title=form.title.data, outcome=form.outcome.data,
                                 justification=form.justification.data)
        db.session.commit()
        flash(_("The template has been saved."), "success")
        return redirect(url_for(".templates", slug=slug))
    items = db.session.scalars(select(AnswerTemplate).where(
        AnswerTemplate.consultation_id == consultation.id)
        .order_by(AnswerTemplate.title)).all()
    return render_template("feedback/templates.html", consultation=consultation,
                           form=form, items=items, template=template)


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
        try:
            count = import_responses(consultation, form.file.data.read(), actor=current_user)
        except ImportProblems as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            flash(_("%(count)d responses imported as drafts. Review and publish them.",
                    count=count), "success")
            return redirect(url_for(".dashboard", slug=slug))
    else:
        problems = [(None, str(m)) for errors in form.errors.values() for m in errors]
    return render_template("feedback/import_problems.html", consultation=consultation,
                           problems=problems, form=form), 400


@bp.route("/consultations/<slug>/matrix")
@secretariat_required
def matrix(slug):
    consultation = get_visible_consultation(slug)
    filters = read_filters(request.args)
    query = with_list_relations(contributions_query(consultation, {
        **filters, "withdrawn": False})).options(
        selectinload(Contribution.own_response).selectinload(ResponseModel.commitments))
    if request.args.get("all") == "1":  # the printable version: every row
        items = db.session.scalars(query).all()
        page = None
    else:
        page = paginate(query, per_page=50)
        items = page.items
    return render_template("feedback/matrix.html", consultation=consultation, items=items,
                           page=page, filters=filters,
                           commitments=consultation.published_commitments,
                           query_args={k: v for k, v in filters.items()
                                       if v and k not in ("per_page", "withdrawn")
                                       and not (k == "sort" and v == "newest")})
