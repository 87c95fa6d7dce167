"""An entity's team reads the audit log and downloads the matrix of its own consultations
(those of the entities under it included), and never another entity's: 403 once that one
is announced, 404 while it is private."""

from sqlalchemy import func, select

from consulta.accounts.models import Entity
from consulta.audit.models import AuditEntry
from consulta.extensions import db

from ..conftest import login


def test_an_entitys_team_reads_only_its_own_audit_logs_and_exports(
        app, create_entity, create_user, create_consultation):
    region = create_entity("Gobierno Regional La Libertad", level="regional",
                           region="la-libertad")
    city = create_entity("Municipalidad Provincial de Trujillo", level="local",
                         region="la-libertad", parent=region)
    other = create_entity("Gobierno Regional Piura", level="regional", region="piura")
    with app.app_context():
        ids = dict(db.session.execute(select(Entity.slug, Entity.id)).all())
    people = {name: create_user(email=f"{name}@example.pe", display_name=name.title(),
                                roles=((role, entity),))
              for name, role, entity in (
                  ("libertad", "secretariat", region), ("moderacion", "moderator", region),
                  ("trujillo", "secretariat", city), ("piura", "secretariat", other))}

    def consultation(title, entity, actor, announced=True):
        return create_consultation(title=title, entity_id=ids[entity], actor=people[actor],
                                   announced=announced)

    slugs = {
        "region": consultation("Plan regional de La Libertad", region, "libertad"),
        "region_draft": consultation("Borrador regional", region, "libertad",
                                     announced=False),
        "city": consultation("Plan de Trujillo", city, "trujillo"),
        "other": consultation("Plan regional de Piura", other, "piura"),
        "other_draft": consultation("Borrador de Piura", other, "piura", announced=False),
    }
    with app.app_context():
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry))

    def status(who, key, page="moderation/audit"):
        client = app.test_client()
        login(client, people[who])
        response = client.get(f"/consultations/{slugs[key]}/{page}")
        if response.status_code == 200 and page == "moderation/audit":
            html = response.get_data(as_text=True)
            # Its own log: the creation and who did it, nothing of another consultation.
            assert html.count("<td>Consulta creada</td>") == 1, key
        return response.status_code

    expected = {
        # The region's secretariat: its consultations, private ones and the city's too.
        "libertad": {"region": 200, "region_draft": 200, "city": 200,
                     "other": 403, "other_draft": 404},
        # Its moderators: the announced ones (a draft is the secretariat's alone).
        "moderacion": {"region": 200, "region_draft": 404, "city": 200,
                       "other": 403, "other_draft": 404},
        # The city's secretariat: the city's only, not the region above it.
        "trujillo": {"region": 403, "region_draft": 404, "city": 200,
                     "other": 403, "other_draft": 404},
        "piura": {"region": 403, "region_draft": 404, "city": 403,
                  "other": 200, "other_draft": 200},
    }
    found = {who: {key: status(who, key) for key in slugs} for who in expected}
    assert found == expected

    for who, key, code in (("libertad", "region", 200), ("libertad", "city", 200),
                           ("libertad", "other", 403), ("piura", "region_draft", 404),
                           ("trujillo", "region", 403)):
        assert status(who, key, "feedback/matrix.xlsx") == code, (who, key)
    with app.app_context():  # reading changes nothing
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries
