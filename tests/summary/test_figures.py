"""The summary's figures say exactly what is known: attendance never shows an unknown as
zero, the women's share counts only people whose gender was recorded, and the
participants say who they count (typed-in authors without a name included, apart)."""


from flask import render_template
from sqlalchemy import select

from consulta.consultations.models import Event
from consulta.extensions import db
from consulta.summary.figures import compute_figures
from consulta.summary.irm import guidelines
from consulta.summary.operations import preview_summary

from ..conftest import iv_plan_json
from .conftest import consultation_of, record_event


def summary_html(slug):
    """The summary as its page shows it (the preview renders the same template)."""
    return render_template("summary/_content.html", content=preview_summary(
        consultation_of(slug)), guidelines=guidelines())


def test_a_total_without_sectors_is_said_as_such(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator, attendees_total=136)
        events = compute_figures(consultation_of(slug))["events"]
        assert (events["attendees"], events["in_sectors"], events["sector_unrecorded"],
                events["gender_recorded"], events["by_sector"]) == (136, 0, 136, 0, {})
        html = summary_html(slug)
    assert "136 asistentes; sector no registrado; género no registrado" in html
    # "Otros" is a sector reached only when someone recorded it.
    assert "Otros" not in html


def test_attendance_nobody_counted_is_not_shown_as_zero(app, create_consultation,
                                                        create_user):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator)
        events = compute_figures(consultation_of(slug))["events"]
        assert (events["count"], events["counted"], events["attendees"]) == (1, 0, None)
        html = summary_html(slug)
    assert "asistencia no registrada." in html
    assert "<dt>Asistentes a eventos</dt><dd>no registrado</dd>" in html
    assert "0 asistentes" not in html


def test_events_with_and_without_a_count_add_only_what_was_counted(
        app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator, attendees_total=136)
        record_event(slug, moderator, kind="workshop")
        events = compute_figures(consultation_of(slug))["events"]
        assert (events["count"], events["counted"], events["attendees"]) == (2, 1, 136)
        assert events["by_kind"] == {"work_table": 1, "workshop": 1}
        html = summary_html(slug)
    assert "136 asistentes; sector no registrado; género no registrado " \
           "(asistencia no registrada en 1 evento)." in html


def test_the_women_share_counts_only_people_whose_gender_was_recorded(
        app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator, attendees_total=136, gender_recorded_count=60,
                     attendees_women=17)
        figures = compute_figures(consultation_of(slug))
        assert figures["women"] == {"count": 17, "known": 60, "share": 28.3}
        assert (figures["events"]["gender_recorded"], figures["events"]["women"]) == (60, 17)
        html = summary_html(slug)
    assert "mujeres: 17 de 60 con género registrado" in html
    assert "17 de 60 personas cuyo género se conoce" in html


def test_a_partial_breakdown_by_sector_lists_only_the_sectors_recorded(
        app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        record_event(slug, moderator, attendees_total=139,
                     attendance=[("civil_society", 3, 2)])
        figures = compute_figures(consultation_of(slug))
        assert figures["events"]["by_sector"] == {
            "civil_society": {"participants": 3, "women": 2}}
        assert figures["events"]["sector_unrecorded"] == 136
        assert figures["women"] == {"count": 2, "known": 3, "share": 66.7}
        html = summary_html(slug)
    # 2 women of 3: groups under SMALL_GROUP_MIN (5), so the summary does not say it.
    assert "139 asistentes; sector no registrado para 136; mujeres: no se muestra, para " \
           "que no se distinga a ningún grupo de menos de 5 personas" in html
    assert "2 de 3" not in html
    assert "Otros" not in html


def test_participants_say_who_they_count(app, create_consultation, create_user,
                                         create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    create_contribution(slug)
    create_contribution(slug)
    create_contribution(slug, channel="workshop", author_name="Mesa de salud")
    create_contribution(slug, channel="written", author_email="vecina@example.pe")
    # Typed in with no name, e-mail or organization: counted apart, never dropped.
    create_contribution(slug, channel="workshop")
    create_contribution(slug, channel="written")
    with app.test_request_context():
        participants = compute_figures(consultation_of(slug))["participants"]
        assert participants == {"accounts": 2, "offline_authors": 2, "offline_unnamed": 2,
                                "total": 4}
        html = summary_html(slug)
    assert "2 participantes con cuenta y 2 autores registrados en talleres y documentos" \
        in html
    assert "2 aportes se registraron sin el nombre de su autor" in html


def test_a_summary_frozen_before_attendance_was_recorded_as_known_still_shows(
        app, create_consultation):
    """Published versions never change: the page renders the figures they froze."""
    slug = create_consultation(plan=iv_plan_json())
    with app.test_request_context():
        content = preview_summary(consultation_of(slug))
        content["figures"]["participants"] = {"accounts": 3, "offline_authors": 1,
                                              "total": 4}
        content["figures"]["events"] = {"count": 1, "attendees": 28, "women": 14,
                                        "by_sector": {"civil_society": {
                                            "participants": 28, "women": 14}}}
        for item in content["irm"]:
            item["evidence"] = {
                "awareness_raising": {"events": 1, "events_before_closing": 1,
                                      "attendees": 28},
                "multiple_channels": {"channels": ["web", "workshop"], "online": ["web"],
                                      "in_person": ["workshop"]},
                "consultation_during_implementation": {"forum": "Comisión"},
            }.get(item["key"], item["evidence"])
        html = render_template("summary/_content.html", content=content,
                               guidelines=guidelines())
    assert "Participantes: 3 con cuenta y 1 autores fuera de línea." in html
    assert "28 asistentes." in html
    assert "Canales usados: Web (esta plataforma), Talleres presenciales." in html
    assert "Foro: Comisión." in html


def test_a_gender_written_on_a_sheet_counts_once_for_its_author_and_not_at_events(
        app, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    moderator = create_user(roles=("moderator",))
    for n in range(3):  # letters: each author wrote her gender on the sheet
        create_contribution(slug, channel="written", author_name=f"Vecina {n}",
                            author_gender="female")
    # The same author twice counts once.
    create_contribution(slug, channel="written", author_name="Vecina 0",
                        author_gender="female")
    create_contribution(slug, channel="written", author_name="Vecino", author_gender="male")
    create_contribution(slug, channel="written", author_name="Sin dato")
    with app.test_request_context():
        record_event(slug, moderator, attendees_total=20, gender_recorded_count=20,
                     attendees_women=9)
        event_id = db.session.scalar(select(Event.id).where(
            Event.consultation_id == consultation_of(slug).id))
    # At the event, the attendance record already counts the people there.
    create_contribution(slug, channel="workshop", author_name="Asistente",
                        author_gender="female", event_id=event_id)
    with app.test_request_context():
        figures = compute_figures(consultation_of(slug))
    assert figures["declared_genders"]["declared"] == 4
    assert figures["declared_genders"]["women_declared"] == 3
    assert figures["women"] == {"count": 3 + 9, "known": 4 + 20, "share": 50.0}


def test_an_account_counts_once_with_its_gender_and_only_where_it_took_part(
        app, create_consultation, create_user, create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    elsewhere = create_consultation(plan=iv_plan_json())
    twice, once = create_user(gender="female"), create_user(gender="male")
    undeclared, only_elsewhere = create_user(), create_user(gender="female")
    create_contribution(slug, author=twice)
    create_contribution(slug, author=twice, body="Otro comentario sobre el plan.")
    create_contribution(slug, author=once)
    create_contribution(slug, author=undeclared)
    create_contribution(elsewhere, author=only_elsewhere)
    with app.test_request_context():
        figures = compute_figures(consultation_of(slug))
    assert figures["participants"]["accounts"] == 3
    assert figures["declared_genders"] == {"declared": 2, "women_declared": 1,
                                           "undeclared": 1}
