"""The public side of the follow-up: the tracking page of a final plan, each
commitment's page with its report history, each published report, the
self-assessments (and their publication by the secretariat)."""

import io
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from consulta.consultations.access import get_visible_consultation, protected_consultation
from consulta.consultations.queries import lean_consultation
from consulta.core.cache import cacheable, keep_facts
from consulta.core.pagination import paginate_list
from consulta.core.permissions import role_required
from consulta.core.transaction import attempt
from consulta.finalplan.queries import published_final_plan

from . import assessment as assessments_
from . import formatting, queries
from .access import can_review, reported_commitment_ids
from .assessment_pdf import render_assessment_pdf
from .constants import ASSESSMENT_KINDS, ASSESSMENT_SLUGS, MILESTONE_STATUSES
from .follow_views import follow_box
from .signals import commitment_page, fragments, report_page, tracking_page

bp = Blueprint("followup", __name__)

#: The longest filter value read from the query string (and echoed in a message).
MAX_FILTER = 300
#: Commitments per page of the tracking page: a plan has 20 to 30, on one page; a plan
#: of hundreds is paged (its figures stay whole, and the filters narrow it).
TRACKING_PER_PAGE = 50


def published_plan_or_404(slug):
    """(consultation, its published final plan), or 404: the follow-up is public once
    the final plan is, and not before (not even for the secretariat)."""
    consultation = get_visible_consultation(slug)
    final_plan = published_final_plan(consultation)
    if final_plan is None:
        abort(404)
    return consultation, final_plan


def _raw_filters(args):
    return {name: (args.get(name) or "").strip()[:MAX_FILTER]
            for name in ("component", "status", "responsible")}


def _tracking_key(args):
    """What the page depends on besides the consultation: the filters, the page of the
    list, and the month (a milestone becomes overdue when it turns)."""
    page = args.get("page", type=int) or 1
    return {**{k: v for k, v in _raw_filters(args).items() if v},
            **({"page": page} if page > 1 else {}), "month": queries.current_month()}


def read_filters(args, components, responsibles):
    """(filters, errors): the filters asked for, each checked against the plan's own
    values; an unknown value is left out and named in ``errors``."""
    raw = _raw_filters(args)
    filters, errors = {}, []
    if raw["component"]:
        ids = {str(c.id): c.id for c in components}
        if raw["component"] in ids:
            filters["component"] = ids[raw["component"]]
        else:
            errors.append(_("This plan has no such component: “%(value)s”.",
                            value=raw["component"]))
    if raw["status"]:
        if raw["status"] in queries.COMMITMENT_STATUSES:
            filters["status"] = raw["status"]
        else:
            errors.append(_("There is no such status: “%(value)s”.", value=raw["status"]))
    if raw["responsible"]:
        if raw["responsible"] in responsibles:
            filters["responsible"] = raw["responsible"]
        else:
            errors.append(_("No commitment of this plan has this responsible entity: "
                            "“%(value)s”.", value=raw["responsible"]))
    return filters, errors


def _tracking_personal(slug, facts=None):
    """The parts of the tracking page that are its visitor's alone (their links to the
    follow-up's own pages, the follow box), for a participant served the kept page."""
    consultation = (lean_consultation(facts["consultation_id"]) if facts is not None
                    else published_plan_or_404(slug)[0])
    if consultation is None:  # gone since its page was kept
        abort(404)
    return render_template("followup/public/_personal_parts.html",
                           follow_box=follow_box(consultation, facts),
                           consultation=consultation, **_staff_links(consultation))


@bp.route("/consultations/<slug>/follow-up")
@cacheable(params=_tracking_key, members=_tracking_personal)
def tracking(slug):
    """Every commitment of the final plan with its status, progress and last report;
    filters; figures by component and overall."""
    consultation, final_plan = published_plan_or_404(slug)
    keep_facts(consultation_id=consultation.id)
    month = queries.current_month()
    components = queries.plan_components(final_plan)
    responsibles = queries.responsible_choices(final_plan)
    filters, errors = read_filters(request.args, components, responsibles)
    progress = queries.ProgressQuery(final_plan, month)
    tracked = queries.tracked_commitments(final_plan, filters, month, queries.LISTED,
                                          progress)
    page = paginate_list(tracked, TRACKING_PER_PAGE)
    figures = queries.figures(final_plan, components, month, progress,
                              tracked=None if filters else tracked)
    rows = formatting.tracking_rows(
        page.items, consultation.slug, {c.id: c.name for c in components},
        formatting.day_texts(p.last_report_at for _c, p in page.items),
        queries.overdue_milestones(final_plan, month),
        {code: str(label) for code, label in MILESTONE_STATUSES.items()})
    html = render_template(
        "followup/public/tracking.html", consultation=consultation, final_plan=final_plan,
        page=page, rows=rows, figures=figures, components=components,
        responsibles=responsibles, filters=filters, errors=errors, filtered=bool(filters),
        extras=fragments(tracking_page, final_plan), **_staff_links(consultation))
    return html, 400 if errors else 200


def _staff_links(consultation):
    """Where the staff pages of the follow-up are reached from: the set-up for the
    secretariat, "my commitments" for who reports on a commitment or reviews reports
    (anonymous visitors, whose page is cached, get neither)."""
    if not current_user.is_authenticated:
        return {"may_set_up": False, "may_report": False}
    may_set_up = can_review(current_user, consultation)
    return {"may_set_up": may_set_up,
            "may_report": may_set_up or bool(reported_commitment_ids(current_user))}


def _commitment_personal(slug, commitment_id, facts=None):
    """The follow box of a commitment's page, for a participant served the kept page."""
    if facts is not None:
        item = queries.lean_commitment(commitment_id)
    else:
        item = queries.commitment_of(published_plan_or_404(slug)[1], commitment_id)
    if item is None:  # gone since its page was kept
        abort(404)
    return render_template("followup/public/_personal_parts.html",
                           follow_box=follow_box(item, facts))


@bp.route("/consultations/<slug>/follow-up/commitments/<int:commitment_id>")
@cacheable(params=lambda args: {"month": queries.current_month()},
           members=_commitment_personal)
def commitment(slug, commitment_id):
    """One commitment: its fields, milestones, indicators and published reports."""
    consultation, final_plan = published_plan_or_404(slug)
    item = queries.commitment_of(final_plan, commitment_id)
    if item is None:
        abort(404)
    keep_facts(commitment_id=item.id)
    month = queries.current_month()
    rows = queries.tracked_commitments(final_plan, {"commitment": item.id}, month)
    indicators = queries.indicators_of([item.id]).get(item.id, [])
    return render_template(
        "followup/public/commitment.html", consultation=consultation,
        final_plan=final_plan, commitment=item, progress=rows[0][1] if rows else None,
        milestones=queries.milestones_of([item.id]).get(item.id, []), this_month=month,
        indicators=indicators,
        values=queries.latest_values([item.id]) if indicators else {},
        reports=queries.published_reports([item.id]).get(item.id, []),
        is_overdue=queries.is_overdue, extras=fragments(commitment_page, item))


@bp.route("/consultations/<slug>/follow-up/reports/<int:report_id>")
@cacheable(params=())
def report(slug, report_id):
    """A published report: its milestones, indicator values, narrative and evidence."""
    consultation, final_plan = published_plan_or_404(slug)
    item = queries.published_report(final_plan, report_id)
    if item is None:
        abort(404)
    return render_template(
        "followup/public/report.html", consultation=consultation, final_plan=final_plan,
        report=item, commitment=item.commitment, document_url=document_url,
        extras=fragments(report_page, item))


def document_url(document):
    """The path of an uploaded document (served by the staff side's download route)."""
    return f"/documents/{document.id}/{quote(document.filename)}"


# --- self-assessments ----------------------------------------------------------------

KIND_PATH = '<any("mid-term", "end-of-term"):kind>'
KIND_OF_SLUG = {path: kind for kind, path in ASSESSMENT_SLUGS.items()}


def _assessment_or_404(slug, kind):
    consultation, final_plan = published_plan_or_404(slug)
    item = assessments_.assessment_of(final_plan, KIND_OF_SLUG[kind])
    if item is None:
        abort(404)
    return consultation, final_plan, item


@bp.route("/consultations/<slug>/follow-up/self-assessments")
@cacheable(params=())
def assessments(slug):
    """The plan's self-assessments: those published, and what is still to come."""
    consultation, final_plan = published_plan_or_404(slug)
    return render_template(
        "followup/public/assessments.html", consultation=consultation,
        final_plan=final_plan, published=assessments_.assessments_of(final_plan),
        kinds=ASSESSMENT_KINDS, slugs=ASSESSMENT_SLUGS)


@bp.route(f"/consultations/<slug>/follow-up/self-assessments/{KIND_PATH}")
@cacheable(params=())
def assessment(slug, kind):
    """A published self-assessment, as frozen."""
    consultation, final_plan, item = _assessment_or_404(slug, kind)
    rows = assessments_.stored_rows(item)
    return render_template(
        "followup/public/assessment.html", consultation=consultation,
        final_plan=final_plan, assessment=item, content=item.content,
        rows=[data for _p, data, _d, _s in rows], kind_slug=kind,
        title=ASSESSMENT_KINDS[item.kind])


@bp.route(f"/consultations/<slug>/follow-up/self-assessments/{KIND_PATH}.pdf")
@cacheable(params=lambda args: {"lang": args.get("lang")
                                if args.get("lang") in current_app.config["LANGUAGES"]
                                else None}, everyone=True)
def assessment_pdf(slug, kind):
    """The self-assessment as a PDF, in the language asked for (``?lang=``) or the
    reader's."""
    consultation, _final_plan, item = _assessment_or_404(slug, kind)
    asked = request.args.get("lang")
    language = asked if asked in current_app.config["LANGUAGES"] else str(get_locale())
    out = io.BytesIO()
    render_assessment_pdf(item, out, language=language)
    response = Response(out.getvalue(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="autoevaluacion-{kind}-{consultation.slug}-{language}.pdf"')
    if asked != language:
        response.vary.update(("Cookie", "Accept-Language"))
    return response


@bp.route(f"/consultations/<slug>/follow-up/self-assessments/{KIND_PATH}.json")
@cacheable(params=(), everyone=True)
def assessment_json(slug, kind):
    """The self-assessment's open data: content, rows, each row's salt and digest, and
    the digest that seals them (computed as a summary's: ``/summary/digest``)."""
    consultation, _final_plan, item = _assessment_or_404(slug, kind)
    response = jsonify({"consultation": consultation.slug, **assessments_.open_data(item),
                        "digest_method_url": url_for("summary.digest_method",
                                                     _external=True)})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route(f"/consultations/<slug>/follow-up/self-assessments/{KIND_PATH}.csv")
def assessment_csv(slug, kind):
    """The self-assessment, one line per commitment, as CSV."""
    consultation, _final_plan, item = _assessment_or_404(slug, kind)
    return Response(assessments_.assessment_csv(item), mimetype="text/csv", headers={
        "Content-Disposition":
            f'attachment; filename="autoevaluacion-{kind}-{consultation.slug}.csv"'})


class PublishAssessmentForm(FlaskForm):
    kind = SelectField(_l("Self-assessment"), validators=[InputRequired()])
    introduction = TextAreaField(_l("Introduction (optional)"),
                                 validators=[Length(max=20000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every kind, even one published: the operation says why it refuses it.
        self.kind.choices = [(kind, str(label)) for kind, label in ASSESSMENT_KINDS.items()]


@bp.route("/consultations/<slug>/follow-up/self-assessments/publish",
          methods=["GET", "POST"])
@role_required("secretariat", on=protected_consultation)
def publish_assessment(slug):
    """The secretariat publishes the mid-term or end-of-term self-assessment, computed
    from the published reports at that moment."""
    consultation, final_plan = published_plan_or_404(slug)
    published = assessments_.assessments_of(final_plan)
    form = PublishAssessmentForm()
    if form.validate_on_submit():
        with attempt(_("The self-assessment has been published."), field=form.kind) as done:
            item = assessments_.publish_assessment(
                final_plan, kind=form.kind.data, actor=current_user,
                introduction=form.introduction.data)
        if done:
            return redirect(url_for(".assessment", slug=slug,
                                    kind=ASSESSMENT_SLUGS[item.kind]))
    preview = None
    if request.method == "GET":
        content, rows = assessments_.compute_assessment(final_plan)
        preview = {"content": content, "rows": rows}
    return render_template(
        "followup/public/publish_assessment.html", consultation=consultation,
        final_plan=final_plan, form=form, published=published, kinds=ASSESSMENT_KINDS,
        slugs=ASSESSMENT_SLUGS, preview=preview,
        has_report=queries.has_published_report(final_plan))
