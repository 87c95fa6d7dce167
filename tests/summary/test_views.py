"""The summary's pages, its publication through HTTP and what the API gives of it."""

import io

from openpyxl import load_workbook
from sqlalchemy import select, update

from consulta.accounts.models import User
from consulta.consultations.models import Consultation
from consulta.extensions import db
from consulta.summary.models import SummarySnapshot
from consulta.summary.queries import latest_snapshot, recompute_digest

from ..conftest import iv_plan_json, login
from ..test_query_counts import page_and_statements
from .conftest import consultation_of

LL = "plan-gobierno-abierto-la-libertad"
IV = "iv-plan-gobierno-abierto"


def snapshots(app, slug):
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


def test_a_consultation_changed_while_its_first_summary_is_published(
        app, closed_consultation, secretariat_login, monkeypatch):
    """Someone saves the consultation while its summary is being published. PostgreSQL
    reads the publication as of one moment and would then write a row changed after it:
    the secretariat is asked to try again (503), nothing is published. SQLite, whose
    publication writes after its reading ends, publishes what it read."""
    import consulta.summary.operations as operations

    slug = closed_consultation.slug
    read_rows = operations.iter_row_values

    def rows_while_someone_saves(consultation):
        with db.engine.begin() as other:
            other.execute(update(Consultation).where(Consultation.slug == slug)
                          .values(summary_introduction="Guardado mientras se publicaba."))
        yield from read_rows(consultation)

    monkeypatch.setattr(operations, "iter_row_values", rows_while_someone_saves)
    response = secretariat_login.post_form(f"/consultations/{slug}/summary/publish")

    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        assert response.status_code == 503 and "Retry-After" in response.headers
        assert "inténtalo de nuevo" in response.get_data(as_text=True)
        assert snapshots(app, slug) == []
    else:
        assert response.status_code == 302
        assert [version for version, _d, _r in snapshots(app, slug)] == [1]
    with app.app_context():
        assert consultation_of(slug).summary_introduction == "Guardado mientras se publicaba."


def test_the_page_and_the_api_give_the_published_digest(app, closed_consultation, publish):
    slug = closed_consultation.slug
    _version, digest = publish(slug, closed_consultation.secretariat)
    data = app.test_client().get(f"/api/v1/consultations/{slug}/summary").get_json()
    with app.app_context():
        snapshot = latest_snapshot(consultation_of(slug))
        assert recompute_digest(snapshot) == snapshot.digest == data["digest_sha256"] == digest
    assert (data["version"], data["rows"]) == (1, 7)
    page = app.test_client().get(f"/consultations/{slug}/summary").get_data(as_text=True)
    assert digest in page


def test_republishing_after_a_change_makes_version_2_and_keeps_version_1(
        app, closed_consultation, publish, create_response, secretariat_login):
    slug = closed_consultation.slug
    _version, first_digest = publish(slug, closed_consultation.secretariat)
    # A response changes after publication...
    create_response(closed_consultation.unanswered, outcome="out_of_scope",
                    justification="Se revisó el aporte. No corresponde al plan nacional.")
    # ...the published snapshot does not.
    with app.app_context():
        assert recompute_digest(latest_snapshot(consultation_of(slug))) == first_digest

    response = secretariat_login.post_form(f"/consultations/{slug}/summary/publish")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultations/{slug}/summary")
    page = secretariat_login.get(response.headers["Location"]).get_data(as_text=True)
    assert "La versión 2 del resumen ha sido publicada." in page
    versions = snapshots(app, slug)
    assert [v for v, _d, _r in versions] == [1, 2]
    assert versions[1][1] != first_digest
    client = app.test_client()
    assert client.get(f"/api/v1/consultations/{slug}/summary").get_json()["version"] == 2
    old = client.get(f"/api/v1/consultations/{slug}/summary?version=1").get_json()
    assert old["digest_sha256"] == first_digest
    assert "Fuera del alcance" in client.get(f"/consultations/{slug}/summary").get_data(
        as_text=True)
    assert client.get(f"/consultations/{slug}/summary?version=1").status_code == 200
    assert client.get(f"/consultations/{slug}/summary?version=3").status_code == 404
    assert client.get(f"/api/v1/consultations/{slug}/summary?version=3").status_code == 404


def test_a_summary_cannot_be_published_while_open_or_by_others(
        app, closed_consultation, create_consultation, create_user, secretariat_login):
    open_slug = create_consultation(plan=iv_plan_json(), actor=closed_consultation.secretariat)
    refused = secretariat_login.post_form(f"/consultations/{open_slug}/summary/publish")
    assert refused.headers["Location"].endswith(f"/consultations/{open_slug}/summary/manage")
    page = secretariat_login.get(refused.headers["Location"]).get_data(as_text=True)
    assert "El resumen se puede publicar una vez que la consulta haya cerrado." in page
    assert snapshots(app, open_slug) == []
    slug = closed_consultation.slug
    participant = app.test_client()
    login(participant, create_user())
    assert participant.post_form(f"/consultations/{slug}/summary/publish").status_code == 403
    assert app.test_client().post_form(f"/consultations/{slug}/summary/publish") \
        .status_code == 302  # to log in
    assert snapshots(app, slug) == []


def test_the_summary_api_is_404_before_the_first_publication(app, closed_consultation):
    slug = closed_consultation.slug
    assert app.test_client().get(f"/api/v1/consultations/{slug}/summary").status_code == 404
    page = app.test_client().get(f"/consultations/{slug}/summary")
    assert page.status_code == 200 and "no ha sido publicado" in page.get_data(as_text=True)
    assert app.test_client().get(f"/consultations/{slug}/summary/v1.pdf").status_code == 404


def test_hidden_and_withdrawn_contributions_in_the_matrix(app, closed_consultation,
                                                          secretariat_login):
    slug = closed_consultation.slug
    secretariat_login.post_form(f"/consultations/{slug}/summary/publish")
    data = app.test_client().get(f"/api/v1/consultations/{slug}/summary").get_json()
    totals = data["content"]["figures"]["contributions"]
    assert (totals["total"], totals["hidden"], totals["withdrawn"]) == (7, 1, 1)
    rows = app.test_client().get(data["matrix_url"]).get_json()["rows"]
    hidden_row = next(r for r in rows if r["code"] == closed_consultation.hidden)
    assert hidden_row["status"] == "hidden:offensive" and hidden_row["text"] == ""
    for url in (f"/consultations/{slug}/summary", data["matrix_url"],
                f"/api/v1/consultations/{slug}/contributions.csv"):
        text = app.test_client().get(url).get_data(as_text=True)
        assert "Texto ofensivo" not in text, url
    page = app.test_client().get(f"/consultations/{slug}/summary").get_data(as_text=True)
    assert "Ocultado por moderación: Lenguaje ofensivo o discriminatorio." in page
    assert "Retirado por su autor" in page


def test_no_email_or_gender_in_any_page_or_export(app, demo):
    with app.app_context():
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


def test_the_pdf_and_the_printable_version(app, closed_consultation, publish, pdf_folder):
    slug = closed_consultation.slug
    publish(slug, closed_consultation.secretariat)
    response = app.test_client().get(f"/consultations/{slug}/summary/v1.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f"resumen-{slug}-v1-es.pdf" in response.headers["Content-Disposition"]
    # Rendered once and kept: the same document again.
    assert app.test_client().get(f"/consultations/{slug}/summary/v1.pdf").data == response.data
    page = app.test_client().get(f"/consultations/{slug}/summary/v1/print").get_data(
        as_text=True)
    assert "APO-" in page
    assert all(code in page for code in closed_consultation.codes)


def test_the_manage_page_previews_and_saves_the_texts(app, closed_consultation,
                                                      secretariat_login):
    slug = closed_consultation.slug
    page = secretariat_login.get(f"/consultations/{slug}/summary/manage")
    assert page.status_code == 200 and "Publicar el resumen" in page.get_data(as_text=True)

    saved = secretariat_login.post_form(f"/consultations/{slug}/summary/manage", {
        "introduction": "Una introducción.", "note-breadth": "  Llegó a seis regiones.  "})

    assert saved.headers["Location"].endswith(f"/consultations/{slug}/summary/manage")
    page = secretariat_login.get(saved.headers["Location"]).get_data(as_text=True)
    assert "La introducción y las notas han sido guardadas." in page
    assert "Llegó a seis regiones." in page
    with app.app_context():
        consultation = consultation_of(slug)
        assert consultation.summary_introduction == "Una introducción."
        assert consultation.irm_notes == {"breadth": "Llegó a seis regiones."}


def test_the_manage_page_counts_only_when_the_preview_is_asked_for(
        app, closed_consultation, secretariat_login, publish):
    slug = closed_consultation.slug
    page = secretariat_login.get(f"/consultations/{slug}/summary/manage").get_data(
        as_text=True)
    assert "Previsualizar el resumen tal como se publicaría ahora" in page
    assert "Aportes recibidos" not in page  # no figure counted for a plain visit

    preview = secretariat_login.get(f"/consultations/{slug}/summary/manage?preview=1")
    assert "Aportes recibidos" in preview.get_data(as_text=True)

    publish(slug, closed_consultation.secretariat)
    page = secretariat_login.get(f"/consultations/{slug}/summary/manage").get_data(
        as_text=True)
    assert "Versión 1, tal como se publicó" in page and "Aportes recibidos" in page


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


def test_a_private_consultation_has_no_summary_page(app, create_consultation):
    slug = create_consultation(announced=False, opens_in_days=-10, closes_in_days=-1)
    assert app.test_client().get(f"/consultations/{slug}/summary").status_code == 404
    assert app.test_client().get(f"/api/v1/consultations/{slug}/summary").status_code == 404


def _statements(app, client, path):
    """(the page's text, how many statements one GET of ``path`` sends)."""
    html, sent = page_and_statements(app, client, path)
    return html, len(sent)


def test_each_version_body_is_rendered_once_and_shows_its_own_content(
        app, closed_consultation, publish):
    """The body of a published version (figures, timeline, checklist) is kept per worker
    once rendered: the page then reads the consultation, its versions with their
    publishers, a page of rows and the redaction log; each version keeps its own."""
    from consulta.summary.operations import save_summary_texts

    from .conftest import user

    slug, actor = closed_consultation.slug, closed_consultation.secretariat

    def introduce(text):
        with app.test_request_context():
            save_summary_texts(consultation_of(slug), actor=user(actor),
                               introduction=f"<p>{text}</p>", notes={})
            db.session.commit()
            db.session.remove()

    introduce("Primera introducción")
    publish(slug, actor)
    client = app.test_client()
    first, _rendered = _statements(app, client, f"/consultations/{slug}/summary")
    again, kept = _statements(app, client, f"/consultations/{slug}/summary")
    assert again == first and "Primera introducción" in first
    assert kept == 4
    introduce("Segunda introducción")
    publish(slug, actor)
    for _view in range(2):
        latest, _n = _statements(app, client, f"/consultations/{slug}/summary")
        older, _n = _statements(app, client, f"/consultations/{slug}/summary?version=1")
        assert "Segunda introducción" in latest and "Primera introducción" not in latest
        assert "Primera introducción" in older and "Segunda introducción" not in older
    printable, _n = _statements(app, client, f"/consultations/{slug}/summary/v1/print")
    assert "Primera introducción" in printable


def test_the_first_view_of_a_version_reads_the_earlier_ones_in_one_statement(
        app, closed_consultation, publish):
    """A version's body, rendered the first time, is suppressed against every earlier
    version: their contents come in one statement, so the first view of the fourth
    version sends what the first view of the second one sent."""
    slug, actor = closed_consultation.slug, closed_consultation.secretariat
    client = app.test_client()
    first_views = {}
    for version in (1, 2, 3, 4):
        publish(slug, actor)
        app.extensions.pop("consulta_summary_contents", None)  # not rendered yet
        _html, first_views[version] = _statements(app, client,
                                                  f"/consultations/{slug}/summary")
    assert first_views[4] == first_views[3] == first_views[2]
