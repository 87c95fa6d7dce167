"""Taking part without internet or e-mail: the spreadsheet import of offline
contributions, contributions recorded with their author and their receipt, following a
contribution by its code, the authors to tell by SMS or phone, printable material."""

import hashlib
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
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
from consulta.consultations.queries import commitment_choices, events_of
from consulta.contributions.access import get_contribution, protected_object
from consulta.core.forms import ConfirmForm
from consulta.core.permissions import role_required
from consulta.core.transaction import attempt
from consulta.extensions import limiter

from . import importer, operations, printables, queries
from .constants import IMPORT_KEEP_HOURS, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from .forms import AssistedContributionForm, ImportConfirmForm, ImportForm

bp = Blueprint("offline", __name__)

moderator_required = role_required("moderator", on=protected_object)
facilitator_required = role_required("facilitator", "moderator", on=protected_object)
receipt_required = role_required("facilitator", "moderator", "secretariat",
                                 on=protected_object)
secretariat_required = role_required("secretariat", on=protected_object)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _public_consultation(slug):
    consultation = get_visible_consultation(slug)
    if not consultation.is_public:
        abort(404)
    return consultation


def _download(data, mimetype, filename, cache="no-store"):
    return Response(data, headers={"Content-Type": mimetype, "Cache-Control": cache,
                                   "Content-Disposition": f'attachment; filename="{filename}"'})


def _pdf(data, filename):
    return Response(data, headers={"Content-Type": "application/pdf",
                                   "Cache-Control": "no-store",
                                   "Content-Disposition": f'inline; filename="{filename}"'})


# --- spreadsheet import ------------------------------------------------------------

def _uploads():
    """Where a checked file waits for its confirmation (older ones are forgotten)."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    limit = time.time() - IMPORT_KEEP_HOURS * 3600
    for old in folder.glob("*.*"):
        if old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)
    return folder


def _import_page(consultation, **context):
    return render_template("offline/import.html", consultation=consultation,
                           form=context.pop("form", None) or ImportForm(),
                           max_rows=IMPORT_MAX_ROWS, max_mb=IMPORT_MAX_BYTES // (1024 * 1024),
                           **context)


@bp.route("/consultations/<slug>/contributions/import")
@moderator_required
def import_start(slug):
    return _import_page(_public_consultation(slug))


@bp.route("/consultations/<slug>/contributions/import/template.<any(xlsx, csv):format>")
@moderator_required
def import_template(slug, format):
    consultation = _public_consultation(slug)
    if format == "csv":
        return _download(importer.template_csv(), "text/csv; charset=utf-8",
                         f"plantilla-aportes-{consultation.slug}.csv")
    return _download(importer.template_xlsx(consultation), XLSX,
                     f"plantilla-aportes-{consultation.slug}.xlsx")


@bp.route("/consultations/<slug>/contributions/import", methods=["POST"])
@moderator_required
def import_check(slug):
    """Check the uploaded file and show what it would create (nothing is created yet)."""
    consultation = _public_consultation(slug)
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(consultation, form=form), 400
    data = form.file.data.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        form.file.errors = [_("The file is larger than %(max)d MB.",
                              max=IMPORT_MAX_BYTES // (1024 * 1024))]
        return _import_page(consultation, form=form), 400
    file_format = "csv" if (form.file.data.filename or "").lower().endswith(".csv") else "xlsx"
    try:
        plan = importer.check_import(consultation, data, f"file.{file_format}")
    except importer.ImportProblems as refusal:
        return _import_page(consultation, form=form, problems=refusal.problems), 400
    digest = hashlib.sha256(data).hexdigest()
    (_uploads() / f"{digest}.{file_format}").write_bytes(data)
    confirm = ImportConfirmForm(digest=digest, format=file_format)
    return render_template("offline/import_preview.html", consultation=consultation,
                           plan=plan, confirm=confirm, filename=form.file.data.filename)


@bp.route("/consultations/<slug>/contributions/import/confirm", methods=["POST"])
@moderator_required
def import_confirm(slug):
    consultation = _public_consultation(slug)
    form = ImportConfirmForm()
    path = None
    if form.validate_on_submit():
        path = _uploads() / f"{form.digest.data}.{form.format.data}"
    if path is None or not path.exists():
        flash(_("The file is no longer waiting for confirmation: upload it again."), "error")
        return redirect(url_for(".import_start", slug=slug))
    with attempt() as done:
        plan = importer.import_contributions(consultation, path.read_bytes(),
                                             f"file.{form.format.data}", actor=current_user)
    if not done:
        problems = getattr(done.error, "problems", None) or [(None, None, done.error.message)]
        return _import_page(consultation, problems=problems), 400
    path.unlink(missing_ok=True)
    if plan.created:
        flash(_("%(count)d contributions have been imported.", count=len(plan.created)),
              "success")
    else:
        flash(_("Nothing new to import: every row of the file had been imported before."),
              "success")
    return redirect(url_for("contributions.index", slug=slug))


# --- recorded with the person, and the receipt --------------------------------------

def _assisted_form(consultation):
    form = AssistedContributionForm(consultation=consultation)
    form.component.choices = [(0, _("Choose…"))] + [(c.id, c.name)
                                                     for c in consultation.components]
    form.event.choices = [(0, _("None"))] + [
        (e.id, f"{e.title} ({e.held_on.isoformat()})") for e in events_of(consultation)]
    form.commitment.choices = [(0, _("None (the plan as a whole)"))] + [
        (c.id, f"{c.number}. {c.title[:80]}") for c in commitment_choices(consultation)]
    if request.method == "GET":
        form.channel.data = request.args.get("channel") or "other"
    return form


@bp.route("/consultations/<slug>/contributions/assisted/new", methods=["GET", "POST"])
@facilitator_required
def assisted(slug):
    """A facilitator records a contribution together with the person making it."""
    consultation = _public_consultation(slug)
    form = _assisted_form(consultation)
    context = {"consultation": consultation, "form": form}
    if request.method == "POST" and form.add_action_row(request.form):
        return render_template("offline/assisted_form.html", **context)
    if form.validate_on_submit():
        details = form.details()
        with attempt(field=form.received_outside_window) as done:
            contribution = operations.record_assisted_contribution(
                consultation, facilitator=current_user, kind=form.kind.data,
                channel=details["channel"], values=form.sheet_values(),
                author_name=details["author_name"],
                name_public=details["author_name_public"],
                contact_channel=form.contact_channel.data or None,
                contact=form.contact.data or None, author_email=details["author_email"],
                sector=details["sector"], region=details["region"],
                event_id=details["event_id"], commitment_id=form.commitment.data or None,
                submission_token=form.submission_token.data,
                received_outside_window=details["received_outside_window"])
        if done:
            flash(_("Contribution %(code)s has been recorded. Give the person their "
                    "receipt.", code=contribution.tracking_code), "success")
            return redirect(url_for(".receipt", code=contribution.tracking_code))
    return render_template("offline/assisted_form.html", **context)


def _receipt_contribution(code):
    contribution = get_contribution(code)
    if contribution.is_hidden or contribution.is_voided:
        return contribution, False
    return contribution, True


@bp.route("/contributions/<code>/receipt")
@receipt_required
def receipt(code):
    contribution, allowed = _receipt_contribution(code)
    return render_template("offline/receipt.html", contribution=contribution,
                           consultation=contribution.consultation, allowed=allowed,
                           track_url=printables.track_url(contribution.tracking_code)), \
        200 if allowed else 409


@bp.route("/contributions/<code>/receipt.pdf")
@receipt_required
def receipt_pdf(code):
    contribution, allowed = _receipt_contribution(code)
    if not allowed:
        return redirect(url_for(".receipt", code=code))
    return _pdf(printables.receipt_pdf(contribution), f"constancia-{code}.pdf")


# --- following a contribution without an account ------------------------------------

def _track_limit():
    return current_app.config["RATELIMIT_TRACK_IP"]


@bp.route("/track")
@limiter.limit(_track_limit, exempt_when=lambda: not request.args.get("code"))
def track():
    """Anyone follows a contribution by its code. Unknown codes, codes of consultations
    not yet public and voided records get the same answer (and the same status)."""
    code = (request.args.get("code") or "").strip()[:40]
    contribution = queries.tracked_contribution(code) if code else None
    response = render_template("offline/track.html", code=code, contribution=contribution,
                               looked_up=bool(code))
    return response, 404 if code and contribution is None else 200


# --- authors to tell by SMS, phone or letter -----------------------------------------

@bp.route("/consultations/<slug>/to-notify")
@secretariat_required
def to_notify(slug):
    consultation = get_visible_consultation(slug)
    pending, told = queries.to_notify(consultation)
    return render_template("offline/to_notify.html", consultation=consultation,
                           pending=pending, told=told, confirm=ConfirmForm())


@bp.route("/contributions/<code>/told", methods=["POST"])
@secretariat_required
def mark_told(code):
    contribution = get_contribution(code)
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt(_("Marked as told.")):
            operations.mark_author_told(contribution, actor=current_user)
    return redirect(url_for(".to_notify", slug=contribution.consultation.slug))


# --- printable material --------------------------------------------------------------

@bp.route("/consultations/<slug>/print/<any(plan, 'proposal-sheet', 'how-to-take-part'):what>.pdf")
def printable(slug, what):
    consultation = get_visible_consultation(slug)
    if what == "plan":
        if consultation.published_plan is None:
            abort(404)
        data = printables.plan_pdf(consultation)
    elif what == "proposal-sheet":
        data = printables.proposal_sheet_pdf(consultation)
    else:
        data = printables.how_to_take_part_pdf(consultation)
    return _pdf(data, f"{what}-{consultation.slug}.pdf")
