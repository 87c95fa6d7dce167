"""The follow-up's staff pages (blueprint ``followup_manage``): the set-up of each
commitment of the final plan (milestones, indicators, reporters), "my commitments",
progress reports from draft to publication, and the download of uploaded documents.

Every route loads what it acts on within the consultation's final plan (404 otherwise)
and checks ``access`` before anything changes (403).
"""

from flask import (
    Blueprint,
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
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from consulta.accounts.models import User
from consulta.consultations.models import Commitment, Consultation, PlanVersion
from consulta.core.forms import ConfirmForm
from consulta.core.permissions import entity_filter_ids, login_required
from consulta.core.transaction import attempt
from consulta.extensions import db, limiter

from . import documents, operations, queries
from .access import (
    can_report,
    can_review,
    get_followed_consultation,
    get_in_plan,
    get_plan_commitment,
    reported_commitment_ids,
    require_report,
    require_review,
)
from .constants import MILESTONE_STATUSES, REPORT_STATES
from .forms import (
    DocumentForm,
    IndicatorForm,
    LinkForm,
    MilestoneForm,
    ReporterForm,
    ReportForm,
    ReturnForm,
    report_values,
)
from .models import (
    CommitmentReporter,
    Document,
    Indicator,
    Milestone,
    ProgressReport,
    ReportEvidence,
    ReportMilestone,
)

bp = Blueprint("followup_manage", __name__)


def _account_key():
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else "anonymous"


#: Evidence added (links and uploads) per account: generous for real work, a ceiling
#: for a script filling the database.
evidence_limit = limiter.limit(
    lambda: current_app.config.get("RATELIMIT_EVIDENCE_ACCOUNT", "60 per hour"),
    key_func=_account_key, methods=["POST"])


def _commitment_url(slug, commitment, anchor=""):
    """The set-up page of ``commitment`` (where every form of its set-up returns)."""
    return url_for(".commitment_setup", slug=slug, commitment_id=commitment.id) + anchor


# --- set-up: milestones, indicators, reporters ------------------------------------------

def _reviewed(slug):
    consultation, final_plan = get_followed_consultation(slug)
    require_review(consultation)
    return consultation, final_plan


@bp.route("/consultations/<slug>/follow-up/manage")
@login_required
def setup(slug):
    """The index of the set-up: each commitment of the final plan with how many
    milestones, indicators and reporters it has and whether it is complete, linking to
    its own set-up page (a plan of 200 commitments made one page of 600 forms)."""
    consultation, final_plan = _reviewed(slug)
    rows = queries.setup_overview(final_plan)
    return render_template(
        "followup/manage/setup.html", consultation=consultation, final_plan=final_plan,
        rows=rows, complete=sum(1 for row in rows if row.is_complete))


@bp.route("/consultations/<slug>/follow-up/manage/commitments/<int:commitment_id>")
@login_required
def commitment_setup(slug, commitment_id):
    """One commitment's set-up: its milestones, indicators, reporters and the report in
    progress, with their forms."""
    consultation, final_plan = _reviewed(slug)
    commitment = get_plan_commitment(final_plan, commitment_id,
                                     joinedload(Commitment.component))
    return _commitment_page(consultation, final_plan, commitment)


def _commitment_page(consultation, final_plan, commitment, **refused):
    """The set-up page of ``commitment``; a refused form (``milestone_form``,
    ``indicator_form`` or ``reporter_form``) comes back in place, its errors next to
    its fields and what was typed in them."""
    forms = {"milestone_form": MilestoneForm, "indicator_form": IndicatorForm,
             "reporter_form": ReporterForm}
    forms = {name: refused.get(name) or form(formdata=None)
             for name, form in forms.items()}
    # Each milestone with whether a report mentions it (then it cannot be removed).
    mentioned = exists().where(ReportMilestone.milestone_id == Milestone.id)
    milestones = db.session.execute(
        select(Milestone, mentioned.label("mentioned"))
        .where(Milestone.commitment_id == commitment.id).order_by(Milestone.position)).all()
    # The names and addresses only (an account would bring its roles along).
    reporters = db.session.execute(
        select(CommitmentReporter.id, User.display_name, User.email)
        .join(User, User.id == CommitmentReporter.user_id)
        .where(CommitmentReporter.commitment_id == commitment.id)
        .order_by(CommitmentReporter.id)).all()
    return render_template(
        "followup/manage/commitment.html", consultation=consultation,
        final_plan=final_plan, commitment=commitment,
        milestones=milestones, indicators=operations.indicators_of(commitment),
        reporters=reporters, pending=_pending_reports([commitment.id]).get(commitment.id),
        refused=next(iter(refused.values()), None), confirm_form=ConfirmForm(), **forms)


def _pending_reports(commitment_ids):
    """The reports of these commitments that are not published, by commitment id."""
    pending = {}
    for report in db.session.scalars(select(ProgressReport).where(
            ProgressReport.commitment_id.in_(commitment_ids),
            ProgressReport.state != "published")):
        pending[report.commitment_id] = report
    return pending


@bp.route("/consultations/<slug>/follow-up/manage/commitments/<int:commitment_id>/seed",
          methods=["POST"])
@login_required
def seed(slug, commitment_id):
    _consultation, final_plan = _reviewed(slug)
    commitment = get_plan_commitment(final_plan, commitment_id)
    if ConfirmForm().validate_on_submit():
        with attempt(_("The milestones have been created from the action rows.")):
            operations.seed_milestones(commitment, actor=current_user)
    return redirect(_commitment_url(slug, commitment, "#milestones"))


@bp.route("/consultations/<slug>/follow-up/manage/commitments/<int:commitment_id>/milestones",
          methods=["POST"])
@login_required
def add_milestone(slug, commitment_id):
    consultation, final_plan = _reviewed(slug)
    commitment = get_plan_commitment(final_plan, commitment_id)
    form = MilestoneForm()
    if _saved_milestone(form, commitment, None):
        return redirect(_commitment_url(slug, commitment, "#milestones"))
    return _commitment_page(consultation, final_plan, commitment, milestone_form=form)


@bp.route("/consultations/<slug>/follow-up/manage/milestones/<int:milestone_id>",
          methods=["GET", "POST"])
@login_required
def edit_milestone(slug, milestone_id):
    consultation, final_plan = _reviewed(slug)
    milestone = get_in_plan(Milestone, milestone_id, final_plan)
    commitment = milestone.commitment
    form = MilestoneForm(obj=milestone)
    if _saved_milestone(form, commitment, milestone):
        return redirect(_commitment_url(slug, commitment, "#milestones"))
    return render_template("followup/manage/milestone.html", consultation=consultation,
                           commitment=commitment, milestone=milestone, form=form)


def _saved_milestone(form, commitment, milestone):
    """Whether ``form`` was posted valid and the milestone saved (committed)."""
    if not form.validate_on_submit():
        return False
    with attempt(_("The milestone has been saved."), field=form.description) as done:
        operations.save_milestone(commitment, actor=current_user, milestone=milestone,
                                  description=form.description.data,
                                  starts=form.starts.data, due=form.due.data)
    return bool(done)


@bp.route("/consultations/<slug>/follow-up/manage/milestones/<int:milestone_id>/move",
          methods=["POST"])
@login_required
def move_milestone(slug, milestone_id):
    _consultation, final_plan = _reviewed(slug)
    milestone = get_in_plan(Milestone, milestone_id, final_plan)
    commitment = milestone.commitment
    if ConfirmForm().validate_on_submit():
        with attempt():
            operations.move_milestone(milestone, actor=current_user,
                                      up=request.form.get("direction") == "up")
    return redirect(_commitment_url(slug, commitment, "#milestones"))


@bp.route("/consultations/<slug>/follow-up/manage/milestones/<int:milestone_id>/delete",
          methods=["POST"])
@login_required
def delete_milestone(slug, milestone_id):
    _consultation, final_plan = _reviewed(slug)
    milestone = get_in_plan(Milestone, milestone_id, final_plan)
    commitment = milestone.commitment
    if ConfirmForm().validate_on_submit():
        with attempt(_("The milestone has been removed.")):
            operations.delete_milestone(milestone, actor=current_user)
    return redirect(_commitment_url(slug, commitment, "#milestones"))


@bp.route("/consultations/<slug>/follow-up/manage/commitments/<int:commitment_id>/indicators",
          methods=["POST"])
@login_required
def add_indicator(slug, commitment_id):
    consultation, final_plan = _reviewed(slug)
    commitment = get_plan_commitment(final_plan, commitment_id)
    form = IndicatorForm()
    if _saved_indicator(form, commitment, None):
        return redirect(_commitment_url(slug, commitment, "#indicators"))
    return _commitment_page(consultation, final_plan, commitment, indicator_form=form)


@bp.route("/consultations/<slug>/follow-up/manage/indicators/<int:indicator_id>",
          methods=["GET", "POST"])
@login_required
def edit_indicator(slug, indicator_id):
    consultation, final_plan = _reviewed(slug)
    indicator = get_in_plan(Indicator, indicator_id, final_plan)
    commitment = indicator.commitment
    # The numbers as the reader types them ("1234,5"), also behind a field a post lacks.
    form = IndicatorForm(data={
        "name": indicator.name, "baseline": _typed_number(indicator.baseline),
        "target": _typed_number(indicator.target), "unit": indicator.unit,
        "source": indicator.source})
    if _saved_indicator(form, commitment, indicator):
        return redirect(_commitment_url(slug, commitment, "#indicators"))
    return render_template("followup/manage/indicator.html", consultation=consultation,
                           commitment=commitment, indicator=indicator, form=form)


def _saved_indicator(form, commitment, indicator):
    """Whether ``form`` was posted valid and the indicator saved (committed)."""
    if not form.validate_on_submit():
        return False
    with attempt(_("The indicator has been saved."), field=form.name) as done:
        operations.save_indicator(commitment, actor=current_user, indicator=indicator,
                                  name=form.name.data, baseline=form.baseline.data,
                                  target=form.target.data, unit=form.unit.data,
                                  source=form.source.data)
    return bool(done)


def _typed_number(value):
    """A stored number as the reader would type it back ("1234,5"), or ""."""
    if value is None:
        return ""
    from babel.numbers import format_decimal

    from consulta.core.i18n import formatting_locale

    return format_decimal(value.normalize(), format="0.####", locale=formatting_locale())


@bp.route("/consultations/<slug>/follow-up/manage/indicators/<int:indicator_id>/delete",
          methods=["POST"])
@login_required
def delete_indicator(slug, indicator_id):
    _consultation, final_plan = _reviewed(slug)
    indicator = get_in_plan(Indicator, indicator_id, final_plan)
    commitment = indicator.commitment
    if ConfirmForm().validate_on_submit():
        with attempt(_("The indicator has been removed.")):
            operations.delete_indicator(indicator, actor=current_user)
    return redirect(_commitment_url(slug, commitment, "#indicators"))


@bp.route("/consultations/<slug>/follow-up/manage/commitments/<int:commitment_id>/reporters",
          methods=["POST"])
@login_required
def add_reporter(slug, commitment_id):
    consultation, final_plan = _reviewed(slug)
    commitment = get_plan_commitment(final_plan, commitment_id)
    form = ReporterForm()
    if form.validate_on_submit():
        with attempt(_("The account can now report on this commitment."),
                     field=form.email) as done:
            operations.add_reporter(commitment, actor=current_user, email=form.email.data)
        if done:
            return redirect(_commitment_url(slug, commitment, "#reporters"))
    return _commitment_page(consultation, final_plan, commitment, reporter_form=form)


@bp.route("/consultations/<slug>/follow-up/manage/reporters/<int:reporter_id>/delete",
          methods=["POST"])
@login_required
def remove_reporter(slug, reporter_id):
    _consultation, final_plan = _reviewed(slug)
    reporter = db.session.get(CommitmentReporter, reporter_id)
    if reporter is None or reporter.commitment.plan_version_id != final_plan.plan_version_id:
        abort(404)
    commitment = reporter.commitment
    if ConfirmForm().validate_on_submit():
        with attempt(_("The account no longer reports on this commitment.")):
            operations.remove_reporter(reporter, actor=current_user)
    return redirect(_commitment_url(slug, commitment, "#reporters"))


# --- my commitments ---------------------------------------------------------------------

@bp.route("/follow-up/my-commitments")
@login_required
def my_commitments():
    """The commitments the current user reports on, in every consultation, with their
    report in progress; the secretariat also sees the reports waiting for review: every
    one for a platform-wide secretariat, those of its entities' consultations for an
    entity's."""
    ids = reported_commitment_ids(current_user)
    commitments = list(db.session.scalars(
        select(Commitment).where(Commitment.id.in_(ids))
        .options(selectinload(Commitment.plan_version).selectinload(PlanVersion.consultation))
        .order_by(Commitment.plan_version_id, Commitment.number))) if ids else []
    return render_template("followup/manage/mine.html", commitments=commitments,
                           pending=_pending_reports(ids) if ids else {},
                           in_review=_reports_to_review(current_user),
                           confirm_form=ConfirmForm())


def _reports_to_review(user):
    """The reports in review that ``user`` reviews (``access.can_review``), oldest sent
    first."""
    if not user.holds_role("secretariat"):
        return []
    query = (select(ProgressReport).where(ProgressReport.state == "review")
             .options(selectinload(ProgressReport.commitment)
                      .selectinload(Commitment.plan_version)
                      .selectinload(PlanVersion.consultation))
             .order_by(ProgressReport.submitted_at, ProgressReport.id))
    entity_ids = entity_filter_ids(user, "secretariat")
    if entity_ids is not None:  # an entity's secretariat: its entities' consultations
        query = (query.join(Commitment, Commitment.id == ProgressReport.commitment_id)
                 .join(PlanVersion, PlanVersion.id == Commitment.plan_version_id)
                 .join(Consultation, Consultation.id == PlanVersion.consultation_id)
                 .where(Consultation.entity_id.in_(entity_ids)))
    return list(db.session.scalars(query))


# --- progress reports -------------------------------------------------------------------

def _report_in(slug, report_id):
    """(consultation, final plan, report), the current user allowed to report on it."""
    consultation, final_plan = get_followed_consultation(slug)
    report = get_in_plan(ProgressReport, report_id, final_plan)
    require_report(report.commitment)
    return consultation, final_plan, report


def _report_url(consultation, report, anchor=""):
    return url_for(".report", slug=consultation.slug, report_id=report.id) + anchor


@bp.route("/consultations/<slug>/follow-up/manage/commitments/<int:commitment_id>/reports",
          methods=["POST"])
@login_required
def start_report(slug, commitment_id):
    consultation, final_plan = get_followed_consultation(slug)
    commitment = get_plan_commitment(final_plan, commitment_id)
    require_report(commitment)
    if ConfirmForm().validate_on_submit():
        with attempt(_("A new report has been started as a draft.")) as done:
            report = operations.start_report(commitment, actor=current_user)
        if done:
            return redirect(_report_url(consultation, report))
    return redirect(url_for(".my_commitments"))


@bp.route("/consultations/<slug>/follow-up/manage/reports/<int:report_id>", methods=["GET", "POST"])
@login_required
def report(slug, report_id):
    """A report: its form while a draft, read-only after (a published report has no
    edit route: a POST to it is 404)."""
    consultation, final_plan, report = _report_in(slug, report_id)
    if request.method == "POST" and report.state != "draft":
        abort(404)
    milestones = operations.milestones_of(report.commitment)
    indicators = operations.indicators_of(report.commitment)
    form = ReportForm(obj=report)
    if form.validate_on_submit():
        statuses, values = report_values(request.form, [m.id for m in milestones],
                                         [i.id for i in indicators])
        with attempt(_("The report has been saved."), field=form.as_of) as done:
            operations.save_report(report, actor=current_user, as_of=form.as_of.data,
                                   narrative=form.narrative.data, milestones=statuses,
                                   indicators=values)
        if done:
            return redirect(_report_url(consultation, report))
    typed = {}
    if request.method == "POST":  # refused: show what was typed, not what is stored
        typed = {key: value for key, value in request.form.items()
                 if key.split("-")[0] in ("status", "percent", "reason", "value", "note")}
    rows = {row.milestone_id: row for row in report.milestones}
    values = {row.indicator_id: row for row in report.indicator_values}
    evidence = list(db.session.scalars(
        select(ReportEvidence).where(ReportEvidence.report_id == report.id)
        .options(selectinload(ReportEvidence.document)).order_by(ReportEvidence.id)))
    return render_template(
        "followup/manage/report.html", consultation=consultation, final_plan=final_plan,
        report=report, commitment=report.commitment, milestones=milestones,
        indicators=indicators, rows=rows, values=values, evidence=evidence, typed=typed,
        form=form, link_form=LinkForm(), document_form=DocumentForm(),
        return_form=ReturnForm(), confirm_form=ConfirmForm(),
        can_review=can_review(current_user, consultation),
        typed_number=_typed_number, statuses=MILESTONE_STATUSES, states=REPORT_STATES,
        max_mb=documents.max_bytes() / (1024 * 1024))


@bp.route("/consultations/<slug>/follow-up/manage/reports/<int:report_id>/links", methods=["POST"])
@login_required
@evidence_limit
def add_link(slug, report_id):
    consultation, _final_plan, report = _report_in(slug, report_id)
    form = LinkForm()
    if form.validate_on_submit():
        with attempt(_("The link has been added.")):
            operations.add_link(report, actor=current_user, title=form.title.data,
                                url=form.url.data)
    else:
        _flash_errors(form)
    return redirect(_report_url(consultation, report, "#evidence"))


@bp.route("/consultations/<slug>/follow-up/manage/reports/<int:report_id>/documents",
          methods=["POST"])
@login_required
@evidence_limit
def add_document(slug, report_id):
    consultation, _final_plan, report = _report_in(slug, report_id)
    form = DocumentForm()
    if form.validate_on_submit():
        with attempt(_("The file has been added.")):
            operations.add_document(report, actor=current_user, title=form.title.data,
                                    file_storage=form.file.data)
    else:
        _flash_errors(form)
    return redirect(_report_url(consultation, report, "#evidence"))


def _flash_errors(form):
    for messages in form.errors.values():
        for message in messages:
            flash(str(message), "error")


@bp.route("/consultations/<slug>/follow-up/manage/reports/<int:report_id>/evidence/<int:evidence_id>"
          "/delete", methods=["POST"])
@login_required
def remove_evidence(slug, report_id, evidence_id):
    consultation, _final_plan, report = _report_in(slug, report_id)
    evidence = db.session.get(ReportEvidence, evidence_id)
    if evidence is None or evidence.report_id != report.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        with attempt(_("The evidence has been removed.")):
            operations.remove_evidence(evidence, actor=current_user)
    return redirect(_report_url(consultation, report, "#evidence"))


@bp.route("/consultations/<slug>/follow-up/manage/reports/<int:report_id>/submit", methods=["POST"])
@login_required
def submit_report(slug, report_id):
    consultation, _final_plan, report = _report_in(slug, report_id)
    if ConfirmForm().validate_on_submit():
        with attempt(_("The report has been sent to the secretariat for review.")):
            operations.submit_report(report, actor=current_user)
    return redirect(_report_url(consultation, report))


@bp.route("/consultations/<slug>/follow-up/manage/reports/<int:report_id>/return", methods=["POST"])
@login_required
def return_report(slug, report_id):
    consultation, _final_plan, report = _report_in(slug, report_id)
    require_review(consultation)
    form = ReturnForm()
    if form.validate_on_submit():
        with attempt(_("The report has been returned to draft with your note.")):
            operations.return_report(report, actor=current_user, note=form.note.data)
    else:
        _flash_errors(form)
    return redirect(_report_url(consultation, report))


@bp.route("/consultations/<slug>/follow-up/manage/reports/<int:report_id>/publish",
          methods=["POST"])
@login_required
def publish_report(slug, report_id):
    consultation, _final_plan, report = _report_in(slug, report_id)
    require_review(consultation)
    if ConfirmForm().validate_on_submit():
        with attempt(_("The report has been published.")):
            operations.publish_report(report, actor=current_user)
    return redirect(_report_url(consultation, report))


# --- documents --------------------------------------------------------------------------

@bp.route("/documents/<int:document_id>/<name>")
def document(document_id, name):
    """An uploaded document: to anyone once a published report holds it, else only to
    who may report on a report holding it (staff of a draft). Its name in the URL must
    be its own (links stay stable and readable)."""
    document = db.session.get(Document, document_id)
    if document is None or name != document.filename:
        abort(404)
    if documents.is_public(document):
        return documents.document_response(document)
    if not documents.may_see(document, current_user):
        abort(404)
    response = documents.document_response(document)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _in_published_report(document):
    return db.session.scalar(
        select(ReportEvidence.id).join(ProgressReport)
        .where(ReportEvidence.document_id == document.id,
               ProgressReport.state == "published").limit(1)) is not None


def _reporter_of_a_report_holding(document, user):
    if user is None or not user.is_authenticated:
        return False
    commitments = db.session.scalars(
        select(Commitment).join(ProgressReport, ProgressReport.commitment_id == Commitment.id)
        .join(ReportEvidence, ReportEvidence.report_id == ProgressReport.id)
        .where(ReportEvidence.document_id == document.id))
    return any(can_report(user, commitment) for commitment in commitments)


def register_document_checks():
    """Let the document route serve reports' evidence (once per process)."""
    if _in_published_report not in documents.PUBLIC_CHECKS:
        documents.PUBLIC_CHECKS.append(_in_published_report)
        documents.PRIVATE_CHECKS.append(_reporter_of_a_report_holding)

