"""JSON shapes of the open-data API. Dates are ISO 8601 with their UTC offset."""

from functools import partial

from flask import current_app, request, url_for
from flask_babel import get_locale

from consulta.consultations.constants import PRINCIPLES
from consulta.consultations.queries import plan_version_with_commitments
from consulta.consultations.sheets import kept_per_worker
from consulta.core.dates import utc_to_local
from consulta.core.sanitize import render_markdown
from consulta.core.templating import item_url_for
from consulta.followup.queries import is_overdue


def iso(value):
    """ISO 8601 text of a date or datetime (with its offset), or None.

    :param value: a date, a datetime or None.
    """
    return value.isoformat() if value is not None else None


def window(item):
    """A participation window: the channel it opens, from when until when (exclusive),
    and why it was added or last changed (empty for the announced period).

    :param item: the ``ParticipationWindow``.
    """
    return {"channel": item.channel, "opens_at": iso(item.opens_at),
            "closes_at": iso(item.closes_at), "reason": item.reason or ""}


def entity(item):
    """An organizing entity: its address, name, acronym, level of government (a profile
    code) and parent's address.

    :param item: the ``Entity``.
    """
    return {"slug": item.slug, "name": item.name, "acronym": item.acronym,
            "level": item.level, "region": item.region,
            "parent": item.parent.slug if item.parent is not None else None,
            "url": url_for("entities.detail", slug=item.slug, _external=True)}


def organizer(consultation):
    """The consultation's organizing entity, as ``organizer``: ``{slug, name, level}``."""
    item = consultation.entity
    return {"slug": item.slug, "name": item.name, "level": item.level}


def consultation_summary(consultation, now=None):
    """A consultation as the lists show it, with its participation windows (loaded with
    it, see ``queries``) and, for one recorded after it took place, when and where it
    was announced.

    :param consultation: an announced consultation.
    :param now: the moment its status is computed at (now when None).
    """
    return {
        "slug": consultation.slug,
        "title": consultation.title,
        "summary": consultation.summary,
        "status": consultation.status(now),
        "scope": consultation.scope,
        "scope_region": consultation.scope_region,
        "scope_locality": consultation.scope_locality,
        "organizer": organizer(consultation),
        # The organizer as text, as ``organizer`` was before version 1.1 of the API.
        "organizer_name": consultation.organizer,
        "opens_at": iso(consultation.opens_at),
        "closes_at": iso(consultation.closes_at),
        "announced_at": iso(consultation.announced_at),
        "recorded_after_at": iso(consultation.recorded_after_at),
        "announcement_reference": consultation.announcement_reference,
        "windows": [window(w) for w in consultation.windows],
        "url": url_for("consultations.detail", slug=consultation.slug, _external=True),
        "api_url": url_for("api.consultation", slug=consultation.slug, _external=True),
    }


def _principle_names():
    """{code: translated name} of the principles, translated once for a whole plan."""
    return {code: str(name) for code, name in PRINCIPLES.items()}


def commitment(item, *, version_url=None, principle_names=None):
    """A commitment of a plan version, with its proposal-sheet fields.

    :param item: the ``Commitment``.
    :param version_url: the address of its plan version's page, when the caller built
        it once for all the version's commitments (else built here).
    :param principle_names: ``_principle_names()``, when the caller translated them once.
    """
    if version_url is None:
        version_url = url_for("consultations.plan_version",
                              slug=item.plan_version.consultation.slug,
                              number=item.plan_version.number, _external=True)
    if principle_names is None:
        principle_names = _principle_names()
    return {
        "id": item.id,
        "number": item.number,
        "lineage": item.lineage,
        "component": item.component.name,
        "component_id": item.component_id,
        "title": item.title,
        "summary": item.summary,
        "problem": item.problem,
        "objective": item.objective,
        "responsible": item.responsible,
        "co_responsible": list(item.co_responsible or []),
        "actions": list(item.actions or []),
        "due": item.due,
        "principles": [{"code": p, "name": principle_names[p]}
                       for p in item.principles or [] if p in principle_names],
        "url": version_url + "#" + item.anchor,
    }


#: How many published plan versions (each in one language, for one address of the site)
#: a worker keeps the open data of.
PLANS_KEPT = 16


def published_plan(slug, version, changed_at):
    """The open data of a published version of a consultation's plan: its sections and
    its commitments with their sheets, kept per worker.

    A published version never changes (``consultations.operations._ensure_draft``): its
    200 commitments are loaded and written out once per worker, language (the principles'
    names) and address of the site (the links), not on every request for the
    consultation (loading them, with their sheets' JSON, was four fifths of it). Up to
    ``PLANS_KEPT`` are kept, then forgotten all at once, as the plan page's sheets.

    :param slug: the consultation's slug (its links).
    :param version: a published ``PlanVersion`` (its sections and commitments are loaded
        only when its data is not kept yet).
    :param changed_at: when the consultation last changed (its components' names, which
        the commitments show): a change writes them out again.
    """
    def build():
        full = plan_version_with_commitments(version.id)
        # Built once for the plan, not once per commitment (200 url_for and translations).
        version_url = url_for("consultations.plan_version", slug=slug, number=full.number,
                              _external=True)
        names = _principle_names()
        return {
            "version": full.number,
            "title": full.title,
            "published_at": iso(full.published_at),
            "note": full.note,
            "sections": [{"title": s.title, "body_html": str(render_markdown(s.body))}
                         for s in full.sections],
            "commitments": [commitment(c, version_url=version_url, principle_names=names)
                            for c in full.commitments],
        }

    key = (version.id, version.published_at, slug, changed_at, str(get_locale()),
           request.host_url)
    return kept_per_worker("consulta_api_plans", key, build, size=PLANS_KEPT)


def consultation_detail(consultation, now=None):
    """A consultation with its phases, components, published plan and plan versions.

    :param consultation: an announced consultation (its plan loaded, see
        ``queries.announced_consultation(with_plan=True)``).
    :param now: the moment its status is computed at (now when None).
    """
    data = consultation_summary(consultation, now)
    plan = consultation.published_plan
    data.update({
        # Rendered and cleaned with the site's one sanitizing policy, never the raw source.
        "description_html": str(render_markdown(consultation.description)),
        "forum_name": consultation.forum_name,
        "methodology_html": str(render_markdown(consultation.methodology)),
        "channels": list(consultation.channels or []),
        "phases": [{"name": p.name, "starts_on": iso(p.starts_on), "ends_on": iso(p.ends_on),
                    "description": p.description} for p in consultation.phases],
        "components": [{"id": c.id, "name": c.name, "description": c.description}
                       for c in consultation.components],
        "draft_plan": None if plan is None else published_plan(consultation.slug, plan,
                                                             consultation.updated_at),
        "plan_versions": [{"version": v.number, "published_at": iso(v.published_at)}
                          for v in consultation.plan_versions if v.is_published],
    })
    return data


def response(version):
    """The published response (never a draft), or None.

    :param version: the published ``ResponseVersion`` that answers, or None.
    """
    if version is None:
        return None
    return {
        "outcome": version.outcome,
        "justification": version.justification,
        "incorporated_in": [c["number"] for c in version.incorporated_in or []],
        "referred_to": version.referred_to,
        "published_at": iso(version.published_at),
        "version": version.number,
    }


def contribution(item):
    """Every public field of a contribution: never an e-mail, a gender or a name the
    author did not allow to publish. Hidden contributions keep their metadata and the
    reason, never their text; masked personal data is replaced.

    :param item: the ``Contribution``.
    """
    data = {
        "id": item.id,
        "tracking_code": item.tracking_code,
        # One url_for per request, not per contribution (see ``item_url_for``).
        "url": item_url_for("contributions.detail", "code", item.tracking_code,
                            _external=True),
        "kind": item.kind,
        "channel": item.channel,
        # When it was stored (kept for compatibility; ``recorded_at`` says the same).
        "created_at": iso(item.created_at),
        # When it was received: what every figure and list uses.
        "received_at": iso(item.received_at),
        "recorded_at": iso(item.recorded_at),
        "updated_at": iso(item.updated_at),
        "author": item.public_author,
        "organization": item.public_organization,
        "sector": item.sector,
        "region": item.region,
        "event_id": item.event_id,
        # The day it was received, in the deployment's zone (web ones too).
        "received_on": iso(utc_to_local(item.received_at).date()),
        "target": item.target,
        "plan_version": item.plan_version.number if item.plan_version else None,
        "commitment_number": item.commitment.number if item.commitment else None,
        "commitment_id": item.commitment_id,
        "section_id": item.section_id,
        "proposal": item.parent.tracking_code if item.parent else None,
        "component": item.component.name if item.component else None,
        "title": item.public("title"),
        "problem": item.public("problem"),
        "objective": item.public("objective"),
        "responsible": item.public("responsible"),
        "co_responsible": item.public_list("co_responsible"),
        "actions": item.public_actions(),
        "due": item.due,
        "body": item.public("body"),
        "supports": item.supports_count,
        "withdrawn": item.is_withdrawn,
        "hidden": item.is_hidden,
        "hidden_reason": item.hidden_reason,
        "classification": None if not item.is_classified else {
            "component": item.classified_component.name if item.classified_component
            else None,
            "commitment_number": item.classified_commitment.number
            if item.classified_commitment else None,
            "new_commitment": item.is_new_commitment,
            "principles": list(item.principles or []),
        },
        "group_id": item.group_id,
        "response": response(item.published_response),
    }
    if item.is_hidden:
        for key in ("title", "problem", "objective", "responsible", "due", "body"):
            data[key] = None
        data["co_responsible"], data["actions"] = [], []
    return data


def final_plan_frozen(plan, diff):
    """What the final plan's JSON says that never changes once it is published: the
    approval, its commitments (without what shaped them and their progress) and what
    changed since the consulted draft (``final_plan`` adds the rest).

    :param plan: a published ``FinalPlan``.
    :param diff: ``finalplan.queries.plan_diff(plan)``.
    """
    consultation = plan.consultation
    names = _principle_names()
    page = url_for("finalplan.show", slug=consultation.slug, _external=True)
    return {
        "consultation": consultation.slug,
        "title": plan.plan_version.title,
        "version": plan.plan_version.number,
        "consulted_version": plan.consulted_version.number,
        "approval_reference": plan.approval_reference,
        "approved_on": iso(plan.approved_on),
        "forum_endorsed_on": iso(plan.forum_endorsed_on),
        "forum_endorsement": plan.forum_endorsement,
        "note": plan.note,
        "published_at": iso(plan.published_at),
        "url": page,
        "commitments": [
            {**commitment(c, version_url="", principle_names=names),
             "url": page + "#" + c.anchor}
            for c in plan.plan_version.commitments],
        "changes": [{
            "kind": entry.kind, "lineage": entry.lineage,
            "draft_number": entry.before.number if entry.before else None,
            "final_number": entry.after.number if entry.after else None,
            "merged_into": entry.merged_into.number if entry.merged_into else None,
            "fields": [{"field": code, "before": old, "after": new}
                       for code, _label, old, new in entry.fields],
            "reason": entry.reason} for entry in diff],
    }


def final_plan_encoded(frozen):
    """``final_plan_frozen`` encoded as the API's JSON once: (the text of the plan
    without its commitments, [(commitment id, the text of the commitment)]). Kept with
    the plan: ``final_plan`` adds to it what changes."""
    encode = _json_text()
    return (encode({key: value for key, value in frozen.items() if key != "commitments"}),
            [(item["id"], encode(item)) for item in frozen["commitments"]])


def final_plan(encoded, codes, progress=None):
    """The approved final plan, as the text of its JSON: the approval, its commitments
    (each with the tracking codes of the contributions that shaped it, and its
    ``progress``: status and percentage, from the follow-up) and what changed since the
    consulted draft.

    The parts that never change are encoded once (``encoded``), the codes by the database
    (``codes``): this puts the texts together, each object's closing brace opened to
    add its members (an object's members may come in any order).

    :param encoded: ``final_plan_encoded(final_plan_frozen(plan, diff))``.
    :param codes: ``finalplan.queries.StoredTraceability(plan).codes_json()``.
    :param progress: ``followup.queries.progress_by_commitment(plan)`` ({id: Progress}).
    """
    progress, encode = progress or {}, _json_text()
    plan, commitments = encoded
    parts = [plan[:-1], ',"commitments":[']
    for position, (commitment_id, text) in enumerate(commitments):
        known = progress.get(commitment_id)
        parts += ["," if position else "", text[:-1],
                  ',"contributions":', codes.get(commitment_id, "[]"),
                  ',"progress":', encode(known.as_json() if known else None), "}"]
    parts.append("]}")
    return "".join(parts)


def _json_text():
    """A function that encodes a value as ``jsonify`` does (the app's settings, compact)."""
    return partial(current_app.json.dumps, separators=(",", ":"))


def _number(value):
    """A stored decimal as a JSON number (an integer when it is one), or None."""
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def commitment_progress(slug, item, progress, component, milestones, indicators, values, reports,
                        month):
    """A commitment of the final plan with its implementation progress.

    :param slug: the consultation's slug.
    :param item: the ``Commitment`` (of the final plan's version).
    :param progress: its ``followup.queries.Progress``.
    :param component: its ``Component``.
    :param milestones: its milestones, by position.
    :param indicators: its indicators, by position.
    :param values: ``followup.queries.latest_values`` ({indicator id: (value, as_of,
        report id)}).
    :param reports: its published reports, newest first.
    :param month: the current month ("YYYY-MM"), for overdue milestones.
    """
    def report_url(report_id):
        return url_for("followup.report", slug=slug, report_id=report_id, _external=True)

    def latest(indicator):
        found = values.get(indicator.id)
        if found is None:
            return None
        value, as_of, report_id = found
        return {"value": _number(value), "as_of": iso(as_of), "report_url": report_url(report_id)}

    return {
        "id": item.id, "lineage": item.lineage, "number": item.number, "title": item.title,
        "component": component.name if component is not None else None,
        "responsible": item.responsible,
        "status": progress.status, "progress": progress.percent,
        "last_report_at": iso(progress.last_report_at),
        "url": url_for("followup.commitment", slug=slug, commitment_id=item.id,
                       _external=True),
        "milestones": [{
            "position": m.position, "description": m.description, "starts": m.starts,
            "due": m.due, "status": m.current_status, "percent": m.current_percent,
            "as_of": iso(m.current_as_of),
            "overdue": is_overdue(m, month)}
            for m in milestones],
        "indicators": [{
            "name": i.name, "unit": i.unit, "source": i.source,
            "baseline": _number(i.baseline), "target": _number(i.target),
            "latest": latest(i)} for i in indicators],
        "reports": [{"number": r.number, "as_of": iso(r.as_of),
                     "published_at": iso(r.published_at), "url": report_url(r.id)}
                    for r in reports],
    }
