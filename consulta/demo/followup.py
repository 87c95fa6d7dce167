"""A year of implementation follow-up for the finished demo consultation (La Libertad
2016): milestones seeded from the final plan's action rows, an indicator, progress
reports (one commitment completed, one delayed, one in progress, the others not
reported yet, so their past milestones show as overdue), the standing forum with its
members, two meetings and an observation, and a follower.

Demonstration data: the workshop record holds none of it; every text says so.
"""

from datetime import date

from sqlalchemy import select

from consulta.accounts.models import User
from consulta.extensions import db
from consulta.finalplan.queries import published_final_plan
from consulta.followup import followers, forum
from consulta.followup import operations as followup_ops
from consulta.followup.models import Milestone

DEMO_NOTE = "(Datos de demostración de Consulta: no vienen del registro del taller.)"

#: Per commitment (by the first words of its title): its reports, each
#: (as of, narrative, {milestone position: (status, percent, reason)}, indicator value).
REPORTS = {
    "Proponer una directiva regional": [
        (date(2016, 12, 30),
         "El grupo de trabajo presentó la propuesta de directiva y el Consejo Regional la "
         "aprobó en octubre; la publicación se hizo en noviembre.",
         {1: ("completed", 100, ""), 2: ("completed", 100, ""), 3: ("completed", 100, ""),
          4: ("completed", 100, ""), 5: ("in_progress", 30, "")}, "6"),
        (date(2017, 4, 10),
         "La directiva se aplica en las gerencias regionales; el compromiso se da por "
         "cumplido.",
         {1: ("completed", 100, ""), 2: ("completed", 100, ""), 3: ("completed", 100, ""),
          4: ("completed", 100, ""), 5: ("completed", 100, "")}, "20"),
    ],
    "Población preparada y organizada": [
        (date(2016, 12, 30),
         "Los grupos de trabajo de la plataforma regional se instalaron en cuatro "
         "provincias. El simulacro regional no se realizó.",
         {1: ("delayed", 20, "El presupuesto del simulacro regional se aprobó recién en "
                             "noviembre; se reprogramó para marzo de 2017."),
          2: ("in_progress", 40, "")}, None),
    ],
    "Fortalecimiento de capacidades": [
        (date(2017, 1, 16),
         "Se capacitó a funcionarios de tres provincias; el plan de medios está aprobado y "
         "la difusión de los acuerdos continúa.",
         {1: ("in_progress", 60, ""), 2: ("completed", 100, ""), 3: ("in_progress", 50, "")},
         None),
    ],
}

FORUM_MEMBERS = [
    ("Gerencia Regional de Planeamiento", "Gobierno Regional La Libertad",
     "regional_government", "co_chair", "government"),
    ("Mesa de Concertación para la Lucha contra la Pobreza", "MCLCP La Libertad",
     "civil_society", "member", "civil_society"),
    ("Colegio de Periodistas", "Consejo Regional La Libertad", "civil_society", "member",
     "civil_society"),
]
FORUM_MEETINGS = [
    (date(2016, 10, 20), "Trujillo, sede del Gobierno Regional", 9,
     "1. Instalación del foro de seguimiento.\n2. Cronograma de reportes de avance."),
    (date(2017, 4, 18), "Trujillo, Cámara de Comercio", 11,
     "1. Revisión de los reportes de avance.\n2. Observaciones del foro al compromiso de "
     "gestión de riesgos."),
]
OBSERVATION = ("El foro observa que el simulacro regional de gestión de riesgos sigue "
               "pendiente y pide que el próximo reporte indique su fecha. " + DEMO_NOTE)


def _commitment(final_plan, words):
    return next((c for c in final_plan.commitments if c.title.startswith(words)), None)


def load_la_libertad_followup(consultation, secretariat):
    """The follow-up of the approved regional plan; nothing when it exists already (or
    when the plan is not approved).

    :param consultation: the finished consultation with its published final plan.
    :param secretariat: who sets the follow-up up, reports and publishes.
    """
    final_plan = published_final_plan(consultation)
    if final_plan is None:
        return
    commitments = list(final_plan.commitments)
    if db.session.scalar(select(Milestone.id).where(
            Milestone.commitment_id.in_([c.id for c in commitments])).limit(1)):
        return
    for commitment in commitments:
        followup_ops.seed_milestones(commitment, actor=secretariat)
    directive = _commitment(final_plan, "Proponer una directiva regional")
    indicator = followup_ops.save_indicator(
        directive, actor=secretariat, name="Gerencias y oficinas que aplican la directiva",
        baseline="0", target="20", unit="oficinas",
        source="Informes de la Gerencia Regional de Planeamiento " + DEMO_NOTE)
    reports = {}
    for words, entries in REPORTS.items():
        commitment = _commitment(final_plan, words)
        if commitment is None:
            continue
        positions = {m.position: m.id for m in followup_ops.milestones_of(commitment)}
        for as_of, narrative, statuses, value in entries:
            report = followup_ops.start_report(commitment, actor=secretariat)
            followup_ops.save_report(
                report, actor=secretariat, as_of=as_of,
                narrative=f"{narrative}\n\n{DEMO_NOTE}",
                milestones={positions[p]: {"status": s, "percent": str(n), "reason": r}
                            for p, (s, n, r) in statuses.items() if p in positions},
                indicators={indicator.id: {"value": value}}
                if value and commitment.id == directive.id else None)
            followup_ops.add_link(report, actor=secretariat,
                                  title="Portal del Gobierno Regional La Libertad",
                                  url="https://www.regionlalibertad.gob.pe/")
            followup_ops.submit_report(report, actor=secretariat)
            followup_ops.publish_report(report, actor=secretariat)
            reports.setdefault(words, []).append(report)
    for name, organization, sector, role, side in FORUM_MEMBERS:
        forum.save_member(consultation, actor=secretariat, name=name,
                          organization=organization, sector=sector, role=role, side=side,
                          starts_on=date(2016, 7, 15))
    for held_on, place, attendance, agenda in FORUM_MEETINGS:
        forum.save_meeting(consultation, actor=secretariat, held_on=held_on, place=place,
                           attendance=attendance, agenda=f"{agenda}\n\n{DEMO_NOTE}")
    delayed = reports.get("Población preparada y organizada")
    if delayed:
        forum.post_observation(delayed[-1], actor=secretariat, body=OBSERVATION)
    follower = db.session.scalar(select(User).where(User.email == "jorge@demo.consulta.pe"))
    disasters = _commitment(final_plan, "Población preparada y organizada")
    if follower is not None and disasters is not None:
        followers.follow(disasters, user=follower, locale="es")
