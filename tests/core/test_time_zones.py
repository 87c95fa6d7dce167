"""Every time shown names its zone where the country has several (Mexico), and only
there: Peru, with one zone, reads as it always has."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from consulta.core.i18n import format_datetime, format_time, format_when

from ..conftest import login, make_app
from .test_mail_given_up import queue

#: 18:00 in Mexico City and 19:00 in Lima (neither keeps summer time).
MOMENT = datetime(2030, 3, 14, 0, 0, tzinfo=UTC)


@pytest.fixture
def mexico(app, database_url):
    return make_app(database_url, CONSULTA_PROFILE="mexico")


def test_a_mexican_time_names_its_zone_in_the_reader_language(mexico):
    with mexico.test_request_context(), force_locale("es"):
        # es_MX writes the 12-hour clock: "6:00 p.m.".
        assert format_when(MOMENT).startswith("13 de marzo de 2030, 6:00")
        assert format_when(MOMENT).endswith("p.m. (hora del centro de México)")
        assert format_time(MOMENT).endswith("p.m. (hora del centro de México)")
        assert format_datetime(MOMENT).endswith("(hora del centro de México)")
    with mexico.test_request_context(), force_locale("en"):
        assert format_when(MOMENT).endswith("(central Mexico time)")


def test_a_peruvian_time_is_shown_as_always(app):
    with app.test_request_context(), force_locale("es"):
        assert format_when(MOMENT) == "13 de marzo de 2030, 19:00"
        assert format_time(MOMENT) == "19:00"
        assert "(" not in format_datetime(MOMENT)
        assert format_when(MOMENT, zone=True) == "13 de marzo de 2030, 19:00 (hora de Lima)"


def test_the_pages_of_a_mexican_consultation_name_the_zone_of_its_times(
        mexico, create_consultation):
    slug = create_consultation(title="Consulta de Jalisco", scope="national")
    page = mexico.test_client().get(f"/consultations/{slug}").get_data(as_text=True)
    assert "(hora del centro de México)" in page
    with mexico.test_request_context():
        from consulta.consultations.models import Consultation
        from consulta.extensions import db

        closes = db.session.query(Consultation).one().closes_at
        assert format_when(closes, "full") in page


def test_the_pages_of_a_peruvian_consultation_do_not(app, create_consultation):
    slug = create_consultation()
    page = app.test_client().get(f"/consultations/{slug}").get_data(as_text=True)
    assert "hora de Lima" not in page


@pytest.mark.parametrize("profile, zone", [("peru", "(hora de Lima)"),
                                           ("mexico", "(hora del centro de México)")])
def test_the_outbox_names_the_zone_once_whatever_the_country(
        app, database_url, create_user, profile, zone):
    queue(app)
    admin = create_user(roles=("admin",), privacy_version="2026-12" if profile == "mexico"
                        else "2026-11")
    client = make_app(database_url, CONSULTA_PROFILE=profile).test_client()
    login(client, admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    oldest = page[page.index("el más antiguo"):].split("</li>")[0]
    assert oldest.count(zone) == 1
    # Mexico names the zone of every time of the table too; Peru only where it did.
    assert page.count(zone) == (1 if profile == "peru" else 2)


def test_a_date_is_the_local_day_in_the_reader_language_each_time(app):
    """Dates are kept once written (per value, zone and language): the same text each
    time, the day in Lima, and each language its own."""
    from datetime import date

    from consulta.core.i18n import format_date

    late = datetime(2030, 3, 14, 3, 0, tzinfo=UTC)  # 22:00 on the 13th in Lima
    with app.test_request_context(), force_locale("es"):
        assert [format_date(late, "long") for _ in range(2)] == ["13 de marzo de 2030"] * 2
        assert format_date(late.replace(tzinfo=None), "long") == "13 de marzo de 2030"
        assert format_date(date(2030, 3, 14), "long") == "14 de marzo de 2030"
        assert format_datetime(late, "short") == format_datetime(late, "short")
        spanish = format_datetime(late, "medium")
    with app.test_request_context(), force_locale("en"):
        assert format_date(late, "long") == "March 13, 2030"
        assert format_datetime(late, "medium") != spanish
        assert "10:00" in format_datetime(late, "medium")
