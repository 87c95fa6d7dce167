"""The IRM verdicts on the process and the advance notice, from the recorded dates.

A consultation recorded after the fact uses fixed dates of 2016 (its real ones), which
do not depend on the clock.
"""

from datetime import date, datetime, time

import pytest

from consulta.consultations.operations import record_past_consultation
from consulta.core.dates import local_to_utc
from consulta.extensions import db
from consulta.summary.figures import compute_figures
from consulta.summary.irm import checklist

from .conftest import consultation_of, user


def lima(day, hour=0):
    return local_to_utc(datetime.combine(day, time(hour, 0)))


@pytest.fixture
def recorded_2016(app, create_consultation, create_user):
    """A consultation that ran from 2 May to 30 June 2016, announced in the official
    gazette on 20 April 2016, recorded here after the fact."""
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        opens, closes = lima(date(2016, 5, 2), 9), lima(date(2016, 6, 30), 18)
    slug = create_consultation(announced=False, opens_at=opens, closes_at=closes,
                               actor=secretariat, methodology="Taller descentralizado.")
    with app.test_request_context():
        record_past_consultation(consultation_of(slug), actor=user(secretariat),
                                 announced_on=date(2016, 4, 20),
                                 reference="El Peruano, 2016-04-20")
        db.session.commit()
        db.session.remove()
    return slug


def verdicts(slug):
    consultation = consultation_of(slug)
    items = checklist(consultation, compute_figures(consultation), summary_published=True)
    return {item["key"]: item for item in items}


def test_the_verdicts_of_a_past_consultation_use_its_recorded_dates(app, recorded_2016,
                                                                    in_request):
    irm = verdicts(recorded_2016)
    notice = irm["advance_notice"]
    # 20 April to 2 May 2016: twelve days, fewer than the fourteen asked.
    assert notice["evidence"]["days"] == 12
    assert notice["verdict"] == "partly_met"
    assert notice["evidence"]["recorded_after"] is True
    assert notice["evidence"]["announced_at"].startswith("2016-04-20")
    process = irm["process_and_timeline"]
    assert process["verdict"] == "met"
    assert process["evidence"]["announcement_reference"] == "El Peruano, 2016-04-20"
    assert process["evidence"]["recorded_after_at"] is not None


def test_an_announcement_after_the_opening_never_gives_negative_days(
        app, create_consultation, in_request):
    # Rows from before announcements could be recorded: announced after they opened.
    slug = create_consultation(opens_in_days=-30, closes_in_days=-2, announced_days_ago=1,
                               methodology="Web.")
    irm = verdicts(slug)
    notice = irm["advance_notice"]
    assert notice["evidence"]["days"] is None
    assert notice["evidence"]["announced_after_opening"] is True
    assert notice["verdict"] == "not_met"
    assert irm["process_and_timeline"]["verdict"] == "not_met"


@pytest.mark.parametrize("days_before,expected", [(14, "met"), (1, "partly_met"),
                                                  (0, "not_met")])
def test_the_advance_notice_counts_calendar_days(app, create_consultation, in_request,
                                                 days_before, expected):
    slug = create_consultation(opens_in_days=-5, closes_in_days=-1,
                               announced_days_ago=5 + days_before)
    notice = verdicts(slug)["advance_notice"]
    assert (notice["evidence"]["days"], notice["verdict"]) == (days_before, expected)
    assert notice["evidence"]["recorded_after"] is False


def test_the_summary_page_says_which_dates_each_verdict_used(app, recorded_2016, publish,
                                                             create_user):
    secretariat = create_user(roles=("secretariat",))
    publish(recorded_2016, secretariat)
    page = app.test_client().get(f"/consultations/{recorded_2016}/summary")
    text = " ".join(page.get_data(as_text=True).split())
    assert "Registrada después de realizada, el " in text
    assert "anunciada el 20 de abril de 2016 según el registro hecho después de realizada" \
        in text
    assert "(El Peruano, 2016-04-20)" in text
    assert "12 días entre el anuncio y la apertura (mínimo 14)." in text
    assert "Fechas usadas: anuncio el 20 de abril de 2016, apertura el 2 de mayo de 2016 " \
        "(según el registro hecho después de realizada)." in text
