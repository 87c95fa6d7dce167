"""An audit entry read as "field: before → after" rows in the reader's language."""

from datetime import UTC, datetime

from consulta.audit.changes import ABSENT, display, entry_changes
from consulta.audit.models import AuditEntry


def test_changes_keep_the_order_and_leave_out_what_did_not_change(app):
    entry = AuditEntry(action="contribution.classified",
                       before={"component_id": None, "principles": [], "tags": ["a"]},
                       after={"component_id": 3, "principles": ["integrity"], "tags": ["a"],
                              "new_commitment": True})
    with app.test_request_context(headers={"Accept-Language": "es"}):
        changes = entry_changes(entry)
        assert [(c.key, c.label) for c in changes] == [
            ("component_id", "Componente"), ("principles", "Principios"),
            ("new_commitment", "Nuevo compromiso")]
        assert changes[2].before is ABSENT and not changes[2].has_before
        assert display("principles", ["integrity"]) == "Integridad pública"
        assert display("component_id", 3, {"component_id": {3: "Salud"}}) == "Salud"
        assert display("component_id", 9, {"component_id": {3: "Salud"}}) == "#9"
        assert display("new_commitment", True) == "sí"
        assert display("component_id", None) == "—"
        assert display("channel", "workshop") == "Talleres presenciales"
        assert display("outcome", "incorporated") == "Incorporado"
        assert display("received_on", "2026-03-05") == "5 de marzo de 2026"
        moment = datetime(2026, 3, 5, 17, 30, tzinfo=UTC).isoformat()
        assert display("opens_at", moment) == "5 de marzo de 2026, 12:30"  # Lima time
        assert display("title", "Un título") == "Un título"


def test_a_value_that_is_not_a_mapping_shows_as_one_row(app):
    entry = AuditEntry(action="x", before=None, after="texto")
    with app.test_request_context():
        [change] = entry_changes(entry)
        assert change.key == "value" and change.after == "texto" and not change.has_before
