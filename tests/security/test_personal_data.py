"""No e-mail, DNI-like number or IP address in anything the public can read.

The demo world gets personal data where it must never surface: the e-mails of every
account, the name of a participant who did not consent to show it, the e-mail and name
of an offline author, and a DNI, an e-mail and an IP typed inside contributions and
masked by a moderator (in the open consultation, and in the finished one before a new
version of its summary is published). Then every public page reachable from the home
page, every API list (all pages), the CSV and XLSX exports and the text of the summary
PDF are searched.
"""

import io
import re
from collections import deque
from urllib.parse import urlsplit

from openpyxl import load_workbook
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.contributions.models import Contribution
from consulta.extensions import db

from ..pdf import pdf_text
from .conftest import IV, LL

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DNI = re.compile(r"\b\d{8}\b")
IP = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
#: Addresses the public may read: the platform's own sender. Nothing else.
PUBLIC_ADDRESSES = {"no-reply@localhost"}

SECRET_DNI, SECRET_EMAIL, SECRET_IP = "45678912", "vecina.privada@example.pe", "181.65.12.34"
PRIVATE_NAME, OFFLINE_NAME = "Nombre Reservado Quispe", "Autora Sin Consentimiento"
PII_TEXT = (f"Mi DNI es {SECRET_DNI}, escribanme a {SECRET_EMAIL} o desde la IP "
            f"{SECRET_IP}; pido transparencia en las compras del municipio.")


def plant_personal_data(app, world):
    participant = world.client(app, "participant")
    private = world.accounts["participant"]
    with app.app_context():
        user = db.session.get(User, private.id)
        user.display_name, user.show_name_publicly = PRIVATE_NAME, False
        db.session.commit()
    sent = participant.post_form(f"/consultations/{IV}/comments/new", {
        "target": "plan", "body": PII_TEXT, "send": "1"})
    web_code = re.search(r"APO-\d{4}-\d{6}", sent.headers["Location"]).group(0)
    moderator = world.client(app, "moderator")
    offline = moderator.post_form(f"/consultations/{IV}/contributions/offline/new", {
        "kind": "comment", "channel": "email", "title": "Carta de una vecina",
        "body": "Propongo audiencias públicas trimestrales.", "author_name": OFFLINE_NAME,
        "author_email": "autora.offline@example.pe", "sector": "citizen",
        "region": "cusco"})
    assert offline.status_code == 302
    # In the finished consultation, as if it had come on paper, then a new summary.
    with app.app_context():
        written = db.session.scalar(select(Contribution).join(Contribution.consultation)
                                    .where(Contribution.channel == "written",
                                           Contribution.consultation.has(slug=LL))
                                    .order_by(Contribution.id))
        written.body = PII_TEXT
        ll_code = written.tracking_code
        db.session.commit()
    for code in (web_code, ll_code):
        for fragment in (SECRET_DNI, SECRET_EMAIL, SECRET_IP):
            response = moderator.post_form(f"/moderation/{code}/mask",
                                           {"fragment": fragment})
            assert response.status_code == 302
    secretariat = world.client(app, "secretariat")
    assert secretariat.post_form(f"/consultations/{LL}/summary/publish").status_code == 302
    with app.app_context():
        emails = {e for e in db.session.scalars(select(User.email)) if e}
    return emails | {SECRET_EMAIL, "autora.offline@example.pe"}


def xlsx_text(data):
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(cell) for sheet in workbook.worksheets
                     for row in sheet.iter_rows(values_only=True) for cell in row
                     if cell is not None)


def crawl(client, starts, limit=600):
    """Every page reachable from ``starts`` by following links (queries dropped)."""
    seen, queue, pages = set(starts), deque(starts), {}
    skip = ("/static/", "/language/", "/login", "/register", "/password", "/confirm",
            "/api/", "/logout")
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        pages[url] = response
        if response.mimetype != "text/html":
            # A streamed export not read holds its request's context (and a read
            # transaction) until it is collected; the next test's commands would run in it.
            response.close()
            continue
        for href in re.findall(r'href="([^"#]+)', response.get_data(as_text=True)):
            parts = urlsplit(href.replace("&amp;", "&"))
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(skip) or parts.path in seen:
                continue
            seen.add(parts.path)
            queue.append(parts.path)
    return pages


def api_texts(client):
    texts = {}
    listing = client.get("/api/v1/consultations?per_page=100").get_json()
    for item in listing["consultations"]:
        slug = item["slug"]
        texts[f"api {slug}"] = client.get(f"/api/v1/consultations/{slug}").get_data(
            as_text=True)
        page = 1
        while True:
            response = client.get(
                f"/api/v1/consultations/{slug}/contributions?per_page=100&page={page}")
            texts[f"api {slug} contributions p{page}"] = response.get_data(as_text=True)
            if page >= response.get_json()["pages"]:
                break
            page += 1
        texts[f"csv {slug}"] = client.get(
            f"/api/v1/consultations/{slug}/contributions.csv").get_data(as_text=True)
        texts[f"xlsx {slug}"] = xlsx_text(client.get(
            f"/api/v1/consultations/{slug}/contributions.xlsx").data)
        summary = client.get(f"/api/v1/consultations/{slug}/summary")
        if summary.status_code == 200:
            for version in range(1, summary.get_json()["version"] + 1):
                texts[f"api {slug} summary v{version}"] = client.get(
                    f"/api/v1/consultations/{slug}/summary?version={version}").get_data(
                    as_text=True)
                texts[f"api {slug} matrix v{version}"] = client.get(
                    f"/api/v1/consultations/{slug}/summary/v{version}/matrix?per_page=100"
                ).get_data(as_text=True)
                texts[f"pdf {slug} v{version}"] = pdf_text(client.get(
                    f"/consultations/{slug}/summary/v{version}.pdf").data)
    texts["openapi"] = client.get("/api/v1/openapi.json").get_data(as_text=True)
    return texts


def leaks(text, emails):
    found = [e for e in EMAIL.findall(text) if e not in PUBLIC_ADDRESSES]
    found += [e for e in emails if e in text]
    found += DNI.findall(text) + IP.findall(text)
    found += [name for name in (PRIVATE_NAME, OFFLINE_NAME) if name in text]
    return found


def test_no_personal_data_in_any_public_page_export_or_api_answer(app, world):
    emails = plant_personal_data(app, world)
    client = app.test_client()
    pages = crawl(client, ["/", f"/consultations/{IV}/contributions?per_page=100",
                           f"/consultations/{LL}/contributions?per_page=100"])
    texts = {url: r.get_data(as_text=True) for url, r in pages.items()
             if r.mimetype == "text/html"}
    texts.update(api_texts(client))
    # The crawl reached what it must search: both consultations, the masked
    # contributions, the new summary, its PDF text.
    assert len(pages) > 60, len(pages)
    assert f"/consultations/{LL}/summary/v2/print" in pages
    assert "Propongo audiencias públicas trimestrales." in "".join(texts.values())
    assert "pido transparencia en las compras" in texts[f"pdf {LL} v2"]
    assert "APO-" in texts[f"pdf {LL} v1"]
    found = {where: leaked for where, text in texts.items() if (leaked := leaks(text, emails))}
    assert not found, found


def test_the_search_above_would_see_personal_data(app, world):
    """The patterns find what they look for (else the test above proves nothing)."""
    emails = plant_personal_data(app, world)
    assert set(leaks(PII_TEXT + PRIVATE_NAME, emails)) == {
        SECRET_DNI, SECRET_EMAIL, SECRET_IP, PRIVATE_NAME}
    # Unmasked, the finished consultation's next summary would carry them into the PDF.
    moderator = world.client(app, "moderator")
    with app.app_context():
        code = db.session.scalar(select(Contribution.tracking_code).where(
            Contribution.body == PII_TEXT, Contribution.channel == "written"))
    assert moderator.post_form(f"/moderation/{code}/unmask").status_code == 302
    published = world.client(app, "secretariat").post_form(
        f"/consultations/{LL}/summary/publish", follow_redirects=True)
    assert "versión 3" in published.get_data(as_text=True).lower(), \
        published.get_data(as_text=True)[:3000]
    pdf = pdf_text(app.test_client().get(f"/consultations/{LL}/summary/v3.pdf").data)
    assert {SECRET_DNI, SECRET_EMAIL, SECRET_IP} <= set(leaks(pdf, emails))
