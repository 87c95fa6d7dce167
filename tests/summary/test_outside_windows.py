"""Records received outside the participation windows, counted apart in the summary,
and the PDF telling the process as the summary page does (windows, recorded after the
fact, changes of dates)."""

import re
from datetime import date, datetime, time, timedelta

from consulta.consultations.operations import add_window, extend_window, record_past_consultation
from consulta.contributions.operations import void_contribution
from consulta.core.dates import local_to_utc, local_today, utcnow
from consulta.extensions import db
from consulta.summary.figures import compute_figures

from ..conftest import iv_plan_json
from .conftest import close, consultation_of, contribution, pdf_text, user


def lima(day, hour=0):
    return local_to_utc(datetime.combine(day, time(hour, 0)))


def test_records_received_outside_the_windows_are_counted_apart_on_the_page_and_pdf(
        app, create_consultation, create_user, create_contribution, publish, pdf_folder):
    secretariat, moderator = create_user(roles=("secretariat",)), create_user(
        roles=("moderator",))
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1,
                               actor=secretariat)
    with app.app_context():
        today = local_today()
    create_contribution(slug, author=moderator, channel="written",
                        received_on=today - timedelta(days=3))
    early = [create_contribution(slug, author=moderator, channel="written",
                                 received_on=today - timedelta(days=12 + n),
                                 received_outside_window=True) for n in range(3)]
    with app.test_request_context():
        # One of them typed in by mistake: counted nowhere, here neither.
        void_contribution(contribution(early[0]), actor=user(moderator), reason="Dos veces.")
        db.session.commit()
        figures = compute_figures(consultation_of(slug))
        assert figures["contributions"]["total"] == 3
        assert figures["contributions"]["outside_windows"] == 2
        db.session.remove()
    close(app, slug)
    publish(slug, secretariat)
    page = app.test_client().get(f"/consultations/{slug}/summary").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "2 aportes recibidos fuera de las ventanas de participación" in text
    client = app.test_client()
    en = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf?lang=en").data)
    es = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf?lang=es").data)
    assert "2 contributions received outside the participation windows (late or early)" in en
    assert "2 aportes recibidos fuera de las ventanas de participaci" in es


def test_a_summary_without_records_outside_the_windows_does_not_mention_them(
        app, closed_consultation, publish, pdf_folder):
    slug = closed_consultation.slug
    publish(slug, closed_consultation.secretariat)
    page = app.test_client().get(f"/consultations/{slug}/summary").get_data(as_text=True)
    assert "fuera de las ventanas de participación" not in page
    en = pdf_text(app.test_client().get(f"/consultations/{slug}/summary/v1.pdf?lang=en").data)
    assert "outside the participation windows" not in en


def test_the_pdf_tells_a_consultation_recorded_after_the_fact_as_the_page_does(
        app, create_consultation, create_user, publish, pdf_folder):
    secretariat = create_user(roles=("secretariat",), display_name="Ana Quispe")
    with app.test_request_context():
        opens, closes = lima(date(2016, 5, 2), 9), lima(date(2016, 6, 30), 18)
    slug = create_consultation(announced=False, opens_at=opens, closes_at=closes,
                               actor=secretariat, plan=iv_plan_json())
    with app.test_request_context():
        consultation = consultation_of(slug)
        add_window(consultation, actor=user(secretariat), channel="workshop",
                   opens_at=lima(date(2016, 5, 11), 8), closes_at=lima(date(2016, 5, 11), 18))
        record_past_consultation(consultation, actor=user(secretariat),
                                 announced_on=date(2016, 4, 20),
                                 reference="El Peruano, 2016-04-20")
        db.session.commit()
        db.session.remove()
    publish(slug, secretariat)
    client = app.test_client()
    en = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf?lang=en").data)
    assert "The process as it happened" in en
    assert "Recorded after it took place, on" in en
    assert "Its dates are a record of what happened, entered after the fact." in en
    assert "Announced in: El Peruano, 2016-04-20" in en
    assert "Announced: April 20, 2016 (El Peruano, 2016-04-20)" in en
    windows = en[en.index("Participation windows"):en.index("Changes of dates")]
    assert "Web (this site): May 2, 2016" in windows and "June 30, 2016" in windows
    assert "In-person workshops: May 11, 2016" in windows
    assert "No date was changed after the announcement." in en
    es = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf?lang=es").data)
    assert "Registrada despu" in es  # "después": the accent is drawn apart
    assert "El Peruano, 2016-04-20" in es and "de mayo de 2016" in es
    assert "Recorded after" not in es


def test_the_pdf_shows_both_windows_of_an_extension_and_the_change_with_its_reason(
        app, create_consultation, create_user, publish, pdf_folder):
    secretariat = create_user(roles=("secretariat",), display_name="Ana Quispe")
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-20, closes_in_days=-2,
                               actor=secretariat)
    with app.test_request_context():
        extend_window(consultation_of(slug).windows[0], actor=user(secretariat),
                      closes_at=utcnow() + timedelta(days=1),
                      reason="Pedido de las organizaciones de la sociedad civil")
        db.session.commit()
        assert len(consultation_of(slug).windows_of("web")) == 2
        db.session.remove()
    close(app, slug)
    publish(slug, secretariat)
    client = app.test_client()
    en = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf?lang=en").data)
    windows = en[en.index("Participation windows"):en.index("Changes of dates")]
    assert windows.count("Web (this site):") == 2
    assert "(Pedido de las organizaciones de la sociedad civil)" in windows
    changes = en[en.index("Changes of dates"):en.index("IRM checklist")]
    assert "Participation window (Web (this site)): added, from" in changes
    assert "Reason: Pedido de las organizaciones de la sociedad civil." in changes
    assert "Changed by Ana Quispe on" in changes
    assert "Recorded after" not in en
    es = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf?lang=es").data)
    assert "Cambios de fechas" in es
    assert "Motivo: Pedido de las organizaciones de la sociedad civil." in es
