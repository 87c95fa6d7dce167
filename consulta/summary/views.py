"""The consultation summary: preview and publication (secretariat), public snapshots."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms.validators import Length

from consulta.consultations.access import (
    can_manage,
    get_visible_consultation,
    protected_consultation,
)
from consulta.consultations.sheets import kept_per_worker
from consulta.core.cache import cacheable
from consulta.core.errors import render_error
from consulta.core.forms import ConfirmForm
from consulta.core.permissions import role_required
from consulta.core.small_groups import small_group_min
from consulta.core.transaction import attempt

from . import operations, queries
from .exports import snapshot_csv, snapshot_xlsx
from .irm import guidelines
from .pdf import PDFUnavailable, stored_pdf
from .suppression import public_content

bp = Blueprint("summary", __name__)
ROWS_PER_PAGE = 25


def _snapshot_or_404(consultation, version=None):
    snapshot = queries.latest_snapshot(consultation, version)
    if snapshot is None:
        abort(404)
    return snapshot


#: How many summary versions (in one language each) a worker keeps the body of.
CONTENTS_KEPT = 16


def content_html(snapshot):
    """The body of a published version (``summary/_content.html``: its figures, charts,
    timeline and checklist), rendered once per worker, version, least group and
    language: a published version never changes (guarded), nor do the versions before
    it that its suppression compares with, so neither its public content nor its HTML
    does. Half of the summary page's time was rendering it, and a tenth its public
    content (two statements and a deep copy) on every view.

    :param snapshot: a published ``SummarySnapshot`` (its content is loaded only when
        its body is not kept yet).
    """
    # Its digest covers its content: another database's version with the same id (the
    # tests make several) is not taken for it.
    key = (snapshot.id, snapshot.published_at, snapshot.digest, small_group_min(),
           str(get_locale()))
    return kept_per_worker(
        "consulta_summary_contents", key,
        lambda: Markup(render_template(  # noqa: S704 (the template escapes)
            "summary/_content.html", content=public_content(snapshot),
            guidelines=guidelines())),
        size=CONTENTS_KEPT)


def _summary_page(consultation, version, printable, page=1):
    """The summary page of a version (the latest when None), or None when there is no
    such version: its snapshot, its publisher and the list of versions from one
    statement, its body as kept (``content_html``)."""
    published = queries.snapshots_with_publishers(consultation)
    chosen = next((row for row in published if version is None or row[0].version == version),
                  None)
    if chosen is None:
        return None
    snapshot, publisher_id, publisher_name = chosen
    if printable:
        rows, pages = queries.stored_rows(snapshot), 1
    else:
        pages = max((snapshot.row_count + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE, 1)
        rows = list(queries.stored_rows(snapshot, (page - 1) * ROWS_PER_PAGE, ROWS_PER_PAGE))
    return render_template(
        "summary/show.html", consultation=consultation, snapshot=snapshot,
        publisher_name=publisher_name if publisher_id is not None else None,
        content_html=content_html(snapshot), rows=rows, page=page, pages=pages,
        versions=[(row[0].version, row[0].published_at, row[0].digest) for row in published],
        redactions=queries.redaction_log(snapshot), printable=printable)


@bp.route("/consultations/<slug>/summary")
@cacheable(params=("version", "page"), members=True)
def show(slug):
    consultation = get_visible_consultation(slug)
    version = request.args.get("version", type=int)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    html = _summary_page(consultation, version, printable=False, page=page)
    if html is None:
        if version is not None:
            abort(404)
        return render_template("summary/not_published.html", consultation=consultation,
                               can_manage=can_manage(consultation))
    return html


@bp.route("/consultations/<slug>/summary/v<int:version>/print")
def printable(slug, version):
    consultation = get_visible_consultation(slug)
    html = _summary_page(consultation, version, printable=True)
    if html is None:
        abort(404)
    return html


@bp.route("/summary/digest")
@cacheable
def digest_method():
    """How the digest of a published summary is computed and checked, for anyone."""
    return render_template("summary/digest.html")


@bp.route("/consultations/<slug>/summary/v<int:version>.pdf")
def pdf(slug, version):
    """The official document of a version, in the language asked for (``?lang=``) or
    the reader's; made once per version and language, and kept (it never changes)."""
    consultation = get_visible_consultation(slug)
    snapshot = _snapshot_or_404(consultation, version)
    asked = request.args.get("lang")
    language = asked if asked in current_app.config["LANGUAGES"] else str(get_locale())
    try:
        path = stored_pdf(consultation, snapshot, language)
    except PDFUnavailable as failure:
        return render_error(500, title=_("The PDF could not be made"), message=_(
            "The PDF of this version of the summary could not be made. The problem has "
            "been recorded and the team will look into it; meanwhile the summary page, "
            "its printable version and its open data hold the same content."),
            error_id=failure.error_id)
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         max_age=3600,
                         download_name=f"resumen-{consultation.slug}-v{snapshot.version}-"
                                       f"{language}.pdf")
    if asked != language:  # chosen by the cookie, the account or the browser
        response.vary.update(("Cookie", "Accept-Language"))
    return response


@bp.route("/consultations/<slug>/summary/v<int:version>.csv")
def version_csv(slug, version):
    """The contribution matrix of a version as published (its frozen rows), as CSV:
    what the API's ``summary/vN/matrix`` serves, never the live matrix."""
    consultation = get_visible_consultation(slug)
    snapshot = _snapshot_or_404(consultation, version)
    return Response(stream_with_context(snapshot_csv(snapshot)), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="aportes-'
                             f'{consultation.slug}-v{snapshot.version}.csv"'})


@bp.route("/consultations/<slug>/summary/v<int:version>.xlsx")
def version_xlsx(slug, version):
    """The contribution matrix of a version as published (its frozen rows), as XLSX."""
    consultation = get_visible_consultation(slug)
    snapshot = _snapshot_or_404(consultation, version)
    return send_file(snapshot_xlsx(snapshot), as_attachment=True,
                     download_name=f"aportes-{consultation.slug}-v{snapshot.version}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet")


class SummaryTextsForm(ConfirmForm):
    introduction = TextAreaField(validators=[Length(max=20000)])


@bp.route("/consultations/<slug>/summary/manage", methods=["GET", "POST"])
@role_required("secretariat", on=protected_consultation)
def manage(slug):
    consultation = get_visible_consultation(slug)
    form = SummaryTextsForm()
    if request.method == "GET":
        form.introduction.data = consultation.summary_introduction
    if form.validate_on_submit():
        notes = {g["key"]: (request.form.get(f"note-{g['key']}") or "").strip()[:2000]
                 for g in guidelines()}
        with attempt(_("The introduction and the notes have been saved.")) as done:
            operations.save_summary_texts(consultation, actor=current_user,
                                          introduction=form.introduction.data, notes=notes)
        if done:
            return redirect(url_for(".manage", slug=slug))
    # The preview counts every contribution (a second at 50,000): made when asked for,
    # otherwise the page shows the latest published version, as stored.
    preview = request.args.get("preview") == "1"
    versions = queries.published_versions(consultation)
    snapshot = None if preview or not versions else queries.latest_snapshot(consultation)
    content = operations.preview_summary(consultation) if preview else \
        (public_content(snapshot) if snapshot is not None else None)
    return render_template("summary/manage.html", consultation=consultation, form=form,
                           content=content, preview=preview, snapshot=snapshot,
                           guidelines=guidelines(), versions=versions,
                           publish_form=ConfirmForm())


@bp.route("/consultations/<slug>/summary/publish", methods=["POST"])
@role_required("secretariat", on=protected_consultation)
def publish(slug):
    consultation = get_visible_consultation(slug)
    with attempt() as done:
        snapshot = operations.publish_summary(consultation, actor=current_user)
    if not done:
        return redirect(url_for(".manage", slug=slug))
    # Flashed here, not by attempt(): the message names the version it has become.
    flash(_("Version %(version)s of the summary has been published.",
            version=snapshot.version), "success")
    return redirect(url_for(".show", slug=slug))
