"""Events record their attendance as it was known: a total, a gender breakdown and rows
by sector, each of which may be partial or unknown, and never a zero for "unknown"."""

from datetime import date

import pytest
from sqlalchemy import select, text

from consulta.consultations.models import Event
from consulta.contributions import operations
from consulta.extensions import db

from ..conftest import _test_database, login, make_app
from .conftest import audit_entries, consultation_of, count, refusal, user_of

DETAILS = {"kind": "work_table", "title": "Mesas temáticas de trabajo",
           "held_on": date(2016, 6, 14), "place": "Lima", "region": "lima-metropolitana",
           "description": ""}


@pytest.fixture
def moderator(create_user):
    return create_user(roles=("moderator",))


def save(slug, moderator, event=None, **attendance):
    return operations.save_event(consultation_of(slug), actor=user_of(moderator), event=event,
                                 **DETAILS, **attendance)


def events_page(app, slug):
    return app.test_client().get(f"/consultations/{slug}/events").get_data(as_text=True)


def test_a_total_is_recorded_without_any_sector(app, slug, moderator):
    with app.test_request_context():
        event = save(slug, moderator, attendees_total=136)
        db.session.commit()
        assert (event.attendees_total, event.sector_recorded_count,
                event.sector_unrecorded_count) == (136, 0, 136)
        assert (event.gender_recorded_count, event.attendees_women) == (None, None)
        assert event.attendance == []
        [entry] = audit_entries("event.created")
        assert (entry.after["participants"], entry.after["women"]) == (136, None)
    page = events_page(app, slug)
    assert "136 asistentes; sector no registrado; género no registrado" in page
    assert "0 asistentes" not in page


def test_an_event_whose_attendance_nobody_counted_says_so(app, slug, moderator):
    with app.test_request_context():
        event = save(slug, moderator)
        db.session.commit()
        assert (event.attendees_total, event.sector_unrecorded_count) == (None, None)
    page = events_page(app, slug)
    assert "Asistencia: asistencia no registrada." in page
    assert "0 asistentes" not in page


def test_rows_by_sector_may_cover_part_of_the_total(app, slug, moderator):
    with app.test_request_context():
        event = save(slug, moderator, attendees_total=60,
                     attendance=[("civil_society", 20, None), ("academia", 5, None)])
        db.session.commit()
        assert (event.sector_recorded_count, event.sector_unrecorded_count) == (25, 35)
        assert [(r.sector, r.participants, r.women) for r in event.attendance] == [
            ("civil_society", 20, None), ("academia", 5, None)]
        assert event.attendees_women is None
    page = events_page(app, slug)
    assert "60 asistentes; sector no registrado para 35; género no registrado" in page
    assert "Sector no registrado" in page


def test_women_are_counted_out_of_those_whose_gender_was_recorded(app, slug, moderator):
    with app.test_request_context():
        event = save(slug, moderator, attendees_total=136, gender_recorded_count=60,
                     attendees_women=17)
        db.session.commit()
        assert (event.attendees_total, event.gender_recorded_count,
                event.attendees_women) == (136, 60, 17)
    assert "mujeres: 17 de 60 con género registrado" in events_page(app, slug)


def test_women_given_without_a_gender_count_mean_everyone_was_recorded(app, slug, moderator):
    with app.test_request_context():
        event = save(slug, moderator, attendees_total=60, attendees_women=17)
        db.session.commit()
        assert (event.gender_recorded_count, event.attendees_women) == (60, 17)


def test_rows_with_their_women_give_the_total_and_the_gender_breakdown(app, slug, moderator):
    """The sheet of the La Libertad workshop: every row counts its women."""
    with app.test_request_context():
        event = save(slug, moderator, attendance=[("regional_government", 38, 13),
                                                  ("local_government", 8, 1),
                                                  ("academia", 5, 0)])
        db.session.commit()
        assert (event.attendees_total, event.gender_recorded_count,
                event.attendees_women) == (51, 51, 14)
        # Only the rows whose women were counted make the gender base.
        event = save(slug, moderator, event=event,
                     attendance=[("regional_government", 38, 13), ("citizen", 10, None)])
        db.session.commit()
        assert (event.attendees_total, event.gender_recorded_count,
                event.attendees_women) == (48, 38, 13)


@pytest.mark.parametrize("attendance,message", [
    ({"attendees_total": 20, "attendance": [("civil_society", 20, None),
                                            ("academia", 5, None)]},
     "El total de asistentes (20) es menor que la suma de las filas por sector (25)"),
    ({"attendees_total": 10, "attendees_women": 11},
     "No puede haber más mujeres (11) que asistentes (10)"),
    ({"attendees_total": 100, "gender_recorded_count": 10, "attendees_women": 11},
     "No puede haber más mujeres (11) que personas con género registrado (10)"),
    ({"attendees_total": 10, "gender_recorded_count": 11, "attendees_women": 1},
     "Las personas con género registrado (11) no pueden ser más que los asistentes (10)"),
    ({"attendees_total": 10, "gender_recorded_count": 8},
     "Indica cuántas de las personas con género registrado eran mujeres"),
    ({"attendees_women": 3}, "Indica el total de asistentes"),
    ({"attendees_total": -1}, "deben ser números enteros de 0 a"),
    ({"attendees_total": 10, "gender_recorded_count": -2, "attendees_women": 0},
     "deben ser números enteros de 0 a"),
    ({"attendance": [("academia", -3, None)]}, "deben ser números enteros de 0 a"),
    ({"attendance": [("academia", 3, -1)]}, "deben ser números enteros de 0 a"),
    ({"attendance": [("academia", 3, 4)]},
     "No puede haber más mujeres que participantes en un sector"),
    ({"attendance": [("academia", 3, 1), ("academia", 2, 1)]},
     "Cada sector puede aparecer solo una vez"),
    ({"attendance": [("martians", 3, None)]}, "Elige sectores de la lista"),
    ({"attendees_total": 50, "attendees_women": 5,
      "attendance": [("academia", 10, 6)]},
     "Las filas por sector cuentan más mujeres"),
])
def test_impossible_attendance_is_refused_and_changes_nothing(app, slug, moderator,
                                                              attendance, message):
    with app.test_request_context():
        event = save(slug, moderator, attendees_total=30, gender_recorded_count=30,
                     attendees_women=12, attendance=[("citizen", 30, 12)])
        db.session.commit()
        assert message in refusal(lambda: save(slug, moderator, event=event, **attendance))
        assert message in refusal(lambda: save(slug, moderator, **attendance))
        assert count(Event) == 1
        event = db.session.get(Event, event.id)
        assert (event.attendees_total, event.gender_recorded_count, event.attendees_women,
                [(r.sector, r.participants, r.women) for r in event.attendance]) == (
            30, 30, 12, [("citizen", 30, 12)])
        assert len(audit_entries("event.updated")) == 0


@pytest.fixture
def moderator_client(app, moderator):
    client = app.test_client()
    login(client, moderator)
    return client


FORM = {"kind": "work_table", "title": "Mesas temáticas", "held_on": "2016-06-14",
        "region": "lima-metropolitana"}


def test_the_form_records_a_total_without_sectors(app, slug, moderator_client):
    response = moderator_client.post_form(f"/consultations/{slug}/events/new", {
        **FORM, "attendees_total": "136"})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert (event.kind, event.attendees_total, event.attendees_women) == (
            "work_table", 136, None)
        assert event.attendance == []


def test_the_form_keeps_an_empty_women_count_unknown(app, slug, moderator_client):
    response = moderator_client.post_form(f"/consultations/{slug}/events/new", {
        **FORM, "attendees_total": "40", "attendance-0-sector": "civil_society",
        "attendance-0-participants": "12"})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert [(r.sector, r.participants, r.women) for r in event.attendance] == [
            ("civil_society", 12, None)]
        assert (event.attendees_total, event.attendees_women) == (40, None)


@pytest.mark.parametrize("data,message", [
    ({"attendees_total": "20", "attendance-0-sector": "academia",
      "attendance-0-participants": "25"},
     "El total de asistentes (20) es menor que la suma de las filas por sector (25)"),
    ({"attendees_total": "10", "attendees_women": "12"},
     "No puede haber más mujeres (12) que asistentes (10)"),
    ({"attendees_total": "100", "gender_recorded_count": "10", "attendees_women": "12"},
     "No puede haber más mujeres (12) que personas con género registrado (10)"),
    ({"attendees_total": "-5"}, "Ingresa un número igual o mayor que 0."),
    ({"attendance-0-sector": "academia", "attendance-0-participants": "-2"},
     "Ingresa un número igual o mayor que 0."),
    ({"attendance-0-participants": "4"}, "Una fila con cifras necesita su sector"),
    ({"attendance-0-sector": "academia"}, "Indica cuántas personas de cada sector"),
])
def test_the_form_says_what_is_wrong_and_saves_nothing(app, slug, moderator_client, data,
                                                      message):
    response = moderator_client.post_form(f"/consultations/{slug}/events/new",
                                          {**FORM, **data})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert count(Event) == 0


def test_the_migration_fills_the_attendance_from_the_rows(tmp_path_factory):
    """Rows with women: gender recorded for all; rows all at 0 women: the form had stored
    a blank, so gender is "not recorded"; no rows: the total is not recorded."""
    from flask_migrate import downgrade, upgrade

    url, drop = _test_database(tmp_path_factory)
    app = make_app(url)
    try:
        with app.app_context():
            upgrade(revision="7a4e0c5d2b61")
            db.session.execute(text(
                "INSERT INTO consultations (id, slug, title, summary, description, scope, "
                "organizer, methodology, channels, opens_at, closes_at, requires_review, "
                "irm_notes, summary_introduction, created_at, updated_at) VALUES (1, 'c', "
                "'C', 'S', '', 'national', 'O', '', '[]', '2016-05-01 00:00:00+00:00', "
                "'2016-06-01 00:00:00+00:00', false, '{}', '', '2016-05-01 00:00:00+00:00', "
                "'2016-05-01 00:00:00+00:00')"))
            for event_id in (1, 2, 3):
                db.session.execute(text(
                    "INSERT INTO events (id, consultation_id, kind, title, held_on, place, "
                    "region, description, created_at) VALUES (:id, 1, 'workshop', 'T', "
                    "'2016-05-11', '', 'la-libertad', '', '2016-05-11 00:00:00+00:00')"),
                    {"id": event_id})
            for event_id, sector, participants, women in (
                    (1, "regional_government", 38, 13), (1, "academia", 5, 0),
                    (2, "other", 136, 0)):
                db.session.execute(text(
                    "INSERT INTO event_attendance (event_id, sector, participants, women) "
                    "VALUES (:e, :s, :p, :w)"),
                    {"e": event_id, "s": sector, "p": participants, "w": women})
            db.session.commit()
            upgrade()
            rows = db.session.execute(text(
                "SELECT id, attendees_total, gender_recorded_count, attendees_women "
                "FROM events ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, 43, 43, 13), (2, 136, None, None),
                                                (3, None, None, None)]
            women = db.session.execute(text(
                "SELECT event_id, sector, women FROM event_attendance ORDER BY id")).all()
            assert [tuple(r) for r in women] == [(1, "regional_government", 13),
                                                 (1, "academia", 0), (2, "other", None)]
            db.session.commit()
            downgrade(revision="7a4e0c5d2b61")
            assert db.session.execute(text(
                "SELECT women FROM event_attendance WHERE event_id = 2")).scalar() == 0
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()


def test_the_events_page_shows_no_gender_count_of_a_small_group(app, slug, moderator):
    """1 woman of 8 in a row singles her out: no event of the consultation shows its
    women (all or nothing, so that none is the difference of two others)."""
    with app.test_request_context():
        save(slug, moderator, attendance=[("regional_government", 38, 13),
                                          ("local_government", 8, 1)])
        save(slug, moderator, attendees_total=136, gender_recorded_count=60,
             attendees_women=17)
        db.session.commit()
    page = events_page(app, slug)
    assert "mujeres: no se muestra, para que no se distinga a ningún grupo de menos de 5 " \
           "personas" in page
    assert "17 de 60" not in page and "14 de 46" not in page
    assert "<td>menos de 5</td>" in page
