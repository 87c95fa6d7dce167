from datetime import timedelta

from sqlalchemy import func, select

from consulta.consultations.models import Commitment, Consultation
from consulta.core.dates import utcnow
from consulta.extensions import db


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Consultation)),
                db.session.scalar(select(func.count()).select_from(Commitment)))


def test_demo_creates_an_open_iv_plan_consultation_and_a_finished_one(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    listing = {c["slug"]: c for c in
               client.get("/api/v1/consultations").get_json()["consultations"]}
    assert listing["iv-plan-gobierno-abierto"]["status"] == "open"
    assert listing["plan-gobierno-abierto-la-libertad"]["status"] == "summary_published"
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

    before = counts(app)
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert counts(app) == before
