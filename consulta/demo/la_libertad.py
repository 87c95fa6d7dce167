"""The demo's finished consultation: the La Libertad workshop of 11 May 2016, recorded
after the fact with its real dates, from the workshop's own record
(``data/demo/taller-la-libertad-2016.json``).

What the record holds is entered as it happened: the workshop in Trujillo on 11 May
2016 with its attendance by sector and by women, the seven proposal sheets written
there, and the three written contributions a district mayor sent after it. The web was
not a channel (the consultation keeps no web window). The record does not say when the
workshop was announced, so the announcement is recorded on the workshop's day, which
gives no advance notice: the IRM checklist says so. What the record does not hold and
the demo needs to show the whole flow (the moderators' classification, a group, a
hidden contribution, the secretariat's answers) is labelled as demonstration in the
summary's introduction and in the hiding note.
"""

import json
from datetime import date, datetime, time

from sqlalchemy import select

from consulta.consultations import operations as consultation_ops
from consulta.consultations.models import Commitment, Consultation, Phase
from consulta.consultations.plan_import import parse_plan
from consulta.contributions.models import Contribution
from consulta.core.dates import local_to_utc
from consulta.extensions import db
from consulta.feedback.operations import publish_response, save_response
from consulta.finalplan import operations as final_plan_ops
from consulta.finalplan.queries import final_plan_of
from consulta.moderation.operations import (
    classify_contribution,
    create_group,
    hide_contribution,
)
from consulta.summary.operations import publish_summary

from .consultations import _read
from .participation import load_workshop

LA_LIBERTAD_SLUG = "plan-gobierno-abierto-la-libertad"
WORKSHOP_DAY = date(2016, 5, 11)
#: The written contributions arrived after the workshop; the record gives no day, so
#: the first day after it is used, inside the window for written contributions.
WRITTEN_DAY = date(2016, 5, 12)
WRITTEN_UNTIL = date(2016, 5, 31)

INTRODUCTION = (
    "Este es el registro, hecho después de realizada, de la consulta del Gobierno Regional "
    "La Libertad para el Plan de Acción de Gobierno Abierto 2016-2017: el taller "
    "descentralizado del 11 de mayo de 2016 en Trujillo (60 asistentes, 17 mujeres) y los "
    "aportes escritos que la Alcaldía Distrital de Pacasmayo envió después. Las fechas, la "
    "asistencia y los aportes son los del registro del taller. El registro no dice cuándo "
    "se convocó el taller: el anuncio se registra el mismo día, sin anticipación. La "
    "clasificación, el grupo, el aporte ocultado y las respuestas son datos de "
    "demostración de Consulta.")

#: Outcome for each workshop proposal (by its number on the sheet).
PROPOSAL_OUTCOMES = {1: "incorporated", 2: "incorporated", 3: "partially_incorporated",
                     4: "incorporated", 5: "already_covered", 6: "incorporated",
                     7: "partially_incorporated"}
JUSTIFICATIONS = {
    "incorporated": "La propuesta de la mesa de trabajo se incorporó como compromiso del "
                    "plan regional. Conserva sus acciones, plazos y responsables.",
    "partially_incorporated": "Se incorporó el objetivo de la propuesta. Algunas acciones "
                              "quedan para una siguiente etapa por falta de presupuesto.",
    "already_covered": "La ficha solo tiene el título. Lo que plantea ya está en el "
                       "compromiso sobre infraestructura tecnológica del gobierno regional.",
}


def _lima(day, hour=0, minute=0):
    return local_to_utc(datetime.combine(day, time(hour, minute)))


def _plan(workshop):
    """The regional plan: one commitment for each complete proposal sheet."""
    plan = {"plan": {"title": "Plan de Acción de Gobierno Abierto de La Libertad 2016-2017"},
            "themes": [{"name": name, "commitments": []} for name in workshop["components"]]}
    by_name = {t["name"]: t for t in plan["themes"]}
    for number, proposal in enumerate((p for p in workshop["proposals"] if p.get("problem")),
                                      start=1):
        by_name[proposal["component"]]["commitments"].append({
            "number": number, "title": proposal["title"], "problem": proposal["problem"],
            "objective": proposal.get("objective"), "responsible": proposal.get("responsible"),
            "co_responsible": proposal.get("co_responsible") or [],
            "actions": proposal.get("actions") or [], "due": proposal.get("due"),
        })
    plan["themes"] = [t for t in plan["themes"] if t["commitments"]]
    return plan


def load_la_libertad(actor):
    """The consultation as it ran in 2016, published here as recorded after the fact.

    :param actor: the secretariat member who records it.
    :return: (consultation, whether it was created now).
    """
    workshop = _read("taller-la-libertad-2016.json")
    consultation = db.session.scalar(select(Consultation).where(
        Consultation.slug == LA_LIBERTAD_SLUG))
    if consultation is not None:
        return consultation, False
    consultation = consultation_ops.create_consultation(
        actor=actor, slug=LA_LIBERTAD_SLUG,
        title="Consulta del Plan Regional de Gobierno Abierto de La Libertad 2016-2017",
        summary="Taller descentralizado del 11 de mayo de 2016 en Trujillo y aportes escritos "
                "posteriores, registrados después de realizada la consulta.",
        description="El Gobierno Regional La Libertad recogió propuestas de compromisos para "
                    "el Plan de Acción de Gobierno Abierto 2016-2017 en un taller "
                    "descentralizado con gobierno regional, municipios, sociedad civil, "
                    "academia, gremios empresariales y cooperación internacional.",
        scope="regional", scope_region="la-libertad", organizer="Gobierno Regional La Libertad",
        methodology="Taller presencial con fichas de propuesta de compromiso, y recepción de "
                    "aportes escritos después del taller.",
        channels=["workshop", "written"],
        opens_at=_lima(WORKSHOP_DAY, 8), closes_at=_lima(WRITTEN_UNTIL, 18))
    for position, (name, start, end, receives) in enumerate((
            ("Taller descentralizado en Trujillo", WORKSHOP_DAY, WORKSHOP_DAY, True),
            ("Aportes escritos", WRITTEN_DAY, WRITTEN_UNTIL, True)), start=1):
        consultation.phases.append(Phase(position=position, name=name, starts_on=start,
                                         ends_on=end, description="",
                                         receives_contributions=receives))
    consultation_ops.import_plan(consultation, parse_plan(json.dumps(_plan(workshop))),
                                 actor=actor)
    consultation_ops.publish_plan_version(consultation, actor=actor)
    # The channels it used, each in its own window; the web window every consultation
    # starts with goes (nobody took part through the web).
    consultation_ops.add_window(consultation, actor=actor, channel="workshop",
                                opens_at=_lima(WORKSHOP_DAY, 8),
                                closes_at=_lima(WORKSHOP_DAY, 18))
    consultation_ops.add_window(consultation, actor=actor, channel="written",
                                opens_at=_lima(WRITTEN_DAY), closes_at=_lima(WRITTEN_UNTIL, 18))
    consultation_ops.remove_window(consultation.windows_of("web")[0], actor=actor)
    consultation_ops.record_past_consultation(
        consultation, actor=actor, announced_on=WORKSHOP_DAY,
        reference="Convocatoria al Taller descentralizado de gobierno abierto - Región La "
                  "Libertad (Trujillo, 11 de mayo de 2016)")
    db.session.flush()
    return consultation, True


def finish_la_libertad(consultation, moderator, secretariat):
    """Type in the workshop's record, classify and answer it, and publish the summary;
    nothing when its summary exists already.

    :param consultation: the consultation recorded by ``load_la_libertad``.
    :param moderator: who types in and classifies the contributions.
    :param secretariat: who answers them and publishes the summary.
    """
    if consultation.summary_published_at is not None:
        return
    load_workshop(consultation, moderator, component_map={}, held_on=WORKSHOP_DAY)
    contributions = db.session.scalars(select(Contribution).where(
        Contribution.consultation_id == consultation.id).order_by(Contribution.id)).all()
    commitments = {c.title: c for c in db.session.scalars(select(Commitment).where(
        Commitment.plan_version_id == consultation.published_plan.id))}
    sheets = [c for c in contributions if c.channel == "workshop"]
    letters = [c for c in contributions if c.channel == "written"]
    # The moderators classify each sheet under its theme and, when the plan took it up,
    # its commitment; the mayor's comments go with the sheet they comment on.
    for sheet in sheets:
        classify_contribution(sheet, actor=moderator, component_id=sheet.component_id,
                              commitment_id=getattr(commitments.get(sheet.title), "id", None))
    technology = next(c for c in commitments.values() if "tecnológica" in c.title)
    for letter in letters:
        parent = letter.parent
        classify_contribution(
            letter, actor=moderator,
            component_id=(parent or letter).component_id,
            commitment_id=getattr(commitments.get(parent.title), "id", None) if parent else None)
    on_security = next(c for c in letters if c.title == "Seguridad ciudadana")
    security_sheet = on_security.parent
    group = create_group(consultation, actor=moderator, title="Seguridad ciudadana en la región",
                         summary="La ficha del taller y el aporte escrito de Pacasmayo piden "
                                 "reducir la inseguridad con proyectos de integración social.",
                         members=[security_sheet, on_security])
    sanitation = next(c for c in letters if c.title == "Saneamiento básico")
    hide_contribution(sanitation, actor=moderator, reason="off_topic",
                      note="Datos de demostración: se oculta solo para mostrar la moderación; "
                           "el aporte real no fue ocultado.")
    db.session.flush()
    numbers = {item["title"]: item["number"]
               for item in _read("taller-la-libertad-2016.json")["proposals"]}
    for sheet in sheets:
        if sheet.group_id is not None:
            continue
        outcome = PROPOSAL_OUTCOMES[numbers[sheet.title]]
        commitment = commitments.get(sheet.title) or technology
        _answer(sheet, secretariat, outcome, commitment)
    _answer(group, secretariat, "incorporated", commitments[security_sheet.title],
            justification="Las dos propuestas coinciden. Se incorporaron en el compromiso "
                          "sobre seguridad ciudadana, con los proyectos de integración "
                          "social que piden.")
    on_disasters = next(c for c in letters if c.title == "Prevención de riesgos de desastres")
    _answer(on_disasters, secretariat, "partially_incorporated",
            commitments[on_disasters.parent.title],
            justification="Se añadió la identificación de zonas de riesgo al compromiso "
                          "sobre desastres; el plan de simulacros queda a cargo de Defensa "
                          "Civil.")
    consultation.summary_introduction = INTRODUCTION
    db.session.flush()
    publish_summary(consultation, actor=secretariat)


def _answer(target, secretariat, outcome, commitment, justification=None):
    response = save_response(
        target, actor=secretariat, outcome=outcome,
        justification=justification or JUSTIFICATIONS[outcome],
        commitment_ids=[commitment.id] if outcome in ("incorporated",
                                                      "partially_incorporated") else [])
    publish_response(response, actor=secretariat, notify=False)  # history: nobody to tell


#: The final plan's approval (demonstration data: the record does not hold it).
APPROVAL_REFERENCE = ("Resolución Ejecutiva Regional N.° 0000-2016-GRLL/GOB (dato de "
                      "demostración)")
APPROVED_ON = date(2016, 7, 15)
FINAL_PLAN_NOTE = ("Datos de demostración de Consulta: la versión aprobada, su resolución y "
                   "los motivos de los cambios no vienen del registro del taller.")


def approve_la_libertad_plan(consultation, secretariat):
    """Version 2 of the regional plan, approved as the final plan: the disasters
    commitment takes up the written contribution's risk zones and the participation one
    gets more time; nothing when the final plan exists already.

    :param consultation: the finished consultation (its summary published).
    :param secretariat: who publishes the version and approves the plan.
    """
    if final_plan_of(consultation) is not None:
        return
    draft = consultation_ops.ensure_draft_version(consultation, actor=secretariat)
    reasons = {}
    for commitment in list(draft.commitments):
        values = {key: getattr(commitment, key) for key in consultation_ops.COMMITMENT_FIELDS}
        if "desastres" in commitment.title:
            values["actions"] = [*values["actions"], {
                "description": "Identificar y señalizar las zonas de riesgo de cada provincia",
                "start": "2016-09", "end": "2017-06"}]
            reasons[commitment.lineage] = (
                "Se añadió la identificación de las zonas de riesgo que pidió el aporte "
                "escrito de la Alcaldía Distrital de Pacasmayo.")
        elif "capacidades" in commitment.title:
            values["due"] = "2017-06"
            reasons[commitment.lineage] = (
                "El foro regional pidió más tiempo para llegar a los consejos consultivos "
                "de todas las provincias.")
        else:
            continue
        consultation_ops.save_commitment(draft, actor=secretariat, commitment=commitment,
                                         component_id=commitment.component_id, **values)
    consultation_ops.publish_plan_version(
        consultation, actor=secretariat,
        note="Versión aprobada tras la consulta (datos de demostración).")
    final_plan = final_plan_ops.save_final_plan(
        consultation, actor=secretariat, plan_version_id=draft.id,
        approval_reference=APPROVAL_REFERENCE, approved_on=APPROVED_ON,
        note=FINAL_PLAN_NOTE)
    final_plan_ops.save_changes(final_plan, actor=secretariat, reasons=reasons)
    final_plan_ops.publish_final_plan(final_plan, actor=secretariat,
                                      notify=False)  # history: nobody to tell
