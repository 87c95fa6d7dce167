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


def _entries(page):
    return [int(n) for n in re.findall(r"contribution #(\d+)", page)]


def _link(page, rel):
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_log_is_read_a_page_at_a_time_from_newest_to_oldest(app, consultation,
                                                                  moderator_login):
    """Pages follow one another from an entry (the log is never counted): older, then
    newer again, the action's filter kept; a link that leads nowhere shows the latest."""
    from consulta.audit.models import AuditEntry
    from consulta.extensions import db

    with app.app_context():
        ident = consultation_of(consultation).id
        for n in range(1, 121):
            db.session.add(AuditEntry(
                action="contribution.hidden" if n % 2 else "contribution.classified",
                object_type="contribution", object_id=n, consultation_id=ident,
                before={}, after={}))
        db.session.commit()
    url = f"/consultations/{consultation}/moderation/audit"
    first = main_content(moderator_login.get(url).get_data(as_text=True))
    assert _entries(first) == list(range(120, 70, -1))
    assert _link(first, "prev") is None
    second = main_content(moderator_login.get(_link(first, "next")).get_data(as_text=True))
    assert _entries(second) == list(range(70, 20, -1))
    last = main_content(moderator_login.get(_link(second, "next")).get_data(as_text=True))
    assert _entries(last) == list(range(20, 0, -1)) and _link(last, "next") is None
    back = main_content(moderator_login.get(_link(last, "prev")).get_data(as_text=True))
    assert _entries(back) == _entries(second)
    assert _entries(main_content(moderator_login.get(_link(back, "prev")).get_data(
        as_text=True))) == _entries(first)
    # Filtered: the links keep the action.
    hidden = main_content(moderator_login.get(
        f"{url}?action=contribution.hidden").get_data(as_text=True))
    assert _entries(hidden) == list(range(119, 19, -2))
    older = _link(hidden, "next")
    assert "action=contribution.hidden" in older
    assert _entries(main_content(moderator_login.get(older).get_data(as_text=True))) == \
        list(range(19, 0, -2))
    # A link that leads nowhere (or is not a number) shows the latest entries.
    for odd in ("before=1", "after=999999999", "before=-5", "after=abc"):
        page = main_content(moderator_login.get(f"{url}?{odd}").get_data(as_text=True))
        assert _entries(page) == _entries(first), odd
