"""The read-only open-data API, /api/v1/."""

import io

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _

from consulta.core.cache import cacheable, conditional
from consulta.core.dates import utcnow
from consulta.core.errors import render_error
from consulta.core.pagination import paginate_rows
from consulta.core.taxonomy import level_codes, region_label, regions, sector_codes
from consulta.extensions import db
from consulta.finalplan.exports import traceability_csv, traceability_xlsx
from consulta.finalplan.layout import kept
from consulta.finalplan.queries import plan_diff, published_final_plan, traceability_of
from consulta.followup import queries as followup
from consulta.summary.constants import REASONS
from consulta.summary.exports import csv_stream, xlsx_file
from consulta.summary.queries import latest_snapshot, redaction_log, row_seals, stored_rows
from consulta.summary.suppression import public_content

from . import queries, serializers
from .openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def open_data_headers(response):
    """Cross-origin reads, and conditional requests (ETag) on every successful GET."""
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Expose-Headers", "Link, ETag, Last-Modified")
    if request.method == "GET" and response.status_code == 200 \
            and not response.is_streamed:
        conditional(response)
    return response


def link_header(endpoint, page, per_page, **values):
    """RFC 8288 Link header for a paginated list.

    :param endpoint: the list's endpoint.
    :param page: the ``Pagination`` being sent.
    :param per_page: the page size asked for (kept in every link).
    :param values: the endpoint's other URL values (``slug``).
    """
    links = []
    for rel, number in (("first", 1), ("prev", page.prev_num if page.has_prev else None),
                        ("next", page.next_num if page.has_next else None),
                        ("last", max(page.pages, 1))):
        if number:
            url = url_for(endpoint, page=number, per_page=per_page, _external=True, **values)
            links.append(f'<{url}>; rel="{rel}"')
    return ", ".join(links)


def _page_args(default=50):
    """``page`` and ``per_page`` (at most 100); a value that is not one gives the default."""
    page_number = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", default, type=int)
    return (page_number if page_number >= 1 else 1,
            min(per_page, 100) if per_page >= 1 else default)


def coded_filter(name, allowed, label):
    """The value of the filter ``?name=`` (None when not given), one of ``allowed``; any
    other value answers 400 with the codes it accepts, in the reader's language: a client
    asking for a region of another country learns so, instead of an unfiltered list.

    :param name: the query parameter.
    :param allowed: the codes it accepts, in the order to list them.
    :param label: what the codes are, for the message ("Región", "Sector").
    """
    value = (request.args.get(name) or "").strip()
    if not value or value in allowed:
        return value or None
    response = jsonify({
        "error": 400, "parameter": name, "allowed": list(allowed),
        "message": _("“%(value)s” is not a code of the list %(name)s (%(label)s). Use one "
                     "of those in “allowed”.", value=value[:64], name=name, label=label)})
    response.status_code = 400
    abort(response)


@bp.route("/consultations")
@cacheable(params=("page", "per_page"), everyone=True)
def consultations():
    """Announced consultations, newest first; paginated with a Link header."""
    now = utcnow()
    page_number, per_page = _page_args()
    page = db.paginate(queries.announced_consultations(), page=page_number,
                       per_page=per_page, error_out=False)
    response = jsonify({"page": page.page, "per_page": page.per_page, "total": page.total,
                        "consultations": [serializers.consultation_summary(c, now)
                                          for c in page.items]})
    response.headers["Link"] = link_header("api.consultations", page, per_page)
    return response


def _public_consultation(slug, *, with_plan=False):
    """The announced consultation, or 404 (one being prepared is not found either)."""
    item = queries.announced_consultation(slug, with_plan=with_plan)
    if item is None:
        abort(404)
    return item


@bp.route("/consultations/<slug>/contributions")
@cacheable(params=("page", "per_page", "sector", "region"), everyone=True)
def contributions(slug):
    """Visible contributions, paginated (``page``, ``per_page`` up to 100), oldest first;
    ``sector`` and ``region`` filter by the profile's codes (another: 400)."""
    consultation = _public_consultation(slug)
    filters = {
        "sector": coded_filter("sector", sector_codes(), _("Sector")),
        "region": coded_filter("region", [r["code"] for r in regions()], region_label()),
    }
    page_number, per_page = _page_args()
    page = queries.listed_contributions(consultation, page_number, per_page, **filters)
    response = jsonify({
        "consultation": consultation.slug,
        "page": page.page, "per_page": page.per_page, "total": page.total,
        "pages": page.pages,
        "contributions": [serializers.contribution(c) for c in page.items],
    })
    response.headers["Link"] = link_header(
        "api.contributions", page, per_page, slug=slug,
        **{name: value for name, value in filters.items() if value})
    return response


@bp.route("/consultations/<slug>/summary")
@cacheable(params=("version",), everyone=True)
def summary(slug):
    """The latest published summary (``?version=N`` for another); 404 before the first."""
    consultation = _public_consultation(slug)
    snapshot = latest_snapshot(consultation, request.args.get("version", type=int))
    if snapshot is None:
        abort(404)
    response = jsonify({
        "consultation": consultation.slug, "version": snapshot.version,
        "published_at": serializers.iso(snapshot.published_at),
        "digest_sha256": snapshot.digest, "rows": snapshot.row_count,
        "legacy_digest_sha256": snapshot.legacy_digest,
        "digest_method_url": url_for("summary.digest_method", _external=True),
        "content": public_content(snapshot),
        "redactions": [{"redacted_at": serializers.iso(when), "position": position,
                        "code": code, "field": field, "reason": reason,
                        "reason_text": str(REASONS.get(reason, reason))}
                       for when, position, code, field, reason in redaction_log(snapshot)],
        "matrix_url": url_for("api.summary_matrix", slug=slug, version=snapshot.version,
                              _external=True),
    })
    response.last_modified = snapshot.published_at
    return response


@bp.route("/consultations/<slug>/summary/v<int:version>/matrix")
@cacheable(params=("page", "per_page"), everyone=True)
def summary_matrix(slug, version):
    """The frozen matrix rows of a published summary, paginated."""
    consultation = _public_consultation(slug)
    snapshot = latest_snapshot(consultation, version)
    if snapshot is None:
        abort(404)
    page_number, per_page = _page_args(100)
    offset = (page_number - 1) * per_page
    rows = list(stored_rows(snapshot, offset, per_page))
    # What anyone needs to recompute the version's digest (``/summary/digest``): each
    # row's position, salt (None once redacted), seal (once redacted) and digest as
    # published, in the order of ``rows``.
    seals = [{"position": position, "salt": salt, "seal": seal, "digest": digest}
             for position, digest, salt, seal in row_seals(snapshot, offset, per_page)]
    response = jsonify({"consultation": slug, "version": version, "page": page_number,
                        "per_page": per_page, "total": snapshot.row_count, "rows": rows,
                        "row_digests": seals})
    return response


def _final_plan(slug, *, whole=False):
    """The announced consultation's published final plan, or 404 (``whole``: with its
    versions, commitments and changes loaded at once, ``final_plan_of``)."""
    plan = published_final_plan(_public_consultation(slug), whole=whole)
    if plan is None:
        abort(404)
    return plan


@bp.route("/consultations/<slug>/final-plan")
@cacheable(everyone=True)
def final_plan(slug):
    """The approved final plan: commitments with the contributions that shaped them
    (tracking codes), their progress (null until reported) and the changes since the
    consulted draft, each with its reason.

    It lists every shaping contribution (the contract: no pagination), so its size and
    time grow with them and nothing else: the database reads them from one covering index
    (``final_plan_traces``) and encodes each commitment's codes as a JSON array, put in
    the answer as they come; the rest is encoded once (kept) but the progress."""
    plan = _final_plan(slug)
    # The approval, the commitments' sheets and the differences never change once the
    # plan is published: encoded once per worker, language and address (its URLs).
    encoded = kept(plan, ("api", request.url_root), lambda: serializers.final_plan_encoded(
        serializers.final_plan_frozen(plan, plan_diff(plan))))
    response = Response(serializers.final_plan(encoded, traceability_of(plan).codes_json(),
                                               followup.progress_by_commitment(plan)),
                        mimetype="application/json")
    response.last_modified = plan.published_at
    return response


def _progress_key(args):
    page_number, per_page = _page_args()
    return {"page": page_number, "per_page": per_page, "month": followup.current_month()}


@bp.route("/consultations/<slug>/progress")
@cacheable(params=_progress_key, everyone=True)
def progress(slug):
    """The implementation progress of the final plan's commitments, paginated: each
    with its status, progress, milestones, indicators (with their latest value) and its
    published reports. 404 until the final plan is published."""
    plan = _final_plan(slug)
    _page_number, per_page = _page_args()
    month = followup.current_month()
    page = paginate_rows(followup.ProgressQuery(plan, month).rows(), per_page)
    ids = [row[0].id for row in page.items]
    components = {c.id: c for c in followup.plan_components(plan)}
    milestones, indicators = followup.milestones_of(ids), followup.indicators_of(ids)
    values = followup.latest_values(ids) if indicators else {}
    reports = followup.published_reports(ids)
    response = jsonify({
        "consultation": slug, "month": month,
        "page": page.page, "per_page": page.per_page, "total": page.total,
        "pages": page.pages,
        "commitments": [serializers.commitment_progress(
            slug, row[0], followup.progress_of(row), components.get(row[0].component_id),
            milestones.get(row[0].id, []), indicators.get(row[0].id, []), values,
            reports.get(row[0].id, []), month) for row in page.items],
    })
    response.headers["Link"] = link_header("api.progress", page, per_page, slug=slug)
    return response


@bp.route("/consultations/<slug>/final-plan/traceability.csv")
def final_plan_csv(slug):
    """The traceability matrix (commitment × contribution) as CSV."""
    plan = _final_plan(slug)
    return Response(traceability_csv(plan), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="plan-final-{slug}.csv"'})


@bp.route("/consultations/<slug>/final-plan/traceability.xlsx")
def final_plan_xlsx(slug):
    """The traceability matrix as XLSX."""
    plan = _final_plan(slug)
    return send_file(io.BytesIO(traceability_xlsx(plan)), as_attachment=True,
                     download_name=f"plan-final-{slug}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet")


@bp.route("/consultations/<slug>/contributions.csv")
def contributions_csv(slug):
    """The contribution matrix as CSV (UTF-8 with BOM; formulas neutralized), streamed."""
    consultation = _public_consultation(slug)
    return Response(stream_with_context(csv_stream(consultation)),
                    mimetype="text/csv", headers={
                        "Content-Disposition":
                            f'attachment; filename="aportes-{consultation.slug}.csv"'})


@bp.route("/consultations/<slug>/contributions.xlsx")
def contributions_xlsx(slug):
    """The contribution matrix as XLSX (text cells never become formulas)."""
    consultation = _public_consultation(slug)
    return send_file(xlsx_file(consultation), as_attachment=True,
                     download_name=f"aportes-{consultation.slug}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet")


@bp.route("/consultations/<slug>")
@cacheable(params=(), everyone=True)
def consultation(slug):
    """One announced consultation with its phases, components and draft plan."""
    item = _public_consultation(slug, with_plan=True)
    return jsonify(serializers.consultation_detail(item))


@bp.route("/entities")
@cacheable(params=("level",), everyone=True)
def entities():
    """The organizing entities, by name; ``?level=`` filters (an unknown level: 400)."""
    level = request.args.get("level") or None
    if level is not None and level not in level_codes():
        return render_error(400, message=_("Unknown level of government: use one of %(codes)s.",
                                           codes=", ".join(level_codes())))
    return jsonify({"entities": [serializers.entity(e) for e in
                                 queries.entities(level)]})


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI document of this API."""
    return jsonify(document())
