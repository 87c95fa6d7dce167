"""The summary's PDF: any text fits, one document per version and language, written once
(even when four people ask at the same moment), and a failure remembered, not retried."""

import logging
import re
import threading

import pytest

from consulta.extensions import db
from consulta.summary import pdf as summary_pdf
from consulta.summary.operations import save_summary_texts

from ..conftest import iv_plan_json
from .conftest import close, consultation_of, page_count, pdf_lines, pdf_text, user

#: Four hundred line breaks, as a spreadsheet pasted from Windows carries them.
BREAKS = "x\r\n" * 400
JUSTIFICATION_START = "Empieza0001"
JUSTIFICATION_END = "Termina9999"


@pytest.fixture
def published_with_long_texts(app, create_consultation, create_user, create_contribution,
                              create_response, publish):
    """A closed consultation whose every text that reaches the PDF is as long, or as
    broken into lines, as its column takes; version 1 of its summary published."""
    secretariat = create_user(roles=("secretariat",))
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1,
                               actor=secretariat, organizer="x\n" * 100,
                               forum_name="Foro\r\n" * 33)
    proposal = create_contribution(slug, kind="proposal", values={
        "title": "x\n" * 150, "problem": BREAKS, "objective": "y" * 10_000,
        "body": BREAKS})
    comment = create_contribution(slug, body=BREAKS + "<b>no es marcado</b> & co")
    offline = create_contribution(slug, channel="email", body=BREAKS,
                                  author_name="x\n" * 100, author_name_public=True)
    justification = (f"{JUSTIFICATION_START} es el comienzo. "
                     + "Una razón con detalle. " * 440 + f"Y el {JUSTIFICATION_END}.")
    assert len(justification) > 10_000
    create_response(proposal, outcome="incorporated", commitments=(1,),
                    justification=justification, actor=secretariat)
    create_response(comment, outcome="referred", referred_to="Ministerio\r\n" * 25,
                    justification=BREAKS + "Primera razón. Segunda razón.", actor=secretariat)
    create_response(offline, outcome="not_incorporated",
                    justification="Fuera de plazo. " + BREAKS + "Sin recursos.",
                    actor=secretariat)
    with app.test_request_context():
        save_summary_texts(consultation_of(slug), actor=user(secretariat),
                           introduction=BREAKS + "Uso de <script>alert(1)</script> & datos.",
                           notes={"breadth": BREAKS + "z" * 10_000,
                                  "advance_notice": "Aviso.\r\n" * 400})
        db.session.commit()
        db.session.remove()
    close(app, slug)
    publish(slug, secretariat)
    return slug


def test_any_text_gives_a_pdf_whose_long_cells_go_on_to_the_next_page(
        app, published_with_long_texts, pdf_folder):
    slug = published_with_long_texts

    response = app.test_client().get(f"/consultations/{slug}/summary/v1.pdf?lang=en")

    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.data.rstrip().endswith(b"%%EOF")
    pages = page_count(response.data)
    assert pages >= 4
    text = pdf_text(response.data)
    # The justification of more than 10,000 characters is there whole: its cell went on.
    assert JUSTIFICATION_START in text and JUSTIFICATION_END in text
    # Every page says which it is, of how many.
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text
    # The introduction is escaped once: its text as written, no entity shown.
    assert "<script>alert(1)</script> & datos." in text
    assert "&lt;" not in text and "&amp;" not in text
    assert "<b>no es marcado</b> & co" in text
    # Carriage returns are line breaks, never drawn.
    assert "\r" not in text and "\\r" not in text


def test_the_matrix_shows_where_a_contribution_went_and_dates_whole(
        app, closed_consultation, create_response, publish, pdf_folder):
    slug = closed_consultation.slug
    create_response(closed_consultation.unanswered, outcome="incorporated",
                    commitments=(2, 3), actor=closed_consultation.secretariat)
    create_response(closed_consultation.workshop, outcome="referred",
                    referred_to="Contraloria General de la Republica",
                    actor=closed_consultation.secretariat)
    publish(slug, closed_consultation.secretariat)
    rows = app.test_client().get(
        f"/api/v1/consultations/{slug}/summary/v1/matrix").get_json()["rows"]

    data = app.test_client().get(f"/consultations/{slug}/summary/v1.pdf?lang=en").data

    chunks = pdf_lines(data)
    text = " ".join(chunks)
    # Where each went, in the outcome's cell, as the page says it.
    assert "Incorporated incorporated in commitment(s) 2, 3" in text
    assert "Referred to another entity referred to Contraloria General de la Republica" \
        in text
    # A date is drawn as one string: its cell is as wide as the date.
    for row in rows:
        assert row["date"] in chunks, row["date"]
        assert row["code"] in chunks, row["code"]
    assert "Page 1 of" in text


def test_each_language_has_its_own_pdf_with_its_own_names(app, closed_consultation,
                                                            publish, pdf_folder):
    slug = closed_consultation.slug
    publish(slug, closed_consultation.secretariat)
    client = app.test_client()

    english = client.get(f"/consultations/{slug}/summary/v1.pdf?lang=en")
    spanish = client.get(f"/consultations/{slug}/summary/v1.pdf?lang=es")
    by_browser = client.get(f"/consultations/{slug}/summary/v1.pdf",
                            headers={"Accept-Language": "en-US,en;q=0.9"})
    by_default = client.get(f"/consultations/{slug}/summary/v1.pdf")

    assert english.data != spanish.data
    assert by_browser.data == english.data and by_default.data == spanish.data
    assert "Accept-Language" in by_default.headers.get("Vary", "")
    assert "Accept-Language" not in english.headers.get("Vary", "")
    assert f"resumen-{slug}-v1-en.pdf" in english.headers["Content-Disposition"]
    en, es = pdf_text(english.data), pdf_text(spanish.data)
    assert "Process and timeline available" in en and "Advance notice" in en
    assert "Disponibilidad del proceso y cronograma" in es
    assert "Disponibilidad del proceso" not in en and "Process and timeline" not in es
    assert "Contribution matrix" in en and "Summary of the consultation" in en
    assert "Summary of the consultation" not in es and "Matriz de aportes" in es
    assert "Page 1 of" in en and "Page 1 of" not in es and re.search(r"gina 1 de \d", es)
    # Each is kept under a name that carries the version and the language.
    names = sorted(p.name for p in pdf_folder.glob("*.pdf"))
    assert len(names) == 2
    assert [n.split("-v1-")[1].split("-")[1] for n in names] == ["en", "es"]


def test_the_pdf_shows_shares_in_the_readers_language(app, closed_consultation, publish,
                                                      pdf_folder):
    slug = closed_consultation.slug
    publish(slug, closed_consultation.secretariat)
    # Five visible contributions, three answered: 60 %.
    en = pdf_text(app.test_client().get(f"/consultations/{slug}/summary/v1.pdf?lang=en").data)
    es = pdf_text(app.test_client().get(f"/consultations/{slug}/summary/v1.pdf?lang=es").data)
    assert "With a published response: 60%" in en
    # Spanish puts a no-break space before the sign (drawn from the font's other subset).
    assert re.search(r"Con respuesta publicada: 60(\\\d{3}|\xa0| )%", es), es[:3000]
    assert "60.0" not in en + es and "60,0" not in es


def test_four_concurrent_first_downloads_get_the_same_pdf(app, closed_consultation, publish,
                                                          pdf_folder):
    slug = closed_consultation.slug
    publish(slug, closed_consultation.secretariat)
    start = threading.Barrier(4)
    results = [None] * 4

    def download(n):
        client = app.test_client()
        start.wait()
        response = client.get(f"/consultations/{slug}/summary/v1.pdf")
        results[n] = (response.status_code, response.data)

    threads = [threading.Thread(target=download, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert [status for status, _data in results] == [200] * 4
    assert len({data for _status, data in results}) == 1
    assert results[0][1].startswith(b"%PDF")
    # One file, nothing left over from the writing.
    assert [p.suffix for p in pdf_folder.iterdir() if p.suffix != ".lock"] == [".pdf"]


def test_a_failed_pdf_is_remembered_and_answered_with_a_clear_page(
        app, closed_consultation, publish, pdf_folder, monkeypatch, caplog):
    slug = closed_consultation.slug
    publish(slug, closed_consultation.secretariat)
    attempts = []
    render = summary_pdf._render

    def broken(*args):
        attempts.append(1)
        raise ValueError("a layout that cannot be drawn")

    monkeypatch.setattr(summary_pdf, "_render", broken)
    client = app.test_client()
    url = f"/consultations/{slug}/summary/v1.pdf"

    with caplog.at_level(logging.ERROR, logger="consulta.summary.pdf"):
        first = client.get(url)
    second = client.get(url)

    assert first.status_code == second.status_code == 500
    page = first.get_data(as_text=True)
    assert "No se pudo generar el PDF" in page and "Traceback" not in page
    error_id = re.search(r"<code>(\w{12})</code>", page).group(1)
    assert error_id in second.get_data(as_text=True)  # the same failure, remembered...
    assert len(attempts) == 1  # ...not tried again
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert not list(pdf_folder.glob("*.pdf")) and not list(pdf_folder.glob("*.tmp"))
    english = client.get(url, headers={"Accept-Language": "en"})
    assert "The PDF could not be made" in english.get_data(as_text=True)
    assert len(attempts) == 2  # each language is its own document

    # New code that draws PDFs tries again...
    monkeypatch.setattr(summary_pdf, "CODE_VERSION", "newcode1")
    assert client.get(url).status_code == 500 and len(attempts) == 3
    # ...and so does an administrator, once the cause is fixed.
    monkeypatch.setattr(summary_pdf, "_render", render)
    assert client.get(url).status_code == 500 and len(attempts) == 3
    result = app.test_cli_runner().invoke(args=["summary-pdf", slug, "1", "--retry"])
    assert result.exit_code == 0, result.output
    assert "Forgot 1 remembered failure(s)." in result.output  # es, with the new code
    retried = client.get(url)
    assert retried.status_code == 200 and retried.data.startswith(b"%PDF")
    assert len(list(pdf_folder.glob("*.pdf"))) == 2  # both languages made by the command


def test_the_introduction_is_escaped_once_in_code_too(
        app, closed_consultation, publish, pdf_folder):
    """Markdown escaped what was already escaped in `code`: the PDF (and the page) read
    "&lt;script&gt;"."""
    slug = closed_consultation.slug
    with app.test_request_context():
        save_summary_texts(consultation_of(slug), actor=user(closed_consultation.secretariat),
                           introduction="Se retiró `<script>` y `a & b`.\n\n"
                                        "    <b>bloque</b> & fin\n", notes={})
        db.session.commit()
        db.session.remove()
    publish(slug, closed_consultation.secretariat)
    client = app.test_client()

    text = pdf_text(client.get(f"/consultations/{slug}/summary/v1.pdf?lang=en").data)
    page = client.get(f"/consultations/{slug}/summary").get_data(as_text=True)

    assert "<script>" in text and "a & b" in text and "<b>bloque</b> & fin" in text
    assert "&lt;" not in text and "&amp;" not in text
    assert "<code>&lt;script&gt;</code>" in page and "<code>a &amp; b</code>" in page
