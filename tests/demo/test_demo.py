"""The demo data (``flask demo``): what a newcomer finds, made again without duplicates."""

from datetime import date, timedelta

from sqlalchemy import func, select

from consulta.accounts.models import Organization, User
from consulta.consultations.models import Commitment, Consultation
from consulta.consultations.queries import date_change_notices
from consulta.contributions.models import Contribution
from consulta.core.dates import utc_to_local, utcnow
from consulta.extensions import db
from consulta.summary.models import SummaryRow, SummarySnapshot

LA_LIBERTAD = "plan-gobierno-abierto-la-libertad"
MODELS = (User, Organization, Consultation, Commitment, Contribution, SummarySnapshot,
          SummaryRow)


def counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in MODELS}


def test_demo_creates_an_open_iv_plan_consultation_and_a_finished_one(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    listing = {c["slug"]: c for c in
               client.get("/api/v1/consultations").get_json()["consultations"]}
    assert listing["iv-plan-gobierno-abierto"]["status"] == "open"
    assert listing[LA_LIBERTAD]["status"] == "summary_published"
    with app.app_context():
        iv = db.session.scalar(select(Consultation).where(
            Consultation.slug == "iv-plan-gobierno-abierto"))
        notice = iv.opens_at - iv.announced_at
        assert timedelta(days=13) < notice < timedelta(days=15)
        assert timedelta(days=20) < utcnow() - iv.announced_at < timedelta(days=22)
        assert len(iv.phases) == 5
    detail = client.get("/api/v1/consultations/iv-plan-gobierno-abierto").get_json()
    assert len(detail["components"]) == 9
    assert len(detail["draft_plan"]["commitments"]) == 21


def test_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    before = counts(app)
    assert all(before.values()), before
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert counts(app) == before


def test_the_demo_is_refused_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "CONSULTA_ENV", "production")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert not any(counts(app).values())


def test_the_demo_is_refused_under_another_country_profile(app, database_url):
    from ..conftest import make_app

    mexico = make_app(database_url, CONSULTA_PROFILE="mexico")
    result = mexico.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "CONSULTA_PROFILE=peru" in result.output and "la-libertad" in result.output
    assert not any(counts(app).values())


def test_the_la_libertad_workshop_attendance_is_in_its_summary(app):
    """The real records of the 2016 workshop: 60 attendees, 17 of them women (the
    women of sectors with fewer than 5 of them, or of others, are not shown)."""
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    data = app.test_client().get(f"/api/v1/consultations/{LA_LIBERTAD}/summary").get_json()
    events = data["content"]["figures"]["events"]
    assert (events["attendees"], events["women"]) == (60, 17)
    assert events["by_sector"]["regional_government"] == {"participants": 38, "women": 13}
    # 1 woman of 8, 3 of 4: groups under SMALL_GROUP_MIN, not published (README).
    assert events["by_sector"]["local_government"] == {"participants": 8,
                                                       "women": {"fewer_than": 5}}
    assert events["by_sector"]["civil_society"] == {"participants": 4,
                                                    "women": {"fewer_than": 5}}


def test_the_finished_consultation_is_the_2016_workshop_recorded_after_the_fact(app):
    """Real dates, codes of 2016, no web window, no change notice, the workshop's figures,
    and verdicts that say what the record shows (no advance notice is on record)."""
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(
            Consultation.slug == LA_LIBERTAD))
        assert consultation.is_recorded_after
        assert utc_to_local(consultation.announced_at).date() == date(2016, 5, 11)
        assert utc_to_local(consultation.opens_at).date() == date(2016, 5, 11)
        assert utc_to_local(consultation.closes_at).date() == date(2016, 5, 31)
        assert sorted(w.channel for w in consultation.windows) == ["workshop", "written"]
        assert date_change_notices(consultation) == []
        contributions = db.session.scalars(select(Contribution).where(
            Contribution.consultation_id == consultation.id)).all()
        assert len(contributions) == 10
        assert all(c.tracking_code.startswith("APO-2016-") for c in contributions)
        assert all(c.classified_at is not None for c in contributions)
        assert len({c.group_id for c in contributions if c.group_id}) == 1
        assert [c.hidden_reason for c in contributions if c.is_hidden] == ["off_topic"]
    summary = client.get(f"/api/v1/consultations/{LA_LIBERTAD}/summary").get_json()
    figures = summary["content"]["figures"]
    assert figures["contributions"]["total"] == 10
    assert figures["by_channel"] == {"workshop": 7, "written": 3}
    assert figures["per_day"] == {"2016-05-11": 7, "2016-05-12": 3}
    irm = {item["key"]: item for item in summary["content"]["irm"]}
    assert irm["advance_notice"]["verdict"] == "not_met"
    assert irm["advance_notice"]["evidence"]["days"] == 0
    assert irm["process_and_timeline"]["verdict"] == "met"
    page = client.get(f"/consultations/{LA_LIBERTAD}/summary").get_data(as_text=True)
    assert "Registrada después de realizada" in page
    assert "11 de mayo de 2016" in page
    assert "Ninguna fecha se cambió después del anuncio." in page


def test_the_open_consultation_shows_classification_in_progress(app):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(
            Consultation.slug == "iv-plan-gobierno-abierto"))
        classified = [c.classified_at is not None for c in db.session.scalars(
            select(Contribution).where(Contribution.consultation_id == consultation.id))]
    assert any(classified) and not all(classified)


def test_the_demo_facilitator_records_a_contribution_with_a_person(app):
    from consulta.demo.people import DEMO_PASSWORD

    from ..conftest import UserRef, login

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    email = "facilitadora@demo.consulta.pe"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.has_role("facilitator")
        ref = UserRef(user.id, email, DEMO_PASSWORD)
    client = app.test_client()
    login(client, ref)
    page = client.get("/consultations/iv-plan-gobierno-abierto/contributions/assisted/new")
    assert page.status_code == 200
