"""The summary's account of the process: windows, changes of dates with who and why,
the label of a consultation recorded after the fact, one-day phases."""

import re
from datetime import date, datetime, time

from consulta.consultations.operations import add_window, record_past_consultation
from consulta.core.dates import local_to_utc
from consulta.extensions import db
from consulta.summary.operations import preview_summary

from .conftest import consultation_of, user


def lima(day, hour=0):
    return local_to_utc(datetime.combine(day, time(hour, 0)))


def test_the_summary_shows_the_windows_and_every_change_of_dates(
        app, create_consultation, create_user, publish):
    secretariat = create_user(roles=("secretariat",), display_name="Ana Quispe")
    with app.test_request_context():
        opens, closes = lima(date(2016, 5, 2), 9), lima(date(2016, 6, 30), 18)
    slug = create_consultation(announced=False, opens_at=opens, closes_at=closes,
                               actor=secretariat)
    with app.test_request_context():
        consultation = consultation_of(slug)
        phase = consultation.phases[0]
        phase.starts_on = phase.ends_on = date(2016, 5, 11)
        # Entered before publication: part of the record, not a change.
        add_window(consultation, actor=user(secretariat), channel="workshop",
                   opens_at=lima(date(2016, 5, 11), 8), closes_at=lima(date(2016, 5, 11), 18))
        record_past_consultation(consultation, actor=user(secretariat),
                                 announced_on=date(2016, 4, 20), reference="El Peruano")
        db.session.commit()
        assert preview_summary(consultation_of(slug))["timeline"]["date_changes"] == []
        # A real change after publication.
        add_window(consultation_of(slug), actor=user(secretariat), channel="written",
                   opens_at=lima(date(2016, 5, 12)), closes_at=lima(date(2016, 5, 31)),
                   reason="Aportes escritos del alcalde distrital")
        db.session.commit()
        timeline = preview_summary(consultation_of(slug))["timeline"]
        assert [w["channel"] for w in timeline["windows"]] == ["web", "workshop", "written"]
        [change] = timeline["date_changes"]
        assert (change["kind"], change["channel"], change["by"]) == ("window", "written",
                                                                    "Ana Quispe")
        assert change["reason"] == "Aportes escritos del alcalde distrital"
        assert timeline["recorded_after_at"] is not None
        assert timeline["announcement_reference"] == "El Peruano"
        db.session.remove()
    publish(slug, secretariat)
    page = app.test_client().get(f"/consultations/{slug}/summary").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Cambios de fechas" in text
    assert "Motivo: Aportes escritos del alcalde distrital." in text
    assert "Cambio hecho por Ana Quispe" in text
    assert "Ventanas de participación" in text
    assert "11 de mayo de 2016" in text  # the one-day phase, once
    assert "11 de mayo de 2016 – 11 de mayo de 2016" not in text
