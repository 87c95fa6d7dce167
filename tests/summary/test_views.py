"""The consultation summary: figures, IRM checklist, frozen snapshots, open data."""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.summary.models import SummarySnapshot
from consulta.summary.queries import recompute_digest

from ..conftest import iv_plan_json, login

LL = "plan-gobierno-abierto-la-libertad"
IV = "iv-plan-gobierno-abierto"


@pytest.fixture
def demo(app):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0


@pytest.fixture
def secretariat(app):
    client = app.test_client()
    client.post_form("/login", {"email": "secretaria@demo.consulta.pe",
                                "password": "consulta-demo-2026"})
    return client


def snapshots(app, slug=LL):
    with app.app_context():
        return [(s.version, s.digest, s.row_count) for s in db.session.scalars(
            select(SummarySnapshot).join(Consultation).where(Consultation.slug == slug)
            .order_by(SummarySnapshot.version))]


def test_the_finished_demo_consultation_has_a_published_summary(app, demo):
    page = app.test_client().get(f"/consultations/{LL}/summary").get_data(as_text=True)
    assert "Resumen de la consulta" in page and "SHA-256" in page
    assert "<svg" in page and "<title>" in page  # charts drawn on the server
    assert "<script" not in page.split('<main id="main"', 1)[1]
    listing = app.test_client().get("/api/v1/consultations").get_json()["consultations"]
    assert {c["slug"]: c["status"] for c in listing}[LL] == "summary_published"


def test_the_digest_recomputed_from_the_stored_snapshot_matches(app, demo):
    data = app.test_client().get(f"/api/v1/consultations/{LL}/summary").get_json()
    with app.app_context():
        snapshot = db.session.scalar(select(SummarySnapshot))
        assert recompute_digest(snapshot) == snapshot.digest == data["digest_sha256"]
    page = app.test_client().get(f"/consultations/{LL}/summary").get_data(as_text=True)
    assert data["digest_sha256"] in page


def test_republishing_after_a_change_makes_version_2_and_keeps_version_1(app, demo,
                                                                         secretariat):
    [(_version, first_digest, _rows)] = snapshots(app)
    with app.app_context():
        code = db.session.scalar(select(Contribution.tracking_code).join(Consultation).where(
            Consultation.slug == LL).order_by(Contribution.id))
    # A response changes after publication...
    form = secretariat.get(f"/feedback/contributions/{code}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    secretariat.post_form(f"/feedback/contributions/{code}", {
        "outcome": "out_of_scope", "justification": "Se revisó el aporte. No corresponde "
        "al plan regional.", "version": version, "then": "publish"})
    # ...the published snapshot does not.
    with app.app_context():
        snapshot = db.session.scalar(select(SummarySnapshot))
        assert recompute_digest(snapshot) == first_digest
    assert secretariat.post_form(f"/consultations/{LL}/summary/publish").status_code == 302
    versions = snapshots(app)
    assert [v for v, _d, _r in versions] == [1, 2]
    assert versions[1][1] != first_digest
    client = app.test_client()
    assert client.get(f"/api/v1/consultations/{LL}/summary").get_json()["version"] == 2
    old = client.get(f"/api/v1/consultations/{LL}/summary?version=1").get_json()
    assert old["digest_sha256"] == first_digest
    assert "Fuera del alcance" in client.get(f"/consultations/{LL}/summary").get_data(
        as_text=True)
    assert client.get(f"/consultations/{LL}/summary?version=1").status_code == 200


def test_a_summary_cannot_be_published_while_open_or_by_others(app, demo, secretariat,
                                                               create_user):
    secretariat.post_form(f"/consultations/{IV}/summary/publish")
    assert snapshots(app, IV) == []
    participant = app.test_client()
    login(participant, create_user())
    assert participant.post_form(f"/consultations/{LL}/summary/publish").status_code == 403
    assert app.test_client().post_form(f"/consultations/{LL}/summary/publish") \
        .status_code == 302  # to log in
    assert len(snapshots(app)) == 1


def test_the_summary_api_is_404_before_the_first_publication(app, demo):
    assert app.test_client().get(f"/api/v1/consultations/{IV}/summary").status_code == 404
    page = app.test_client().get(f"/consultations/{IV}/summary")
    assert page.status_code == 200 and "no ha sido publicado" in page.get_data(as_text=True)


def test_hidden_and_withdrawn_contributions_in_the_matrix(app, create_consultation,
                                                          create_user):
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1)
    author = app.test_client()
    login(author, create_user())
    for text in ("Texto ofensivo que no debe verse.", "Me retiro de esto."):
        author.post_form(f"/consultations/{slug}/comments/new",
                         {"target": "plan", "body": text, "send": "1"})
    with app.app_context():
        offensive, withdrawn = db.session.scalars(select(Contribution.tracking_code)
                                                  .order_by(Contribution.id)).all()
    author.post_form(f"/contributions/{withdrawn}/withdraw")
    moderator = app.test_client()
    login(moderator, create_user(roles=("moderator",)))
    moderator.post_form(f"/moderation/{offensive}/hide", {"reason": "offensive"})
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    secretariat = app.test_client()
    login(secretariat, create_user(roles=("secretariat",)))
    secretariat.post_form(f"/consultations/{slug}/summary/publish")
    data = app.test_client().get(f"/api/v1/consultations/{slug}/summary").get_json()
    totals = data["content"]["figures"]["contributions"]
    assert (totals["total"], totals["hidden"], totals["withdrawn"]) == (2, 1, 1)
    rows = app.test_client().get(data["matrix_url"]).get_json()["rows"]
    hidden_row = next(r for r in rows if r["code"] == offensive)
    assert hidden_row["status"] == "hidden:offensive" and hidden_row["text"] == ""
    for url in (f"/consultations/{slug}/summary", data["matrix_url"],
                f"/api/v1/consultations/{slug}/contributions.csv"):
        text = app.test_client().get(url).get_data(as_text=True)
        assert "Texto ofensivo" not in text, url
    page = app.test_client().get(f"/consultations/{slug}/summary").get_data(as_text=True)
    assert "Ocultado por moderación: Lenguaje ofensivo o discriminatorio." in page
    assert "Retirado por su autor" in page


def test_exports_are_safe_against_formula_injection(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    client = app.test_client()
    login(client, create_user())
    for text in ('=HYPERLINK("http://x","y")', "@SUM(1+1)", "+1-1", "-2+3"):
        client.post_form(f"/consultations/{slug}/comments/new",
                         {"target": "plan", "body": text, "send": "1"})
    response = app.test_client().get(f"/api/v1/consultations/{slug}/contributions.csv")
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    texts = {r["text"] for r in rows}
    assert texts == {"'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(1+1)", "'+1-1", "'-2+3"}
    workbook = load_workbook(io.BytesIO(app.test_client().get(
        f"/api/v1/consultations/{slug}/contributions.xlsx").data))
    cells = [c for row in workbook.active.iter_rows(min_row=2) for c in row
             if isinstance(c.value, str) and c.value[:1] in "=@+-"]
    assert len(cells) >= 4 and all(c.data_type == "s" for c in cells)


def test_no_email_or_gender_in_any_page_or_export(app, demo):
    with app.app_context():
        from consulta.accounts.models import User

        emails = [e for e in db.session.scalars(select(User.email)) if e]
    client = app.test_client()
    urls = [f"/consultations/{LL}/summary", f"/consultations/{LL}/summary/v1/print",
            f"/api/v1/consultations/{LL}/summary", f"/api/v1/consultations/{LL}/summary/v1/matrix",
            f"/api/v1/consultations/{LL}/contributions.csv",
            f"/api/v1/consultations/{IV}/contributions.csv",
            f"/api/v1/consultations/{IV}/contributions?per_page=100",
            f"/consultations/{IV}/contributions?per_page=100", f"/consultations/{IV}",
            f"/api/v1/consultations/{IV}", "/api/v1/consultations"]
    for url in urls:
        text = client.get(url).get_data(as_text=True)
        leaked = [e for e in emails if e in text]
        assert not leaked, (url, leaked)
        assert '"gender"' not in text, url
    for slug in (IV, LL):
        workbook = load_workbook(io.BytesIO(client.get(
            f"/api/v1/consultations/{slug}/contributions.xlsx").data))
        values = " ".join(str(c.value) for row in workbook.active.iter_rows() for c in row)
        assert not [e for e in emails if e in values]


def test_the_pdf_and_the_printable_version(app, demo):
    response = app.test_client().get(f"/consultations/{LL}/summary/v1.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    page = app.test_client().get(f"/consultations/{LL}/summary/v1/print").get_data(
        as_text=True)
    assert "APO-" in page


@pytest.mark.parametrize("notice_days,expected", [(21, "met"), (3, "partly_met")])
def test_irm_advance_notice_verdicts(app, create_consultation, create_user, notice_days,
                                     expected):
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=-1,
                               announced_days_ago=10 + notice_days,
                               forum_name="Comisión Multisectorial",
                               methodology="Talleres y web.")
    secretariat = app.test_client()
    login(secretariat, create_user(roles=("secretariat",)))
    secretariat.post_form(f"/consultations/{slug}/summary/manage", {
        "introduction": "Intro.", "note-advance_notice": "Se publicó en el diario oficial."})
    secretariat.post_form(f"/consultations/{slug}/summary/publish")
    data = app.test_client().get(f"/api/v1/consultations/{slug}/summary").get_json()
    irm = {item["key"]: item for item in data["content"]["irm"]}
    assert irm["advance_notice"]["verdict"] == expected
    assert irm["advance_notice"]["evidence"]["days"] == notice_days
    assert irm["advance_notice"]["note"] == "Se publicó en el diario oficial."
    assert irm["consultation_during_implementation"]["verdict"] == "met"
    assert irm["process_and_timeline"]["verdict"] == "met"
    # No contributions: nothing to answer, summary published → documentation met.
    assert irm["documentation_and_feedback"]["verdict"] == "met"


def test_a_note_never_overrides_a_verdict(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=-1,
                               announced_days_ago=11, forum_name=None)
    secretariat = app.test_client()
    login(secretariat, create_user(roles=("secretariat",)))
    secretariat.post_form(f"/consultations/{slug}/summary/manage", {
        "note-consultation_during_implementation": "met", "note-advance_notice": "met",
        "verdict": "met"})
    secretariat.post_form(f"/consultations/{slug}/summary/publish")
    data = app.test_client().get(f"/api/v1/consultations/{slug}/summary").get_json()
    irm = {item["key"]: item for item in data["content"]["irm"]}
    assert irm["consultation_during_implementation"]["verdict"] == "not_met"  # no forum
    # Announced one day before opening: some notice, less than the minimum → partly met.
    assert irm["advance_notice"]["evidence"]["days"] == 1
    assert irm["advance_notice"]["verdict"] == "partly_met"
    assert irm["advance_notice"]["note"] == "met"  # kept as a note, not as the verdict


def test_a_page_of_the_stored_matrix_is_the_same_slice_as_the_whole(app, demo):
    from consulta.summary.queries import stored_rows

    with app.app_context():
        snapshot = db.session.scalar(select(SummarySnapshot))
        everything = [row["code"] for row in stored_rows(snapshot)]
        assert len(everything) == snapshot.row_count > 5
        assert [row["code"] for row in stored_rows(snapshot, 2, 3)] == everything[2:5]
        assert [row["code"] for row in stored_rows(snapshot, len(everything) - 1, 3)] \
            == everything[-1:]


def test_a_figure_with_many_categories_charts_the_largest_and_tables_them_all(app):
    from consulta.summary.charts import MAX_BARS, bar_chart

    items = [(f"Compromiso {n}", n) for n in range(1, 41)]
    with app.test_request_context():
        svg = str(bar_chart("Por compromiso", items))
    assert svg.count("<rect") == MAX_BARS
    labels = re.findall(r'class="l">([^<]+)<', svg)
    assert labels == [f"Compromiso {n}" for n in range(41 - MAX_BARS, 41)]
    assert "Por compromiso: los 15 mayores; la tabla los muestra todos." in svg


def test_publishing_sends_summary_published_with_the_written_snapshot(
        app, create_consultation, create_contribution, create_user):
    from consulta.accounts.models import User
    from consulta.summary.operations import publish_summary
    from consulta.summary.signals import summary_published

    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1)
    create_contribution(slug)
    create_contribution(slug, body="Otro comentario sobre el plan.")
    secretariat = create_user(roles=("secretariat",))
    received = []

    def receiver(snapshot, **extra):
        received.append((snapshot.id, snapshot.version, snapshot.row_count,
                         recompute_digest(snapshot) == snapshot.digest, extra))

    with app.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        with summary_published.connected_to(receiver):
            snapshot = publish_summary(consultation,
                                       actor=db.session.get(User, secretariat.id))
        db.session.commit()
        assert received == [(snapshot.id, 1, 2, True, {})]
