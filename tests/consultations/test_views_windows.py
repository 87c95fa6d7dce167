"""What only HTTP shows of windows and of consultations recorded after the fact: the
staff forms, the labels on public pages, one-day phases, an unticked new form."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.consultations import operations
from consulta.consultations.models import Consultation, ParticipationWindow, Phase
from consulta.core.dates import local_to_utc, local_today, utcnow
from consulta.extensions import db

from ..conftest import login


@pytest.fixture
def secretariat(app, client, create_user):
    user = create_user(roles=("secretariat",))
    login(client, user)
    return user


def text_of(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def lima(day, hour=0):
    return local_to_utc(datetime.combine(day, time(hour, 0)))


def in_days(app, days):
    """The local calendar day ``days`` from today, as the forms take it."""
    with app.app_context():
        return (local_today() + timedelta(days=days)).isoformat()


@pytest.fixture
def recorded_2016(app, create_consultation, secretariat, client):
    """The La Libertad consultation of 2016 (workshop on 11 May), recorded after the fact
    through the secretariat's form."""
    with app.test_request_context():
        opens, closes = lima(date(2016, 5, 2), 9), lima(date(2016, 6, 30), 18)
    slug = create_consultation(announced=False, opens_at=opens, closes_at=closes,
                               actor=secretariat, title="Consulta La Libertad 2016",
                               methodology="Taller descentralizado.")
    with app.app_context():
        phase = db.session.scalar(select(Phase))
        phase.name, phase.starts_on, phase.ends_on = ("Taller descentralizado",
                                                      date(2016, 5, 11), date(2016, 5, 11))
        db.session.commit()
    response = client.post_form(f"/consultations/{slug}/record-past", {
        "announced_on": "2016-04-20", "reference": "https://www.regionlalibertad.gob.pe/aviso"})
    assert response.status_code == 302
    return slug


def test_nothing_is_pre_ticked_on_the_new_consultation_form(app, client, secretariat,
                                                           create_entity):
    create_entity("Secretaría de Gobierno y Transformación Digital")  # the form needs one
    page = client.get("/consultations/new").get_data(as_text=True)
    start = page.index('<form method="post" class="stacked wide"')
    form = page[start:page.index("</form>", start)]
    assert 'name="channels"' in form
    assert "checked" not in form


def test_a_consultation_recorded_after_the_fact_says_so_on_its_public_pages(
        app, recorded_2016):
    visitor = app.test_client()
    for url in (f"/consultations/{recorded_2016}",
                f"/consultations/{recorded_2016}/contributions",
                f"/consultations/{recorded_2016}/events"):
        page = text_of(visitor.get(url))
        assert "Registrada después de realizada, el " in page, url
    page = visitor.get(f"/consultations/{recorded_2016}").get_data(as_text=True)
    assert 'href="https://www.regionlalibertad.gob.pe/aviso"' in page
    assert "Anunciada el 20 de abril de 2016" in text_of(visitor.get(
        f"/consultations/{recorded_2016}"))
    # No change notice: recording what happened is not a change.
    assert 'aria-labelledby="h-notices"' not in page


def test_a_one_day_phase_reads_as_one_day(app, recorded_2016):
    page = text_of(app.test_client().get(f"/consultations/{recorded_2016}"))
    assert "11 de mayo de 2016" in page
    assert "11 de mayo de 2016 – 11 de mayo de 2016" not in page


def test_a_past_record_in_the_future_is_refused_by_the_form(app, client, secretariat,
                                                            create_consultation):
    with app.test_request_context():
        opens, closes = lima(date(2016, 5, 2), 9), lima(date(2016, 6, 30), 18)
        tomorrow = (local_today() + timedelta(days=1)).isoformat()
    slug = create_consultation(announced=False, opens_at=opens, closes_at=closes,
                               actor=secretariat)
    response = client.post_form(f"/consultations/{slug}/record-past", {
        "announced_on": tomorrow, "reference": "El Peruano"})
    assert response.status_code == 200
    assert "está en el futuro" in response.get_data(as_text=True)
    response = client.post_form(f"/consultations/{slug}/record-past", {
        "announced_on": "2016-04-20", "reference": ""})
    assert response.status_code == 200
    assert "Este campo es obligatorio." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Consultation.announced_at)) is None


def test_the_secretariat_adds_a_second_window_with_its_reason(app, client, secretariat,
                                                             create_consultation):
    slug = create_consultation(opens_in_days=-30, closes_in_days=-5)
    page = client.get(f"/consultations/{slug}/windows")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    with app.test_request_context():
        closes = (local_to_utc(datetime.combine(local_today() + timedelta(days=7),
                                                time(18, 0))))
    form = {"channel": "web", "opens_at": "", "closes_at": in_days(app, 7) + "T18:00",
            "reason": "Pedido de la sociedad civil"}
    response = client.post_form(f"/consultations/{slug}/windows", {**form, "reason": ""})
    assert "Indica por qué" in response.get_data(as_text=True)
    # Without CSRF the form is refused too.
    assert client.post(f"/consultations/{slug}/windows", data=form).status_code == 400
    response = client.post_form(f"/consultations/{slug}/windows", form)
    assert response.status_code == 302
    with app.app_context():
        windows = db.session.scalars(select(ParticipationWindow)
                                     .order_by(ParticipationWindow.opens_at)).all()
        assert len(windows) == 2 and windows[1].closes_at == closes
        assert windows[1].reason == "Pedido de la sociedad civil"
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "window.dates_changed")).actor_id == secretariat.id
    response = app.test_client().get(f"/consultations/{slug}")
    public = text_of(response)
    assert "Ventanas de participación" in public
    assert "Motivo: Pedido de la sociedad civil." in public
    # The second window is open now: the page invites to take part on the web.
    assert f'href="/consultations/{slug}/contribute"' in response.get_data(as_text=True)


def test_a_window_ending_before_it_starts_is_refused_by_the_form(app, client, secretariat,
                                                                create_consultation):
    slug = create_consultation(opens_in_days=10, closes_in_days=40)
    day = in_days(app, 50)
    response = client.post_form(f"/consultations/{slug}/windows", {
        "channel": "workshop", "opens_at": f"{day}T18:00", "closes_at": f"{day}T09:00",
        "reason": "Talleres"})
    assert response.status_code == 200
    assert "debe terminar después de empezar" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ParticipationWindow).count() == 1


def test_extending_a_closed_window_through_its_page_adds_a_window_from_now(
        app, client, secretariat, create_consultation):
    slug = create_consultation(opens_in_days=-30, closes_in_days=-5)
    with app.app_context():
        window_id = db.session.scalar(select(ParticipationWindow.id))
    assert client.get(f"/consultations/{slug}/windows/{window_id}/edit").status_code == 200
    before = utcnow()
    response = client.post_form(f"/consultations/{slug}/windows/{window_id}/extend", {
        "closes_at": in_days(app, 3) + "T18:00",
        "reason": "Ampliación acordada con el foro"})
    assert response.status_code == 302
    with app.app_context():
        first, second = db.session.scalars(select(ParticipationWindow)
                                           .order_by(ParticipationWindow.opens_at)).all()
        assert first.id == window_id and first.closes_at < before
        assert second.opens_at >= before - timedelta(seconds=1)


def test_while_only_workshops_receive_the_page_says_when_the_web_opens_again(
        app, create_consultation, create_user):
    slug = create_consultation(opens_in_days=-30, closes_in_days=-1, announced_days_ago=40)
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        actor = db.session.get(User, secretariat.id)
        consultation = db.session.scalar(select(Consultation))
        operations.add_window(consultation, actor=actor, channel="workshop",
                              opens_at=consultation.opens_at,
                              closes_at=utcnow() + timedelta(days=10), reason="Talleres")
        operations.add_window(consultation, actor=actor, channel="web",
                              opens_at=utcnow() + timedelta(days=3),
                              closes_at=utcnow() + timedelta(days=10), reason="Segunda")
        db.session.commit()
    response = app.test_client().get(f"/consultations/{slug}")
    page = text_of(response)
    assert "El formulario web está cerrado ahora; se vuelve a abrir el" in page
    assert f'href="/consultations/{slug}/contribute"' not in response.get_data(as_text=True)
