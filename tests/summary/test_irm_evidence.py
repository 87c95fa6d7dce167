"""The IRM checklist's channel, awareness and forum verdicts come from what happened, and
each names the data it used: a work table is not a workshop, a channel announced but not
used is no evidence, a forum's name alone is no forum, and unknown attendance is no zero."""

from datetime import timedelta

import pytest
from flask import render_template

from consulta.consultations import operations as consultations
from consulta.core.dates import local_today
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.summary.figures import compute_figures
from consulta.summary.irm import checklist, guidelines

from ..conftest import iv_plan_json, login
from .conftest import consultation_of, record_event, user


def refusal(action):
    """The message of the ``OperationError`` that ``action()`` raises, rolled back."""
    with pytest.raises(OperationError) as refused:
        action()
    db.session.rollback()
    return refused.value.message


def irm_of(slug):
    """{key: item} of the checklist as publishing would freeze it, and its HTML."""
    consultation = consultation_of(slug)
    items = checklist(consultation, compute_figures(consultation), summary_published=True)
    html = render_template("summary/_content.html", content={
        "figures": compute_figures(consultation), "irm": items,
        "timeline": {"announced_at": None, "opens_at": consultation.opens_at.isoformat(),
                     "closes_at": consultation.closes_at.isoformat(),
                     "first_summary_at": None, "phases": []}}, guidelines=guidelines())
    return {item["key"]: item for item in items}, " ".join(html.split())


def test_channels_are_the_ones_used_with_what_each_produced(
        app, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json(), channels=["web", "workshop"])
    create_contribution(slug)
    create_contribution(slug)
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator, kind="work_table", attendees_total=136)
        irm, html = irm_of(slug)
    channels = irm["multiple_channels"]
    assert channels["verdict"] == "met"
    assert channels["evidence"] == {
        "channels": [{"channel": "web", "contributions": 2, "events": 0},
                     {"channel": "work_table", "contributions": 0, "events": 1}],
        "online": ["web"], "in_person": ["work_table"], "announced_unused": ["workshop"]}
    assert "Canales usados: Web (esta plataforma) (2 aportes), Mesas de trabajo (1 evento)." \
        " Anunciados pero no usados: Talleres presenciales." in html


def test_a_channel_announced_but_not_used_is_no_evidence(app, create_consultation,
                                                         create_contribution):
    slug = create_consultation(plan=iv_plan_json(), channels=["web", "workshop", "email"])
    create_contribution(slug)
    with app.test_request_context():
        irm, html = irm_of(slug)
    channels = irm["multiple_channels"]
    assert channels["verdict"] == "not_met"
    assert [c["channel"] for c in channels["evidence"]["channels"]] == ["web"]
    assert channels["evidence"]["announced_unused"] == ["workshop", "email"]
    assert "Canales usados: Web (esta plataforma) (1 aporte)." in html


def test_an_information_session_is_not_a_channel_but_raises_awareness(
        app, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json(), channels=["web"])
    create_contribution(slug)
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator, kind="outreach", attendees_total=40)
        irm, _html = irm_of(slug)
    assert irm["multiple_channels"]["verdict"] == "not_met"
    assert irm["awareness_raising"]["verdict"] == "met"


def test_typed_in_workshop_input_counts_with_its_workshop(
        app, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json(), channels=["web", "workshop"])
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator, kind="workshop",
                     attendance=[("regional_government", 38, 13)])
    create_contribution(slug, channel="workshop", author_name="Mesa 1")
    create_contribution(slug, channel="email", author_email="a@example.pe")
    with app.test_request_context():
        irm, html = irm_of(slug)
    assert irm["multiple_channels"]["verdict"] == "met"
    assert irm["multiple_channels"]["evidence"]["channels"] == [
        {"channel": "workshop", "contributions": 1, "events": 1},
        {"channel": "email", "contributions": 1, "events": 0}]
    assert "Talleres presenciales (1 aporte, 1 evento)" in html


def test_awareness_says_the_attendance_as_known(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=5)
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        today = local_today()
        record_event(slug, moderator, held_on=today - timedelta(days=3), attendees_total=136)
        record_event(slug, moderator, held_on=today - timedelta(days=2))
        # After the closing: follows the consultation up, raises no awareness of it.
        record_event(slug, moderator, held_on=today + timedelta(days=30), attendees_total=50)
        irm, html = irm_of(slug)
    awareness = irm["awareness_raising"]
    assert awareness["verdict"] == "met"
    assert awareness["evidence"] == {"events": 3, "events_before_closing": 2, "counted": 1,
                                     "attendees": 136, "in_sectors": 0,
                                     "gender_recorded": 0, "women": 0}
    assert "2 eventos registrados antes del cierre; 136 asistentes; sector no registrado; " \
           "género no registrado (asistencia no registrada en 1 evento)." in html
    assert "0 asistentes" not in html


def test_awareness_never_shows_zero_attendees_when_nobody_counted(
        app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator)
        irm, html = irm_of(slug)
    assert irm["awareness_raising"]["evidence"]["attendees"] is None
    assert "1 evento registrado antes del cierre; asistencia no registrada." in html
    assert "0 asistentes" not in html


def test_a_forum_name_alone_is_not_a_forum(app, create_consultation):
    slug = create_consultation(plan=iv_plan_json(), forum_name="Comisión Multisectorial")
    with app.test_request_context():
        irm, html = irm_of(slug)
    forum = irm["consultation_during_implementation"]
    assert forum["verdict"] == "not_met"
    assert forum["evidence"] == {"forum": "Comisión Multisectorial", "members_by_sector": {},
                                 "members": 0, "meetings": [],
                                 "implementation_followup": False}
    assert "Foro: Comisión Multisectorial. No se registraron miembros por sector. " \
           "No se registró ninguna reunión." in html


def test_a_standing_forum_is_partly_met_until_implementation_is_followed(
        app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json(), forum_name="Comisión Multisectorial")
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        consultations.update_consultation(
            consultation_of(slug), actor=user(secretariat),
            forum_members={"civil_society": 5, "national_government": 4, "academia": 0},
            forum_meetings=["2016-09-20", "2016-03-14", "2016-03-14"])
        db.session.commit()
        consultation = consultation_of(slug)
        assert consultation.forum_members == {"civil_society": 5, "national_government": 4}
        assert consultation.forum_meetings == ["2016-03-14", "2016-09-20"]
        irm, html = irm_of(slug)
    forum = irm["consultation_during_implementation"]
    assert forum["verdict"] == "partly_met"
    assert forum["evidence"]["members"] == 9
    assert "Miembros por sector: Organización de la sociedad civil 5, Entidad pública " \
           "nacional 4. Reuniones: 14 de marzo de 2016, 20 de septiembre de 2016." in html
    assert "El seguimiento de la implementación aún no se registra aquí." in html


def test_forum_evidence_that_cannot_be_is_refused(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json(), forum_name="Comisión")
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        tomorrow = (local_today() + timedelta(days=1)).isoformat()
        for values, message in (
                ({"forum_meetings": [tomorrow]}, "aún no se ha realizado"),
                ({"forum_meetings": ["14/03/2016"]}, "AAAA-MM-DD"),
                ({"forum_members": {"martians": 3}}, "sector de la lista"),
                ({"forum_members": {"academia": -1}}, "sector de la lista")):
            assert message in refusal(lambda values=values: consultations.update_consultation(
                consultation_of(slug), actor=user(secretariat), **values))
        consultation = consultation_of(slug)
        assert (consultation.forum_members, consultation.forum_meetings) == ({}, [])


FORM = {"title": "Consulta", "summary": "Resumen.", "scope": "national",
        "entity": "secretaria", "forum_name": "Comisión Multisectorial",
        "methodology": "", "channels": ["web"], "opens_at": "2030-03-01T09:00",
        "closes_at": "2030-03-31T18:00"}


def test_the_consultation_form_records_the_forum(app, create_user, create_entity):
    create_entity("Secretaría")
    client = app.test_client()
    login(client, create_user(roles=("secretariat",)))
    page = client.post_form("/consultations/new", {
        **FORM, "forum_meetings": "2016-03-14\nel 20 de septiembre"}).get_data(as_text=True)
    assert "Escribe cada fecha como AAAA-MM-DD" in page
    response = client.post_form("/consultations/new", {
        **FORM, "forum_members-civil_society": "5", "forum_members-academia": "2",
        "forum_meetings": "2016-09-20\n2016-03-14\n"})
    assert response.status_code == 302
    with app.app_context():
        consultation = consultation_of("consulta")
        assert consultation.forum_members == {"civil_society": 5, "academia": 2}
        assert consultation.forum_meetings == ["2016-03-14", "2016-09-20"]
    page = client.get("/consultations/consulta/edit").get_data(as_text=True)
    assert 'name="forum_members-civil_society"' in page and 'value="5"' in page
    assert "2016-03-14\n2016-09-20" in page
