"""Moderators record events and type in contributions that arrived offline."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consulta.accounts.models import User
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation, Event
from consulta.contributions.models import Contribution
from consulta.core.dates import local_today
from consulta.extensions import db

from ..conftest import iv_plan_json, login


@pytest.fixture
def consultation(create_consultation):
    return create_consultation(plan=iv_plan_json())


@pytest.fixture
def moderator(app, create_user):
    user = create_user(roles=("moderator",))
    client = app.test_client()
    login(client, user)
    return user, client


def component_id(app, slug, name="Seguridad ciudadana"):
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        return next(c.id for c in consultation.components if c.name == name)


ATTENDANCE = {
    "attendance-0-sector": "regional_government", "attendance-0-participants": "38",
    "attendance-0-women": "13",
    "attendance-1-sector": "local_government", "attendance-1-participants": "8",
    "attendance-1-women": "1",
    "attendance-2-sector": "civil_society", "attendance-2-participants": "4",
    "attendance-2-women": "3",
}


def test_a_moderator_records_an_event_with_attendance(app, moderator, consultation):
    _user, client = moderator
    response = client.post_form(f"/consultations/{consultation}/events/new", {
        "kind": "workshop", "title": "Taller descentralizado - La Libertad",
        "held_on": "2026-05-11", "place": "Trujillo", "region": "la-libertad",
        **ATTENDANCE})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert (event.total_participants, event.total_women) == (50, 17)
    page = app.test_client().get(f"/consultations/{consultation}/events").get_data(as_text=True)
    assert "Taller descentralizado - La Libertad" in page and "50" in page


def test_attendance_rows_are_checked(app, moderator, consultation):
    _user, client = moderator
    base = {"kind": "workshop", "title": "Taller", "held_on": "2026-05-11",
            "region": "la-libertad"}
    for rows in ({"attendance-0-sector": "academia", "attendance-0-participants": "2",
                  "attendance-0-women": "5"},
                 {"attendance-0-sector": "academia", "attendance-0-participants": "2",
                  "attendance-1-sector": "academia", "attendance-1-participants": "3"},
                 {"attendance-0-participants": "4"}):
        response = client.post_form(f"/consultations/{consultation}/events/new",
                                    {**base, **rows})
        assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0
    # "Add another sector" shows one more row without JavaScript and saves nothing.
    page = client.post_form(f"/consultations/{consultation}/events/new",
                            {**base, "add_row": "1"}).get_data(as_text=True)
    assert 'name="attendance-3-sector"' in page


def test_a_paper_proposal_needs_only_title_and_component(app, moderator, consultation):
    user, client = moderator
    response = client.post_form(f"/consultations/{consultation}/contributions/offline/new", {
        "kind": "proposal", "channel": "workshop", "received_on": "2026-05-11",
        "received_outside_window": "y", "component": str(component_id(app, consultation)),
        "title": "Plataforma web que integre los servicios públicos"})
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Contribution))
        assert item.channel == "workshop" and item.entered_by_id == user.id
        assert item.author_id is None and item.problem == ""
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "contribution.entered_offline")).actor_id == user.id
        code = item.tracking_code
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert "Talleres presenciales" in page or "Taller" in page


def test_offline_author_names_are_public_only_with_consent(app, moderator, consultation):
    _user, client = moderator
    for name, public in (("Juana Pérez", "y"), ("Carlos Díaz", "")):
        client.post_form(f"/consultations/{consultation}/contributions/offline/new", {
            "kind": "comment", "channel": "written", "title": f"Aporte de {name.split()[0]}",
            "author_name": name, "author_name_public": public,
            "author_email": f"{name.split()[0].lower()}@example.pe", "sector": "citizen"})
    page = app.test_client().get(f"/consultations/{consultation}/contributions").get_data(
        as_text=True)
    assert "Juana Pérez" in page and "Carlos Díaz" not in page
    api = app.test_client().get(f"/api/v1/consultations/{consultation}/contributions")
    text = api.get_data(as_text=True)
    assert "Juana Pérez" in text and "Carlos Díaz" not in text
    assert "@example.pe" not in text


def test_offline_input_requires_a_title(app, moderator, consultation):
    _user, client = moderator
    response = client.post_form(f"/consultations/{consultation}/contributions/offline/new", {
        "kind": "proposal", "channel": "written",
        "component": str(component_id(app, consultation))})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0


@pytest.mark.parametrize("url", ["/contributions/offline/new", "/events/new"])
def test_participants_cannot_type_in_or_record_events(app, consultation, create_user, url):
    client = app.test_client()
    login(client, create_user())
    assert client.get(f"/consultations/{consultation}{url}").status_code == 403
    assert client.post_form(f"/consultations/{consultation}{url}",
                            {"title": "x", "kind": "proposal"}).status_code == 403


def test_demo_has_the_la_libertad_workshop_and_web_participation(app):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert (event.total_participants, event.total_women) == (60, 17)
        offline = db.session.scalars(select(Contribution).where(
            Contribution.event_id == event.id)).all()
        assert sum(c.channel == "workshop" for c in offline) == 7
        assert sum(c.channel == "written" for c in offline) == 3
        web = db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.channel == "web"))
        assert web >= 15
    client = app.test_client()
    data = client.get("/api/v1/consultations/iv-plan-gobierno-abierto/contributions"
                      "?per_page=100").get_json()
    assert data["total"] == len(data["contributions"]) >= 25
    assert any(c["supports"] > 0 for c in data["contributions"])
    text = client.get("/api/v1/consultations/iv-plan-gobierno-abierto/contributions"
                      "?per_page=100").get_data(as_text=True)
    assert "@demo.consulta.pe" not in text


def test_a_correction_that_leaves_out_the_co_responsible_keeps_them(app, moderator,
                                                                    consultation):
    """A field missing from the post keeps the stored list (it used to be a 500)."""
    _user, client = moderator
    proposal = {"kind": "proposal", "channel": "written", "title": "Hoja",
                "component": str(component_id(app, consultation)),
                "co_responsible": "MINSA\nDIGEMID"}
    response = client.post_form(f"/consultations/{consultation}/contributions/offline/new",
                                proposal)
    code = response.headers["Location"].rsplit("/", 1)[1]
    without = {k: v for k, v in proposal.items() if k != "co_responsible"}
    response = client.post_form(f"/contributions/{code}/correct", {**without, "title": "Hoja 2"})
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(Contribution))
        assert (stored.title, stored.co_responsible) == ("Hoja 2", ["MINSA", "DIGEMID"])


def test_event_and_reception_dates_outside_1900_to_2200_are_form_errors(app, moderator,
                                                                       consultation):
    _user, client = moderator
    for held_on in ("0001-01-01", "9999-12-31"):
        response = client.post_form(f"/consultations/{consultation}/events/new", {
            "kind": "workshop", "title": "Taller", "held_on": held_on,
            "region": "la-libertad"})
        assert response.status_code == 200
    response = client.post_form(f"/consultations/{consultation}/contributions/offline/new", {
        "kind": "comment", "channel": "written", "title": "Carta",
        "received_on": "9999-12-31"})
    assert response.status_code == 200
    assert "Ingresa una fecha entre los años 1900 y 2200." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0


# --- the received date, the web channel, voiding ----------------------------------------

def _offline(client, consultation, **fields):
    return client.post_form(f"/consultations/{consultation}/contributions/offline/new", {
        "kind": "comment", "channel": "written", "title": "Carta de la junta vecinal",
        **fields})


def test_a_received_date_in_the_future_or_before_2000_is_a_form_error(app, moderator,
                                                                      consultation):
    _user, client = moderator
    with app.app_context():
        tomorrow = (local_today() + timedelta(days=1)).isoformat()
    for received_on, message in (
            (tomorrow, "La fecha de recepción no puede estar en el futuro."),
            ("1999-12-31", "La fecha de recepción no puede ser anterior al 1 de enero de "
                           "2000.")):
        response = _offline(client, consultation, received_on=received_on)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0


def test_the_offline_form_offers_the_web_channel_for_forms_outside_the_platform(
        app, moderator, consultation):
    _user, client = moderator
    page = client.get(f"/consultations/{consultation}/contributions/offline/new").get_data(
        as_text=True)
    assert 'value="web"' in page and "Web, fuera de este sitio" in page
    response = _offline(client, consultation, channel="web", received_on="2026-05-11",
                        received_outside_window="y")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Contribution))
        assert (item.channel, item.is_offline) == ("web", True)
        code = item.tracking_code
    assert code.startswith("APO-2026-")
    page = app.test_client().get(f"/contributions/{code}").get_data(as_text=True)
    assert "Web, fuera de este sitio" in page and "11 de mayo de 2026" in page


def test_a_moderator_voids_a_typed_in_record_and_only_staff_still_see_it(
        app, moderator, consultation, create_contribution):
    user, client = moderator
    typed = create_contribution(consultation, channel="written", author=user)
    kept = create_contribution(consultation, channel="written", author=user)
    detail = f"/contributions/{typed}"
    page = client.get(detail).get_data(as_text=True)
    assert f"/contributions/{typed}/void" in page
    # The form asks for a reason first; nothing changes without one.
    assert client.get(f"{detail}/void").status_code == 200
    response = client.post_form(f"{detail}/void", {"reason": "  "})
    assert response.status_code == 200
    assert "Di por qué se anula el registro." in response.get_data(as_text=True)
    response = client.post_form(f"{detail}/void", {"reason": "Ingresado dos veces."})
    assert response.status_code == 302 and response.headers["Location"].endswith(detail)
    page = client.get(detail).get_data(as_text=True)
    assert "Registro anulado" in page and "Ingresado dos veces." in page
    with app.app_context():
        assert db.session.get(User, user.id).display_name in page
    # Gone for the public: its page, the list.
    public = app.test_client()
    assert public.get(detail).status_code == 404
    listing = public.get(f"/consultations/{consultation}/contributions").get_data(as_text=True)
    assert typed not in listing and kept in listing
    # Sent twice: the second does nothing more.
    assert client.post_form(f"{detail}/void", {"reason": "Otra vez"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "contribution.voided")) == 1


def test_web_contributions_have_no_void_form_and_participants_cannot_void(
        app, consultation, create_user, create_contribution):
    web = create_contribution(consultation)
    typed = create_contribution(consultation, channel="written")
    staff = app.test_client()
    login(staff, create_user(roles=("moderator",)))
    assert staff.get(f"/contributions/{web}/void").status_code == 404
    participant = app.test_client()
    login(participant, create_user())
    assert participant.get(f"/contributions/{typed}/void").status_code == 403
    assert participant.post_form(f"/contributions/{typed}/void",
                                 {"reason": "No me gusta"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.voided_at.is_not(None))) == 0


def test_a_received_date_outside_the_windows_asks_for_the_tick_and_staff_see_it(
        app, moderator, create_consultation):
    """A letter received after the consultation closed (no window of its channel: the
    consultation's period) is saved only once the moderator ticks that it came late."""
    _user, client = moderator
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-30, closes_in_days=-5)
    with app.app_context():
        late = (local_today() - timedelta(days=2)).isoformat()
    form = client.get(f"/consultations/{slug}/contributions/offline/new").get_data(
        as_text=True)
    assert 'name="received_outside_window"' not in form  # asked only when it matters
    response = _offline(client, slug, received_on=late)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "queda fuera de las ventanas de participación del canal" in page
    assert 'name="received_outside_window"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
    response = _offline(client, slug, received_on=late, received_outside_window="y")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Contribution))
        assert item.received_outside_window is True
        code = item.tracking_code
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "contribution.entered_offline"))
        assert entry.after["received_outside_window"] is True
    label = "recibido fuera de las ventanas de participación (tardío o anticipado)"
    assert label in client.get(f"/contributions/{code}").get_data(as_text=True)
    assert label not in app.test_client().get(f"/contributions/{code}").get_data(
        as_text=True)
    # Its correction form shows the tick, kept.
    correction = client.get(f"/contributions/{code}/correct").get_data(as_text=True)
    assert re.search(r'name="received_outside_window"[^>]*checked|checked[^>]*'
                     r'name="received_outside_window"', correction)
    # Unticked with the date still outside: refused, nothing changed.
    response = client.post_form(f"/contributions/{code}/correct", {
        "channel": "written", "title": "Carta de la junta vecinal", "received_on": late})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Contribution)).received_outside_window is True
