"""What the consultation pages read: the index, plan versions, events, notices."""

from datetime import date, timedelta

from consulta.consultations import operations, queries
from consulta.core.dates import utcnow
from consulta.extensions import db

from ..conftest import iv_plan_json
from .conftest import consultation_of, user_of


def test_the_index_groups_consultations_by_status_and_hides_private_ones(
        app, create_consultation):
    closing_late = create_consultation(opens_in_days=-2, closes_in_days=30, title="Abierta 1")
    closing_soon = create_consultation(opens_in_days=-9, closes_in_days=3, title="Abierta 2")
    opening_late = create_consultation(opens_in_days=20, closes_in_days=50, title="Pronto 1")
    opening_soon = create_consultation(opens_in_days=5, closes_in_days=50, title="Pronto 2")
    closed = create_consultation(opens_in_days=-30, closes_in_days=-2, title="Cerrada")
    private = create_consultation(announced=False, title="Privada")
    with app.test_request_context():
        def slugs(groups):
            return {status: [c.slug for c in items] for status, items in groups.items()}

        public = slugs(queries.consultations_by_status())
        assert public == {"open": [closing_soon, closing_late],
                          "announced": [opening_soon, opening_late],
                          "finished": [closed], "draft": []}
        assert slugs(queries.consultations_by_status(include_private=True))["draft"] == [
            private]


def test_a_consultation_between_two_windows_is_listed_as_upcoming_not_finished(
        app, create_consultation, create_user):
    paused = create_consultation(opens_in_days=-30, closes_in_days=-2, title="En pausa",
                                 announced_days_ago=40)
    opening = create_consultation(opens_in_days=5, closes_in_days=50, title="Pronto")
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        operations.add_window(consultation_of(paused), actor=user_of(secretariat),
                              channel="web", opens_at=utcnow() + timedelta(days=3),
                              closes_at=utcnow() + timedelta(days=10),
                              reason="Segunda ventana")
        db.session.commit()
        groups = queries.consultations_by_status()
        assert [c.slug for c in groups["announced"]] == [paused, opening]
        assert groups["finished"] == []
        assert consultation_of(paused).status() == "closed"  # the status itself is honest


def test_only_published_versions_of_the_plan_are_read(app, create_consultation,
                                                      create_user):
    slug = create_consultation(plan=iv_plan_json())
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        consultation = consultation_of(slug)
        operations.ensure_draft_version(consultation, actor=user_of(secretariat))
        db.session.commit()
        first = queries.published_plan_version(consultation, 1)
        assert first.number == 1 and len(first.commitments) == 21
        assert queries.published_plan_version(consultation, 2) is None  # the draft
        assert queries.published_plan_version(consultation, 3) is None
        assert [v.number for v in consultation_of(slug).published_versions] == [1]


def test_events_are_read_by_date_per_consultation(app, create_consultation, create_event):
    slug = create_consultation()
    other = create_consultation(title="Otra")
    create_event(slug, title="Segundo", held_on=date(2026, 5, 20))
    create_event(slug, title="Primero", held_on=date(2026, 4, 2))
    create_event(other, title="Ajeno")
    with app.test_request_context():
        assert [e.title for e in queries.events_of(consultation_of(slug))] == [
            "Primero", "Segundo"]


def test_notices_are_the_date_changes_after_the_announcement_newest_first(
        app, create_consultation, create_user):
    slug = create_consultation(opens_in_days=10, closes_in_days=40)
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        actor, consultation = user_of(secretariat), consultation_of(slug)
        operations.update_consultation(consultation, actor=actor,
                                       closes_at=consultation.closes_at + timedelta(days=7),
                                       reason="Ampliación")
        phase = consultation.phases[0]
        operations.save_phase(consultation, actor=actor, phase=phase, name="Otro nombre",
                              starts_on=phase.starts_on, ends_on=phase.ends_on)
        operations.save_phase(consultation, actor=actor, phase=phase, name="Otro nombre",
                              starts_on=phase.starts_on, ends_on=phase.ends_on + timedelta(1),
                              reason="Un día más")
        db.session.commit()
        assert [n.action for n in queries.date_change_notices(consultation)] == [
            "phase.dates_changed", "window.dates_changed"]
        # As the summary freezes them: oldest first, old and new values, who and why.
        changes = queries.date_changes(consultation)
        assert [(c["kind"], c["reason"], c["by"]) for c in changes] == [
            ("window", "Ampliación", actor.display_name),
            ("phase", "Un día más", actor.display_name)]
        assert changes[1]["before"]["ends_on"] < changes[1]["after"]["ends_on"]
        assert queries.consultation_by_slug(slug).id == consultation.id
        assert queries.consultation_by_slug("no-existe") is None
