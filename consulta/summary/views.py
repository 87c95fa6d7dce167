"""The consultation summary: preview and publication (secretariat), public snapshots."""

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import Length

from consulta.consultations.access import can_manage, get_visible_consultation
from consulta.core.cache import cacheable
from consulta.core.forms import ConfirmForm
from consulta.core.operations import OperationError
from consulta.core.permissions import role_required
from consulta.extensions import db

from . import operations
from .irm import guidelines
from .models import SummarySnapshot
from .pdf import render_pdf

bp = Blueprint("summary", __name__)
ROWS_PER_PAGE = 25


def _snapshot_or_404(consultation, version=None):
    snapshot = operations.latest_snapshot(consultation, version)
    if snapshot is None:
        abort(404)
    return snapshot


def _versions(consultation):
    return db.session.execute(
        select(SummarySnapshot.version, SummarySnapshot.published_at, SummarySnapshot.digest)
        .where(SummarySnapshot.consultation_id == consultation.id)
        .order_by(SummarySnapshot.version.desc())).all()


@bp.route("/consultations/<slug>/summary")
@cacheable
def show(slug):
    consultation = get_visible_consultation(slug)
    version = request.args.get("version", type=int)
    snapshot = operations.latest_snapshot(consultation, version)
    if snapshot is None:
        if version is not None:
            abort(404)
        return render_template("summary/not_published.html", consultation=consultation,
                               can_manage=can_manage())
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pages = max((snapshot.row_count + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE, 1)
    rows = list(operations.stored_rows(snapshot, (page - 1) * ROWS_PER_PAGE, ROWS_PER_PAGE))
    return render_template("summary/show.html", consultation=consultation, snapshot=snapshot,
                           content=snapshot.content, rows=rows, page=page, pages=pages,
                           versions=_versions(consultation), guidelines=guidelines(),
                           printable=False)


@bp.route("/consultations/<slug>/summary/v<int:version>/print")
def printable(slug, version):
    consultation = get_visible_consultation(slug)
    snapshot = _snapshot_or_404(consultation, version)
    return render_template("summary/show.html", consultation=consultation, snapshot=snapshot,
                           content=snapshot.content, rows=operations.stored_rows(snapshot),
                           page=1, pages=1, versions=_versions(consultation),
                           guidelines=guidelines(), printable=True)


@bp.route("/consultations/<slug>/summary/v<int:version>.pdf")
def pdf(slug, version):
    """The official document; generated once per version and kept (it never changes)."""
    consultation = get_visible_consultation(slug)
    snapshot = _snapshot_or_404(consultation, version)
    folder = Path(current_app.instance_path) / "summaries"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{consultation.slug}-v{snapshot.version}-{snapshot.digest[:12]}.pdf"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            render_pdf(consultation, snapshot, fh)
        tmp.replace(path)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"resumen-{consultation.slug}-v{snapshot.version}.pdf",
                     max_age=3600)


class SummaryTextsForm(ConfirmForm):
    introduction = TextAreaField(validators=[Length(max=20000)])


@bp.route("/consultations/<slug>/summary/manage", methods=["GET", "POST"])
@role_required("secretariat")
def manage(slug):
    consultation = get_visible_consultation(slug)
    form = SummaryTextsForm()
    if request.method == "GET":
        form.introduction.data = consultation.summary_introduction
    if form.validate_on_submit():
        notes = {g["key"]: (request.form.get(f"note-{g['key']}") or "").strip()[:2000]
                 for g in guidelines()}
        operations.save_summary_texts(consultation, actor=current_user,
                                      introduction=form.introduction.data, notes=notes)
        db.session.commit()
        flash(_("The introduction and the notes have been saved."), "success")
        return redirect(url_for(".manage", slug=slug))
    return render_template("summary/manage.html", consultation=consultation, form=form,
                           content=operations.preview(consultation), guidelines=guidelines(),
                           versions=_versions(consultation), publish_form=ConfirmForm())


@bp.route("/consultations/<slug>/summary/publish", methods=["POST"])
@role_required("secretariat")
def publish(slug):
    consultation = get_visible_consultation(slug)
    try:
        snapshot = operations.publish_summary(consultation, actor=current_user)
    except OperationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".manage", slug=slug))
    db.session.commit()
    flash(_("Version %(version)s of the summary has been published.",
            version=snapshot.version), "success")
    return redirect(url_for(".show", slug=slug))
