"""Issue 17's "Done when", as a new administrator would: Consulta run with the Mexican
profile, two entities of different levels with their own secretariats, each running a
consultation, neither able to touch the other's; no page of the run names Peru."""

from sqlalchemy import func, select

from consulta.accounts.models import User, UserRole
from consulta.audit.models import AuditEntry
from consulta.consultations.models import Consultation
from consulta.extensions import db

from ..conftest import login, make_app
from ..core.test_profile import PERU_WORDS

CONSULTATION = {"summary": "Propón compromisos.", "scope": "regional",
                "scope_region": "jalisco", "forum_name": "Secretariado Técnico Local",
                "methodology": "Mesas de trabajo.", "channels": ["web", "workshop"],
                "opens_at": "2030-03-01T09:00", "closes_at": "2030-03-31T18:00"}


ENTITIES = {"estatal": "gobierno-del-estado-de-jalisco", "municipal": "municipio-de-zapopan"}


def _state(app):
    with app.app_context():
        return (db.session.scalars(select(Consultation.title).order_by(Consultation.id)).all(),
                db.session.scalar(select(func.count()).select_from(UserRole)),
                db.session.scalar(select(func.count()).select_from(AuditEntry)))


def test_two_entities_of_a_mexican_deployment_run_their_own_consultations_apart(
        database_url, create_user):
    app = make_app(database_url, CONSULTA_PROFILE="mexico")
    version = app.config["PRIVACY_NOTICE_VERSION"]  # the Mexican notice, accepted
    people = {name: create_user(email=f"{name}@ejemplo.gob.mx", region="jalisco",
                                roles=roles, privacy_version=version)
              for name, roles in (("admin", ("admin",)), ("estatal", ()), ("municipal", ()))}
    admin = app.test_client()
    login(admin, people["admin"])
    pages = []
    for name, level, secretariat in (
            ("Gobierno del Estado de Jalisco", "regional", "estatal"),
            ("Municipio de Zapopan", "local", "municipal")):
        response = admin.post_form("/admin/entities/new", {
            "name": name, "level": level, "region": "jalisco", "parent": "",
            "secretariat_email": people[secretariat].email})
        assert response.headers["Location"].startswith("/entities/")
        pages.append(admin.get(response.headers["Location"]).get_data(as_text=True))
    pages.append(admin.get("/admin/entities").get_data(as_text=True))
    with app.app_context():
        staff = {u.email: {(r.role, r.entity.slug if r.entity else None) for r in u.roles}
                 for u in db.session.scalars(select(User)).all() if u.roles}
    assert staff["estatal@ejemplo.gob.mx"] == {("secretariat", "gobierno-del-estado-de-jalisco")}
    assert staff["municipal@ejemplo.gob.mx"] == {("secretariat", "municipio-de-zapopan")}

    # Each secretariat prepares and announces its own consultation (its entity is the
    # only one the form offers, already chosen).
    clients, slugs = {}, {}
    for who, title in (("estatal", "Plan de Acción Local de Jalisco"),
                       ("municipal", "Plan de Gobierno Abierto de Zapopan")):
        entity = ENTITIES[who]
        client = clients[who] = app.test_client()
        login(client, people[who])
        form = client.get("/consultations/new").get_data(as_text=True)
        assert f'<option selected value="{entity}">' in form
        pages.append(form)
        response = client.post_form("/consultations/new", {
            **CONSULTATION, "title": title, "entity": entity,
            **({"scope": "local", "scope_locality": "Zapopan"} if who == "municipal" else {})})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        slugs[who] = response.headers["Location"].split("/")[2]
        pages.append(client.get(response.headers["Location"]).get_data(as_text=True))
        pages.append(client.get("/staff").get_data(as_text=True))

    # Neither touches the other's: private, it does not exist (404); once announced,
    # forbidden (403); nothing changes.
    before = _state(app)
    for who, other in (("estatal", "municipal"), ("municipal", "estatal")):
        client, slug = clients[who], slugs[other]
        assert client.get(f"/consultations/{slug}").status_code == 404
        assert client.get(f"/consultations/{slug}/manage").status_code == 404
        assert client.post_form(f"/consultations/{slug}/announce").status_code == 404
        assert client.get(f"/entities/{ENTITIES[other]}/team").status_code == 403
        assert slugs[other] not in client.get("/staff").get_data(as_text=True)
    assert _state(app) == before
    for who in ("estatal", "municipal"):
        clients[who].post_form(f"/consultations/{slugs[who]}/phases", {
            "name": "Recepción de aportes", "starts_on": "2030-03-01",
            "ends_on": "2030-03-31", "description": ""})
        response = clients[who].post_form(f"/consultations/{slugs[who]}/announce")
        assert response.status_code == 302
    before = _state(app)
    for who, other in (("estatal", "municipal"), ("municipal", "estatal")):
        client, slug = clients[who], slugs[other]
        assert client.get(f"/consultations/{slug}").status_code == 200  # public now
        for path in ("manage", "edit", "feedback", "moderation", "summary/manage"):
            assert client.get(f"/consultations/{slug}/{path}").status_code == 403, path
        assert client.post_form(f"/consultations/{slug}/edit", {
            **CONSULTATION, "title": "Tomada", "entity": "x"}).status_code == 403
    assert _state(app) == before

    # The national overview, in the Mexican profile's words.
    visitor = app.test_client()
    for path in ("/entities", "/consultations", "/consultations?level=local",
                 "/entities/municipio-de-zapopan", "/api/v1/entities"):
        response = visitor.get(path)
        assert response.status_code == 200, path
        pages.append(response.get_data(as_text=True))
    assert "Plan de Gobierno Abierto de Zapopan" in pages[-2]
    assert "Plan de Acción Local de Jalisco" not in pages[-2]
    for page in pages:
        assert not PERU_WORDS.findall(page), PERU_WORDS.findall(page)
