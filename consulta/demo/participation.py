"""What the demo's people sent: the La Libertad workshop (real records), web
participation, and the secretariat's published responses."""

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.consultations.models import Commitment, Component, Event
from consulta.contributions import operations
from consulta.contributions.models import Contribution
from consulta.core.dates import utcnow
from consulta.core.taxonomy import sector_from_alias
from consulta.extensions import db
from consulta.feedback.operations import publish_response, save_response
from consulta.moderation.operations import classify_contribution

from .people import DEMO_CITIZENS, ensure_demo_user

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"

#: The workshop's themes (2016 regional plan) → the IV plan's components.
COMPONENT_MAP = {
    "Comunidades seguras": "Seguridad ciudadana",
    "Integridad pública": "Justicia",
    "Mejora de los servicios públicos": "Calidad regulatoria",
    "Transparencia y acceso a la información pública": "Infraestructura",
    "Participación ciudadana": "Educación",
}

#: (author email, commitment number or None for a proposal, text...)
WEB_COMMENTS = [
    ("carmen@demo.consulta.pe", 1, "La plataforma de obras debería mostrar el avance físico con "
     "fotos georreferenciadas y permitir que las juntas vecinales reporten obras paralizadas."),
    ("miguel@demo.consulta.pe", 1, "Pido que la información de obras esté también en quechua y "
     "que se pueda consultar sin internet en las municipalidades distritales."),
    ("ana@demo.consulta.pe", 4, "El portal de datos abiertos de contrataciones debe publicar "
     "los datos en formato OCDS y con actualización diaria, no mensual."),
    ("luis@demo.consulta.pe", 3, "El cuaderno de obra digital debe ser obligatorio para todas "
     "las obras financiadas con canon y no solo para las grandes."),
    ("rosa@demo.consulta.pe", 5, "El observatorio de precios de medicamentos debe permitir "
     "denunciar a las farmacias que no respetan los precios publicados, con respuesta en "
     "plazos fijos."),
    ("sofia@demo.consulta.pe", 5, "En Loreto muchas farmacias no reportan precios; se necesita "
     "fiscalización presencial además de la plataforma."),
    ("elena@demo.consulta.pe", 7, "La información georreferenciada de la oferta de salud debe "
     "incluir horarios de atención y disponibilidad de especialistas."),
    ("raul@demo.consulta.pe", 9, "La participación ciudadana en la gestión educativa debe "
     "incluir a las asociaciones de padres de familia de zonas rurales."),
    ("pedro@demo.consulta.pe", 13, "Los padrones de los programas sociales deben ser públicos "
     "y verificables por la comunidad, protegiendo los datos personales."),
    ("carmen@demo.consulta.pe", 15, "Las estadísticas de denuncias policiales deberían "
     "publicarse por distrito y con datos desagregados por sexo."),
    ("jorge@demo.consulta.pe", 15, "Propongo que las comisarías publiquen mensualmente la "
     "atención de denuncias de violencia contra la mujer."),
    ("ana@demo.consulta.pe", 18, "La publicación de sentencias debe hacerse en formato abierto "
     "y con buscador por materia, respetando la protección de datos personales."),
    ("lucia@demo.consulta.pe", 20, "El análisis de calidad regulatoria debería abrir una "
     "consulta pública de al menos 30 días para cada norma relevante."),
    ("miguel@demo.consulta.pe", None, "El plan debería tener más compromisos de los gobiernos "
     "regionales y un mecanismo de seguimiento con la sociedad civil de las regiones."),
    ("luis@demo.consulta.pe", 2, "La supervisión de los portales de transparencia debe "
     "publicar un ranking de entidades con sus resultados de cada trimestre."),
    ("sofia@demo.consulta.pe", 6, "El aseguramiento en línea al SIS debe funcionar también "
     "desde los centros de salud sin conexión permanente a internet."),
    ("raul@demo.consulta.pe", 11, "Los estudios de impacto ambiental deben publicarse completos "
     "y con un resumen en lenguaje sencillo antes de las audiencias públicas."),
    ("elena@demo.consulta.pe", 17, "Las declaraciones juradas de intereses deberían publicarse "
     "en datos abiertos para facilitar el control ciudadano."),
    ("carmen@demo.consulta.pe", None, "Se necesita presupuesto asignado para cada compromiso; "
     "sin presupuesto el plan no podrá cumplirse."),
    ("pedro@demo.consulta.pe", 14, "La información de los programas sociales debe llegar a las "
     "comunidades en su lengua materna."),
    ("ana@demo.consulta.pe", 21, "Sugiero que la simplificación administrativa se mida con "
     "indicadores publicados de tiempo de atención por trámite."),
]

WEB_PROPOSALS = [
    ("rosa@demo.consulta.pe", "Salud", "Presupuesto participativo de salud con información "
     "abierta", "Las comunidades no conocen cómo se gasta el presupuesto de salud en su "
     "localidad.", "Publicar el presupuesto de salud por establecimiento y habilitar la "
     "vigilancia ciudadana.", "Ministerio de Salud"),
    ("raul@demo.consulta.pe", "Ambiente e industrias extractivas", "Monitoreo ambiental "
     "participativo en zonas mineras", "Las comunidades cercanas a operaciones mineras no "
     "acceden a los resultados del monitoreo ambiental.", "Publicar en línea y en asambleas "
     "comunales los resultados del monitoreo de agua y aire.", "OEFA"),
    ("ana@demo.consulta.pe", "Educación", "Datos abiertos de infraestructura escolar",
     "No se sabe qué colegios tienen aulas en riesgo o sin servicios básicos.",
     "Publicar el estado de la infraestructura de cada local escolar con actualización anual.",
     "Ministerio de Educación"),
    ("luis@demo.consulta.pe", "Contrataciones", "Alertas tempranas de riesgos en "
     "contrataciones", "Las irregularidades en contrataciones se detectan tarde.",
     "Publicar indicadores de riesgo por proceso de contratación para el control social.",
     "OSCE"),
    ("carmen@demo.consulta.pe", "Seguridad ciudadana", "Mapas de inseguridad construidos con "
     "los vecinos", "La inseguridad ciudadana crece y las juntas vecinales no tienen "
     "información.", "Co-construir mapas de riesgo y publicar los índices de inseguridad por "
     "barrio.", "Ministerio del Interior"),
]


def load_workshop(consultation, moderator, component_map=COMPONENT_MAP, held_on=None):
    """Record the La Libertad workshop (real records of 2016) as an event with its
    attendance, its proposals and the written contributions sent after it. When the
    consultation has an event already, that event, and nothing is added.

    :param consultation: the consultation it is recorded in.
    :param moderator: who types it in.
    :param component_map: the workshop's themes → the consultation's component names
        (empty when the components are the workshop's own themes).
    :param held_on: the workshop's date; two days ago when None.
    :return: the ``Event``.
    """
    existing = db.session.scalar(select(Event).where(Event.consultation_id == consultation.id))
    if existing is not None:
        return existing
    with open(DATA_DIR / "taller-la-libertad-2016.json", encoding="utf-8") as fh:
        data = json.load(fh)
    info = data["event"]
    event = operations.save_event(
        consultation, actor=moderator, kind="workshop", title=info["title"],
        held_on=held_on or utcnow().date() - timedelta(days=2),
        place=f"{info['venue']}, {info['city']}",
        region="la-libertad",
        description="Taller descentralizado con gobierno regional, municipios, sociedad civil, "
                    "academia, gremios empresariales y cooperación internacional.",
        attendance=[(sector_from_alias(row["sector"]), row["participants"],
                     row["women"]) for row in info["attendance"]])
    components = {c.name: c.id for c in consultation.components}
    proposals = {}
    for item in data["proposals"]:
        contribution = operations.record_offline_contribution(
            consultation, moderator=moderator, kind="proposal", channel="workshop",
            event_id=event.id, received_on=event.held_on,
            author_name=f"Mesa de trabajo {item['number']}",
            author_organization="Taller descentralizado de La Libertad", region="la-libertad",
            values={"component_id": components[component_map.get(item["component"],
                                                                  item["component"])],
                    "title": item["title"], "problem": item.get("problem") or "",
                    "objective": item.get("objective") or "",
                    "responsible": item.get("responsible"),
                    "co_responsible": item.get("co_responsible") or [],
                    "actions": [{"description": a["description"], "start": a.get("start"),
                                 "end": a.get("end")} for a in item.get("actions") or []],
                    "due": item.get("due"), "body": ""})
        proposals[item["number"]] = contribution
    letter = data["later_written_contributions"]
    for item in letter["items"]:
        values = {"title": item["title"], "problem": item.get("problem") or "",
                  "objective": item.get("objective") or "",
                  "responsible": item.get("responsible"),
                  "co_responsible": item.get("co_responsible") or [],
                  "actions": [{"description": text, "start": None, "end": None}
                              for text in item.get("actions") or []],
                  "due": None, "body": ""}
        kind = "proposal" if item["kind"] == "new_proposal" else "comment"
        if kind == "proposal":
            values["component_id"] = components.get("Ambiente e industrias extractivas") \
                or next(iter(components.values()))
        else:
            values["parent_id"] = proposals[item["on_proposal"]].id
        operations.record_offline_contribution(
            consultation, moderator=moderator, kind=kind, channel="written",
            event_id=event.id, received_on=event.held_on + timedelta(days=1),
            author_organization=letter["author"], sector="local_government",
            region="la-libertad", values=values)
    return event


def load_web_participation(consultation):
    """Send a few dozen web contributions and supports, spread over the last days;
    nothing when the consultation has web contributions already.

    :param consultation: the open consultation.
    :return: the contributions made (None when there were some already).
    """
    if db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.consultation_id == consultation.id, Contribution.channel == "web")):
        return
    for spec in DEMO_CITIZENS:
        ensure_demo_user(*spec, ())
    users = {u.email: u for u in db.session.scalars(select(User).where(
        User.email.like("%@demo.consulta.pe")))}
    plan = consultation.published_plan
    commitments = {c.number: c for c in db.session.scalars(
        select(Commitment).where(Commitment.plan_version_id == plan.id))}
    components = {c.name: c for c in db.session.scalars(
        select(Component).where(Component.consultation_id == consultation.id))}
    made = []
    for email, number, text in WEB_COMMENTS:
        target = ("commitment", commitments[number].id) if number else ("plan", None)
        contribution, _created = operations.submit_contribution(
            consultation, author=users[email], kind="comment", values={"body": text},
            target=target[0], target_id=target[1], notify=False)
        made.append(contribution)
    for email, component, title, problem, objective, responsible in WEB_PROPOSALS:
        author = users[email]
        organization = author.approved_organizations()
        contribution, _created = operations.submit_contribution(
            consultation, author=author, kind="proposal",
            organization_id=organization[0].id if organization else None,
            values={"component_id": components[component].id, "title": title,
                    "problem": problem, "objective": objective, "responsible": responsible,
                    "co_responsible": [], "actions": [
                        {"description": "Diseñar el mecanismo con la sociedad civil",
                         "start": None, "end": None},
                        {"description": "Implementar y publicar los primeros resultados",
                         "start": None, "end": None}],
                    "due": None, "body": ""}, notify=False)
        made.append(contribution)
    # Spread them over the days the consultation has been open.
    now = utcnow()
    for index, contribution in enumerate(made):
        contribution.created_at = now - timedelta(days=6 - index % 7, hours=index)
        contribution.received_at = contribution.created_at  # sent then: received then
        operations.assign_tracking_code(contribution)
    # Supports for the proposals (web and workshop), from several people.
    proposals = db.session.scalars(select(Contribution).where(
        Contribution.consultation_id == consultation.id,
        Contribution.kind == "proposal")).all()
    supporters = sorted(users.values(), key=lambda u: u.email)
    for index, proposal in enumerate(proposals):
        for user in supporters[: 2 + (index * 3) % len(supporters)]:
            if user.id != proposal.author_id:
                operations.support_proposal(proposal, user=user)
    db.session.flush()
    return made




JUSTIFICATIONS = {
    "incorporated": "La propuesta se incorporó al compromiso indicado. Sus acciones quedan "
                    "recogidas en el cronograma y en los indicadores de la versión final.",
    "partially_incorporated": "Se incorporó una parte de la propuesta en el compromiso "
                              "indicado. Las acciones que requieren presupuesto adicional "
                              "se evaluarán en el siguiente plan.",
    "already_covered": "El borrador ya considera lo que se propone. Las acciones del "
                       "compromiso vigente atienden el problema planteado.",
    "not_incorporated": "No se incorporó porque excede los recursos disponibles para el "
                        "periodo del plan. La secretaría técnica la registra para futuros "
                        "procesos de cocreación.",
    "out_of_scope": "El aporte trata un tema que no corresponde a un plan de gobierno "
                    "abierto. Se agradece la participación y se sugiere canalizarlo por la "
                    "vía correspondiente.",
    "referred": "El tema corresponde a otra entidad pública. La secretaría técnica derivó el "
                "aporte para su atención y seguimiento.",
}
OUTCOME_CYCLE = ("incorporated", "already_covered", "partially_incorporated",
                 "not_incorporated", "referred", "incorporated", "out_of_scope",
                 "already_covered")
LEFT_UNANSWERED = 6


def load_responses(consultation, secretariat, left_unanswered=LEFT_UNANSWERED):
    """Answer most contributions with published responses of every outcome; nothing
    when some contribution has a response already.

    :param consultation: the consultation.
    :param secretariat: who writes and publishes the responses.
    :param left_unanswered: how many of the latest contributions stay unanswered.
    """
    if db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.consultation_id == consultation.id,
            Contribution.own_response.has())):
        return
    plan = consultation.published_plan
    commitments = db.session.scalars(select(Commitment).where(
        Commitment.plan_version_id == plan.id).order_by(Commitment.number)).all()
    by_component = {}
    for commitment in commitments:
        by_component.setdefault(commitment.component_id, commitment)
    contributions = db.session.scalars(select(Contribution).where(
        Contribution.consultation_id == consultation.id,
        Contribution.withdrawn_at.is_(None)).order_by(Contribution.id)).all()
    answered = contributions[:-left_unanswered] if left_unanswered else contributions
    for index, contribution in enumerate(answered):
        outcome = OUTCOME_CYCLE[index % len(OUTCOME_CYCLE)]
        target = contribution.commitment or by_component.get(contribution.component_id) \
            or commitments[0]
        if outcome == "out_of_scope" and contribution.kind == "proposal":
            outcome = "not_incorporated"
        response = save_response(
            contribution, actor=secretariat, outcome=outcome,
            justification=JUSTIFICATIONS[outcome],
            commitment_ids=[target.id] if outcome in ("incorporated",
                                                       "partially_incorporated") else [],
            referred_to="Defensoría del Pueblo" if outcome == "referred" else None)
        publish_response(response, actor=secretariat, notify=False)  # demo history, nobody to tell


#: How many of the open consultation's contributions the moderators have classified so
#: far: the rest wait in the queue (classification in progress).
CLASSIFIED_SO_FAR = 12


def load_classification(consultation, moderator, classified=CLASSIFIED_SO_FAR):
    """Classify the first contributions sent through the platform under the component
    and commitment their authors chose; nothing when some are classified already.

    :param consultation: the consultation.
    :param moderator: who classifies them.
    :param classified: how many, oldest first.
    """
    if db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.consultation_id == consultation.id,
            Contribution.classified_at.is_not(None))):
        return
    # Those sent through the platform, oldest first; the workshop's sheets wait.
    contributions = db.session.scalars(select(Contribution).where(
        Contribution.consultation_id == consultation.id, Contribution.channel == "web",
        Contribution.withdrawn_at.is_(None)).order_by(Contribution.id).limit(classified))
    for contribution in contributions:
        component_id = contribution.component_id or getattr(
            contribution.commitment, "component_id", None)
        classify_contribution(contribution, actor=moderator, component_id=component_id,
                              commitment_id=contribution.commitment_id)
