"""The audit log reads as "field: before → after" rows in the reader's language."""

import re

from ..inert import main_content
from .conftest import consultation_of


def test_the_log_shows_readable_changes_not_json(app, consultation, create_contribution,
                                                 moderator_login):
    code = create_contribution(consultation, body="Sobre el plan.")
    with app.app_context():
        components = [c.name for c in consultation_of(consultation).components]
        component_id = consultation_of(consultation).components[1].id
    moderator_login.post_form(f"/moderation/{code}", {
        "component": component_id, "principles": ["participation"],
        "tags": "agua, salud"})
    moderator_login.post_form(f"/moderation/{code}/hide", {"reason": "spam"})
    page = main_content(moderator_login.get(
        f"/consultations/{consultation}/moderation/audit").get_data(as_text=True))
    assert "Componente:" in page and components[1] in page
    assert "Principios:" in page and "Participación ciudadana" in page
    assert "Etiquetas:" in page and "agua, salud" in page
    assert "Oculto:" in page and "no" in page and "sí" in page
    assert "→" in page
    for raw in ("component_id", '"principles"', "{", "spam"):
        assert raw not in page, raw
    assert not re.search(r">\s*(true|false|null)\s*<", page)
    # In English, the same rows in English.
    moderator_login.get("/language/en")
    page = main_content(moderator_login.get(
        f"/consultations/{consultation}/moderation/audit").get_data(as_text=True))
    assert "Component:" in page and "Principles:" in page and "Hidden:" in page


def test_the_log_names_the_groups_its_page_shows(app, consultation, create_contribution,
                                                 create_group, moderator_login):
    """Only the groups a page of the log names are looked up: they still read by title."""
    code = create_contribution(consultation, body="Sobre el agua.")
    create_group(consultation, title="Grupo sin mención")
    create_group(consultation, [code], title="Grupo del agua")
    page = main_content(moderator_login.get(
        f"/consultations/{consultation}/moderation/audit").get_data(as_text=True))
    assert "Grupo del agua" in page
