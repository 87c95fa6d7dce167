"""A Mexican deployment, run as its people would: every page, e-mail and export of the run
speaks of Mexico and never of Peru."""

import html
import io
import json
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.core.dates import utcnow
from consulta.core.i18n import format_number, format_share, format_when
from consulta.core.personal_data import find_personal_data
from consulta.extensions import db

from ..conftest import link_in, login, make_app
from ..contributions.test_views import ACTIONS, ids, send_proposal
from ..pdf import pdf_text
from .test_profile import PERU_WORDS, ROOT

PLAN = {
    "plan": {"title": "Plan de Acción Local de Gobierno Abierto de Jalisco 2026-2027",
             "country": "MX", "starts": "2026-01-01", "ends": "2027-12-31",
             "cross_cutting_focus": "Participación ciudadana",
             "subnational_commitments": True},
    "principles": ["Transparencia", "Participación ciudadana", "Rendición de cuentas"],
    "themes": [{"name": "Presupuesto abierto", "commitments": [
        {"number": 1, "title": "Publicar el presupuesto estatal en datos abiertos",
         "summary": "El presupuesto del estado, en formatos abiertos y comprensibles.",
         "principles": ["Transparencia"],
         "institution": "Secretaría de la Hacienda Pública"}]}],
}
REGISTRATION = {
    "email": "itzel.hernandez@ejemplo.gob.mx", "password": "una frase larga y segura",
    "password_confirm": "una frase larga y segura", "display_name": "Itzel Hernández",
    "sector": "indigenous_peoples", "region": "jalisco", "gender": "female",
    "show_name_publicly": "y", "accept_privacy": "y",
}


@pytest.fixture
def mexico(app, database_url):
    """The app as a Mexican deployment runs it, on the test database."""
    return make_app(database_url, CONSULTA_PROFILE="mexico")


def no_peru(text, where):
    found = PERU_WORDS.findall(text)
    assert not found, f"{where} names Peru: {found}"


def test_the_mexican_profile_sets_zone_numbers_and_labels(mexico):
    assert mexico.config["BABEL_DEFAULT_TIMEZONE"] == "America/Mexico_City"
    assert mexico.config["PRIVACY_NOTICE_VERSION"] == "2026-12"
    with mexico.test_request_context(), force_locale("es"):
        assert (format_number(12345), format_share(66.66)) == ("12,345", "66.7%")
    with mexico.test_request_context(), force_locale("en"):
        assert (format_number(12345), format_share(66.66)) == ("12,345", "66.7%")


def test_peru_keeps_its_numbers(app):
    with app.test_request_context(), force_locale("es"):
        assert (format_number(12345), format_share(66.66)) == ("12.345", "66,7\xa0%")


def test_a_region_or_sector_of_another_country_is_refused(app, mexico):
    client = mexico.test_client()
    for changes in ({"region": "cusco"}, {"sector": "national_government"}):
        page = client.post_form("/register", {**REGISTRATION, **changes}).get_data(as_text=True)
        assert "de la lista" in page or "Elige" in page
    with mexico.app_context():
        assert db.session.scalar(select(User)) is None


def test_a_mexican_run_shows_no_peruvian_word(app, mexico, create_user, create_consultation,
                                               outbox):
    secretariat = create_user(email="secretaria@jalisco.gob.mx", roles=("secretariat",),
                              display_name="Secretaría de Planeación", region="jalisco",
                              sector="state_government", privacy_version="2026-12")
    slug = create_consultation(
        plan=json.dumps(PLAN).encode(), actor=secretariat,
        title="Consulta del Plan de Acción Local de Jalisco",
        organizer="Secretaría de Planeación y Participación Ciudadana de Jalisco")
    client = mexico.test_client()
    outputs = {}

    page = client.get("/register").get_data(as_text=True)
    assert "Entidad federativa" in page and "Jalisco" in page and "Ayacucho" not in page
    assert "Pueblos y comunidades indígenas" in page
    bad_email = client.post_form("/register", {**REGISTRATION, "email": "no-es-correo"})
    assert "nombre@ejemplo.gob.mx" in bad_email.get_data(as_text=True)
    outputs["register"] = page + bad_email.get_data(as_text=True)

    assert client.post_form("/register", REGISTRATION).status_code == 302
    client.get(link_in(outbox()[-1], "/confirm/"))
    assert client.post_form("/login", {"email": REGISTRATION["email"],
                                       "password": REGISTRATION["password"]}).status_code == 302
    components, _ = ids(mexico, slug)
    sent = send_proposal(client, slug, {
        "component": str(components["Presupuesto abierto"]),
        "title": "Tablero ciudadano del gasto estatal",
        "problem": "El gasto del estado no se puede seguir a tiempo.",
        "objective": "Que las comunidades sigan el gasto de su municipio.",
        "responsible": "Secretaría de la Hacienda Pública", "co_responsible": "",
        "due": "2027-06", "body": "Propuesta de las comunidades wixárikas.", **ACTIONS})
    assert sent.status_code == 302
    outputs["receipt"] = client.get(sent.headers["Location"]).get_data(as_text=True)

    for path in ("/", "/consultations", f"/consultations/{slug}",
                 f"/consultations/{slug}/contributions", f"/consultations/{slug}/plan",
                 "/privacy", "/account", "/account/export"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        outputs[path] = response.get_data(as_text=True)
    assert "Ley General de Protección de Datos Personales" in outputs["/privacy"]
    assert "Itzel Hernández" in outputs[f"/consultations/{slug}/contributions"]

    staff = mexico.test_client()
    staff.post_form("/login", {"email": "secretaria@jalisco.gob.mx",
                               "password": "ciudadania-activa-2026"})
    form = staff.get(f"/consultations/{slug}/edit").get_data(as_text=True)
    assert "hora del centro de México" in form
    outputs["edit"] = form
    csv = staff.get(f"/api/v1/consultations/{slug}/contributions.csv")
    assert csv.status_code == 200
    outputs["csv"] = csv.get_data().decode("utf-8-sig")
    assert "Tablero ciudadano del gasto estatal" in outputs["csv"]
    workbook = load_workbook(io.BytesIO(
        staff.get(f"/api/v1/consultations/{slug}/contributions.xlsx").data))
    outputs["xlsx"] = "\n".join(str(cell.value) for sheet in workbook for row in
                                sheet.iter_rows() for cell in row if cell.value is not None)
    outputs["api"] = json.dumps(client.get(f"/api/v1/consultations/{slug}").get_json(),
                                ensure_ascii=False)
    for message in outbox():
        outputs[f"mail {message.subject}"] = f"{message.subject}\n{message.body}"
    assert len([key for key in outputs if key.startswith("mail ")]) >= 2

    for where, text in outputs.items():
        no_peru(text, where)
    with mexico.test_request_context():
        user = db.session.scalar(select(User).where(User.email == REGISTRATION["email"]))
        assert (user.sector, user.region, user.privacy_version) == (
            "indigenous_peoples", "jalisco", "2026-12")
        no_peru(format_when(user.created_at), "a date")


def test_personal_data_is_looked_for_with_the_patterns_of_the_country(app, mexico):
    text = "Mi CURP es GODE561231HDFRRN09, mi DNI 45678912, llámame al 33 1234 5678"
    with mexico.test_request_context():
        found = {item.code: item.text for item in find_personal_data([text])}
    assert found == {"curp": "GODE561231HDFRRN09", "phone": "33 1234 5678"}
    with app.test_request_context():
        found = {item.code for item in find_personal_data([text])}
    assert "dni" in found and "curp" not in found


# --- a whole Mexican run, walked page by page -------------------------------------------

#: Links followed by the walk: pages and downloads of this site, never leaving it or
#: logging out; a page's query-string variants (filters, pages) are followed a few times.
LINK = re.compile(r'(?:href|src)="(/[^"#]*)"')
NOT_WALKED = ("/logout", "/static/", "/lang/", "/language")
VARIANTS_PER_PATH = 3


def text_of(response):
    """What a person reads in a response: the page, the CSV, the workbook's cells, the
    PDF's lines."""
    kind = response.mimetype
    if kind == "application/pdf":
        return pdf_text(response.data)
    if "spreadsheetml" in kind:
        workbook = load_workbook(io.BytesIO(response.data))
        return "\n".join(str(cell.value) for sheet in workbook for row in
                         sheet.iter_rows() for cell in row if cell.value is not None)
    return response.get_data().decode("utf-8-sig", "replace")


def walk(client, starts, limit=250):
    """{url: text} of every page reachable from ``starts`` by the site's own links."""
    queue, seen, per_path, texts = list(starts), set(), {}, {}
    while queue and len(texts) < limit:
        url = html.unescape(queue.pop(0))
        path = url.split("?")[0]
        if url in seen or path.startswith(NOT_WALKED):
            continue
        seen.add(url)
        per_path[path] = per_path.get(path, 0) + 1
        if per_path[path] > VARIANTS_PER_PATH:
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200:
            continue
        texts[url] = text_of(response)
        if response.mimetype == "text/html":
            queue.extend(LINK.findall(texts[url]))
    return texts


@pytest.fixture
def mexican_run(app, mexico, create_user, create_consultation, create_contribution,
                create_response):
    """A Mexican consultation as it ends: a web comment and a workshop's contributions,
    answered, closed, its summary published; and a staff member who did all of it."""
    staff = create_user(email="equipo@jalisco.gob.mx", display_name="Equipo de Jalisco",
                        roles=("secretariat", "moderator", "facilitator", "admin"),
                        region="jalisco", sector="state_government",
                        privacy_version="2026-12")
    slug = create_consultation(plan=json.dumps(PLAN).encode(), actor=staff,
                               title="Consulta del Plan de Acción Local de Jalisco",
                               organizer="Secretaría de Planeación de Jalisco")
    citizen = create_user(email="itzel@ejemplo.gob.mx", display_name="Itzel Hernández",
                          region="jalisco", sector="indigenous_peoples",
                          show_name_publicly=True, privacy_version="2026-12")
    web = create_contribution(slug, author=citizen, body="Que el gasto se publique cada mes.")
    with mexico.test_request_context():
        from consulta.consultations.models import Consultation
        from consulta.contributions import operations

        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        # (made where the factories make it: a Peruvian app, that knows no Jalisco)
        consultation.scope, consultation.scope_region = "regional", "jalisco"
        actor = db.session.get(User, staff.id)
        event = operations.save_event(
            consultation, actor=actor, kind="workshop", title="Taller en Guadalajara",
            held_on=date(2026, 3, 14), place="Guadalajara", region="jalisco", description="",
            attendance=[("civil_society", 12, 7), ("municipal_government", 4, 2)])
        db.session.flush()
        sheet = operations.record_offline_contribution(
            consultation, moderator=actor, kind="comment", channel="workshop",
            values={"body": "Mesas de trabajo con los municipios."}, event_id=event.id,
            sector="municipal_government", region="jalisco", received_on=date(2026, 3, 14),
            received_outside_window=True).tracking_code
        db.session.commit()
        db.session.remove()
    for code in (web, sheet):
        create_response(code, actor=staff)
    with mexico.test_request_context():
        from consulta.consultations.models import Consultation
        from consulta.summary.operations import publish_summary

        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        closed = utcnow() - timedelta(hours=1)
        for window in consultation.windows:
            window.closes_at = min(window.closes_at, closed)
        consultation.closes_at = closed
        db.session.flush()
        publish_summary(consultation, actor=db.session.get(User, staff.id))
        db.session.commit()
        db.session.remove()
    return {"slug": slug, "staff": staff, "codes": (web, sheet)}


def test_every_page_export_and_mail_of_a_mexican_run_is_free_of_peru(mexico, mexican_run):
    slug, staff = mexican_run["slug"], mexican_run["staff"]
    public = walk(mexico.test_client(), ["/", f"/consultations/{slug}",
                                         f"/consultations/{slug}/summary",
                                         f"/consultations/{slug}/summary/v1.pdf",
                                         f"/consultations/{slug}/summary/v1.csv",
                                         f"/consultations/{slug}/summary/v1.xlsx",
                                         f"/consultations/{slug}/print/plan.pdf",
                                         f"/consultations/{slug}/print/proposal-sheet.pdf",
                                         f"/consultations/{slug}/print/how-to-take-part.pdf",
                                         "/api/v1/consultations", "/api/v1/openapi.json"])
    assert any(url.endswith(".pdf") for url in public)
    assert "Entidad federativa" in public[f"/consultations/{slug}/summary"]
    client = mexico.test_client()
    login(client, staff)
    staff_pages = walk(client, ["/staff", f"/consultations/{slug}/manage",
                                f"/consultations/{slug}/moderation",
                                f"/consultations/{slug}/matrix", "/admin/outbox",
                                f"/consultations/{slug}/summary/manage",
                                f"/contributions/{mexican_run['codes'][1]}/receipt.pdf"])
    assert len(public) > 20 and len(staff_pages) > 30
    for where, text in {**public, **staff_pages}.items():
        no_peru(text, where)
    for where, text in rendered_mail_templates(mexico).items():
        no_peru(text, where)


def rendered_mail_templates(app):
    """Every e-mail template, rendered in both languages with whatever it is given."""
    from jinja2 import ChainableUndefined

    texts = {}
    folder = ROOT / "templates" / "mail"
    with app.test_request_context():
        environment = app.jinja_env.overlay(undefined=ChainableUndefined)
        for path in sorted(folder.glob("*.txt")):
            for language in ("es", "en"):
                with force_locale(language):
                    template = environment.get_template(f"mail/{path.name}")
                    texts[f"mail/{path.name} ({language})"] = template.render()
    assert len(texts) >= 20
    return texts
