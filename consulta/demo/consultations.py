"""The demo's open consultation, on Peru's IV plan (the finished one: ``la_libertad``)."""

import json
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from consulta.consultations import operations as consultation_ops
from consulta.consultations.models import Consultation, Phase
from consulta.consultations.plan_import import parse_plan
from consulta.core.dates import local_to_utc, local_today, utcnow
from consulta.extensions import db

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"


def _read(name):
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


IV_PLAN_SLUG = "iv-plan-gobierno-abierto"

IV_PLAN_DESCRIPTION = """\
La Secretaría de Gobierno y Transformación Digital somete a **consulta pública** el borrador
del IV Plan de Acción de Gobierno Abierto del Perú, con 21 compromisos en 9 ejes temáticos:
infraestructura, contrataciones, salud, educación, ambiente e industrias extractivas,
programas sociales, seguridad ciudadana, justicia y calidad regulatoria.

Queremos conocer tus propuestas de nuevos compromisos y tus comentarios sobre los
compromisos del borrador. Cada aporte recibirá una respuesta fundamentada.

- Lee el [borrador del plan](/consultations/iv-plan-gobierno-abierto/plan).
- Envía tus propuestas y comentarios mientras la consulta esté abierta.
"""

IV_PLAN_METHODOLOGY = """\
Los aportes se reciben en esta plataforma, en los talleres descentralizados y por escrito.
El equipo de moderación sistematiza cada aporte (eje, compromiso, principios) y agrupa los
que plantean lo mismo. La secretaría técnica responde cada aporte o grupo con una decisión
(incorporado, incorporado parcialmente, ya considerado, no incorporado, fuera del alcance o
derivado a otra entidad) y su justificación, y publica el resumen de la consulta.
"""


def _phases(consultation, phases):
    if consultation.phases:
        return
    for position, (name, start, end, description) in enumerate(phases, start=1):
        consultation.phases.append(Phase(position=position, name=name, starts_on=start,
                                         ends_on=end, description=description))


def _consultation(slug, *, actor, plan_data, announced_days_ago, opens_days_ago,
                  closes_in_days, phases, **values):
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is not None:
        return consultation, False
    now = utcnow()
    today = local_today()
    opens = datetime.combine(today - timedelta(days=opens_days_ago), time(0, 0))
    closes = datetime.combine(today + timedelta(days=closes_in_days), time(23, 59))
    consultation = consultation_ops.create_consultation(
        actor=actor, slug=slug, opens_at=local_to_utc(opens), closes_at=local_to_utc(closes),
        **values)
    consultation.created_at = now - timedelta(days=announced_days_ago + 10)
    _phases(consultation, phases)
    consultation_ops.import_plan(consultation, parse_plan(json.dumps(plan_data)), actor=actor)
    version = consultation_ops.publish_plan_version(consultation, actor=actor)
    # The demo simulates history: announced in the past, with advance notice.
    consultation.announced_at = now - timedelta(days=announced_days_ago)
    version.published_at = consultation.announced_at
    db.session.flush()
    return consultation, True


def _iv_plan_data():
    plan = _read("paga-iv-2020-2021.json")
    for theme in plan["themes"]:
        for commitment in theme["commitments"]:
            commitment.pop("summary", None)  # English notes of the data set, not plan text
    return plan


def load_iv_plan(actor):
    """The open consultation on Peru's IV plan (announced 21 days ago, open for a week,
    21 days to go), with its phases and published draft plan.

    :param actor: the secretariat member who creates it.
    :return: (consultation, whether it was created now).
    """
    today = local_today()
    day = timedelta(days=1)
    return _consultation(
        IV_PLAN_SLUG, actor=actor, plan_data=_iv_plan_data(),
        announced_days_ago=21, opens_days_ago=7, closes_in_days=21,
        title="Consulta pública del IV Plan de Acción de Gobierno Abierto del Perú",
        summary="Propón nuevos compromisos y comenta los 21 compromisos del borrador del "
                "IV Plan de Acción de Gobierno Abierto.",
        description=IV_PLAN_DESCRIPTION, scope="national",
        organizer="Secretaría de Gobierno y Transformación Digital - Presidencia del Consejo "
                  "de Ministros",
        forum_name="Comisión Multisectorial de Gobierno Abierto",
        methodology=IV_PLAN_METHODOLOGY, channels=["web", "workshop", "work_table", "written"],
        phases=[
            ("Publicación del borrador", today - 21 * day, today - 8 * day,
             "Se publica el borrador del plan y la metodología de la consulta."),
            ("Recepción de aportes", today - 7 * day, today + 21 * day,
             "Propuestas y comentarios por la web, en talleres y por escrito."),
            ("Talleres descentralizados", today - 3 * day, today + 14 * day,
             "Talleres presenciales en regiones con sociedad civil, academia y sector "
             "privado."),
            ("Sistematización", today + 22 * day, today + 35 * day,
             "Clasificación y agrupación de todos los aportes recibidos."),
            ("Publicación del resumen", today + 36 * day, today + 45 * day,
             "Respuesta fundamentada a cada aporte y resumen de la consulta."),
        ],
    )
