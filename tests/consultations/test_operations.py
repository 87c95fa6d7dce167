"""The operations on consultations, their timeline and draft plan, called directly.

Each test works inside one request context, as a view would: it calls the operations
and commits (or sees the refusal and rolls back), then reads what was stored.
"""

from datetime import date, timedelta

import pytest

from consulta.consultations import operations
from consulta.consultations.models import Commitment, Component, Phase, PlanSection
from consulta.consultations.plan_import import parse_plan
from consulta.core.dates import utcnow
from consulta.extensions import db

from ..conftest import iv_plan_json
from .conftest import audit_entries, consultation_of, count, refusal, user_of

BASICS = {"title": "Consulta del V Plan de Acción", "summary": "Resumen.",
          "organizer": "Secretaría de Gobierno Digital", "scope": "national",
          "channels": ["web", "workshop"]}


@pytest.fixture
def secretariat(create_user):
    return create_user(roles=("secretariat",))


def dates(opens_in_days=10, closes_in_days=40):
    now = utcnow()
    return {"opens_at": now + timedelta(days=opens_in_days),
            "closes_at": now + timedelta(days=closes_in_days)}


# --- consultations ------------------------------------------------------------------------

def test_a_consultation_is_created_private_with_an_address_from_its_title(app, secretariat):
    with app.test_request_context():
        actor = user_of(secretariat)
        first = operations.create_consultation(actor=actor, **BASICS, **dates())
        second = operations.create_consultation(actor=actor, **BASICS, **dates())
        db.session.commit()
        assert first.slug == "consulta-del-v-plan-de-accion"
        assert second.slug == "consulta-del-v-plan-de-accion-2"  # never collides
        assert (first.announced_at, first.status()) == (None, "draft")
        assert first.created_by_id == secretariat.id
        [created, _second] = audit_entries("consultation.created")
        assert (created.consultation_id, created.actor_id) == (first.id, secretariat.id)
        assert created.after == {"slug": first.slug, "title": BASICS["title"]}


def test_an_address_already_used_is_refused(app, secretariat, create_consultation):
    taken = create_consultation(slug="mi-consulta")
    other = create_consultation(title="Otra")
    with app.test_request_context():
        actor = user_of(secretariat)
        assert "ya se usa" in refusal(lambda: operations.create_consultation(
            actor=actor, slug=taken, **BASICS, **dates()))
        assert "ya se usa" in refusal(lambda: operations.update_consultation(
            consultation_of(other), actor=actor, slug=taken))
        assert consultation_of(other) is not None


def test_the_scope_decides_which_place_is_kept(app, secretariat):
    with app.test_request_context():
        national = operations.create_consultation(
            actor=user_of(secretariat), **{**BASICS, "scope": "national"},
            scope_region="cusco", scope_locality="Wanchaq", forum_name="", **dates())
        local = operations.create_consultation(
            actor=user_of(secretariat), **{**BASICS, "scope": "local"},
            scope_region="cusco", scope_locality="Wanchaq", **dates())
        db.session.commit()
        assert (national.scope_region, national.scope_locality, national.forum_name) == (
            None, None, None)
        assert (local.scope_region, local.scope_locality) == ("cusco", "Wanchaq")


def test_an_edit_that_changes_nothing_records_nothing(app, secretariat, create_consultation):
    slug = create_consultation()
    with app.test_request_context():
        consultation = consultation_of(slug)
        changed = operations.update_consultation(
            consultation, actor=user_of(secretariat), title=consultation.title,
            opens_at=consultation.opens_at)
        assert changed is False
        assert audit_entries("consultation.updated") == []


def test_date_changes_after_the_announcement_are_recorded_as_public_notices(
        app, secretariat, create_consultation):
    public = create_consultation(opens_in_days=10, closes_in_days=40)
    private = create_consultation(announced=False, opens_in_days=10, closes_in_days=40,
                                  title="Privada")
    with app.test_request_context():
        actor = user_of(secretariat)
        consultation = consultation_of(public)
        old_open, old_close = consultation.opens_at, consultation.closes_at
        new_close = old_close + timedelta(days=7)
        assert operations.update_consultation(consultation, actor=actor, closes_at=new_close,
                                              description="Un texto largo nuevo.",
                                              reason="Más tiempo para las regiones")
        operations.update_consultation(consultation_of(private), actor=actor,
                                       closes_at=new_close)
        db.session.commit()
        # The closing is the web window's: its change is the notice, with who and why.
        [notice] = audit_entries("window.dates_changed")
        assert notice.consultation_id == consultation.id
        assert notice.actor_id == secretariat.id
        assert notice.before == {"channel": "web", "opens_at": old_open.isoformat(),
                                 "closes_at": old_close.isoformat()}
        assert notice.after == {"channel": "web", "opens_at": old_open.isoformat(),
                                "closes_at": new_close.isoformat(),
                                "reason": "Más tiempo para las regiones"}
        assert consultation_of(private).closes_at == new_close  # no notice: not public
        assert len(audit_entries("window.saved")) == 2
        [update] = audit_entries("consultation.updated")
        # Long texts are not copied into the log.
        assert update.after == {"description": "…"}


def test_the_address_cannot_change_once_announced(app, secretariat, create_consultation):
    slug = create_consultation()
    with app.test_request_context():
        message = refusal(lambda: operations.update_consultation(
            consultation_of(slug), actor=user_of(secretariat), slug="otra-direccion"))
        assert "no puede cambiar una vez anunciada" in message
        assert consultation_of(slug) is not None


def test_announcing_makes_it_public_and_records_the_date(app, secretariat,
                                                        create_consultation):
    slug = create_consultation(announced=False, opens_in_days=10)
    with app.test_request_context():
        consultation = consultation_of(slug)
        operations.announce_consultation(consultation, actor=user_of(secretariat))
        db.session.commit()
        assert consultation.is_public and consultation.status() == "announced"
        [entry] = audit_entries("consultation.announced")
        assert entry.after == {"announced_at": consultation.announced_at.isoformat()}
        assert "ya fue anunciada" in refusal(lambda: operations.announce_consultation(
            consultation_of(slug), actor=user_of(secretariat)))


@pytest.mark.parametrize("case,expected", [
    ("no timeline", "Agrega el cronograma"),
    ("opening in the past", "La fecha de apertura está en el pasado"),
])
def test_announcing_is_refused_without_notice_or_timeline(app, secretariat, create_consultation,
                                                          case, expected):
    slug = create_consultation(announced=False,
                               opens_in_days=-1 if case == "opening in the past" else 10)
    with app.test_request_context():
        consultation = consultation_of(slug)
        if case == "no timeline":
            consultation.phases.clear()
            db.session.commit()
        assert expected in refusal(lambda: operations.announce_consultation(
            consultation_of(slug), actor=user_of(secretariat)))
        assert consultation_of(slug).announced_at is None


# --- timeline -----------------------------------------------------------------------------

def test_phases_are_added_at_the_end_and_their_date_changes_become_notices(
        app, secretariat, create_consultation):
    slug = create_consultation(opens_in_days=10, closes_in_days=40)
    with app.test_request_context():
        actor, consultation = user_of(secretariat), consultation_of(slug)
        added = operations.save_phase(consultation, actor=actor, name="Sistematización",
                                      starts_on=date(2030, 4, 1), ends_on=date(2030, 4, 30))
        db.session.commit()
        assert added.position == 2
        operations.save_phase(consultation, actor=actor, phase=added, name="Sistematización",
                              starts_on=date(2030, 4, 1), ends_on=date(2030, 4, 30))
        assert len(audit_entries("phase.saved")) == 1  # nothing changed, nothing recorded
        assert "Indica por qué cambian las fechas" in refusal(lambda: operations.save_phase(
            consultation_of(slug), actor=actor, phase=added, name="Sistematización",
            starts_on=date(2030, 4, 1), ends_on=date(2030, 5, 15)))
        consultation = consultation_of(slug)
        added = next(p for p in consultation.phases if p.name == "Sistematización")
        operations.save_phase(consultation, actor=actor, phase=added, name="Sistematización",
                              starts_on=date(2030, 4, 1), ends_on=date(2030, 5, 15),
                              reason="Más aportes de lo previsto")
        db.session.commit()
        [notice] = audit_entries("phase.dates_changed")
        assert notice.after["reason"] == "Más aportes de lo previsto"
        assert notice.before["ends_on"] == "2030-04-30"
        assert notice.after["ends_on"] == "2030-05-15"
        assert "no puede ser anterior" in refusal(lambda: operations.save_phase(
            consultation_of(slug), actor=actor, name="Al revés", starts_on=date(2030, 5, 2),
            ends_on=date(2030, 5, 1)))
        assert count(Phase) == 2


def test_phases_can_be_deleted_only_before_the_announcement(app, secretariat,
                                                            create_consultation):
    public = create_consultation(title="Pública")
    private = create_consultation(title="Privada", announced=False)
    with app.test_request_context():
        actor = user_of(secretariat)
        assert "no eliminarse" in refusal(lambda: operations.delete_phase(
            consultation_of(public).phases[0], actor=actor))
        operations.delete_phase(consultation_of(private).phases[0], actor=actor)
        db.session.commit()
        assert consultation_of(private).phases == []
        assert len(consultation_of(public).phases) == 1
        [entry] = audit_entries("phase.deleted")
        assert entry.before == {"name": "Recepción de aportes"}


# --- components ---------------------------------------------------------------------------

def test_component_names_are_unique_whatever_the_capitals(app, secretariat,
                                                          create_consultation):
    slug = create_consultation()
    with app.test_request_context():
        actor = user_of(secretariat)
        salud = operations.save_component(consultation_of(slug), actor=actor,
                                          name="SALUD PÚBLICA")
        db.session.commit()
        for name in ("Salud Pública", "salud pública"):
            assert "Ya existe un componente" in refusal(lambda name=name: (
                operations.save_component(consultation_of(slug), actor=actor, name=name)))
        # Renaming a component to its own name in other capitals is not a clash.
        operations.save_component(consultation_of(slug), actor=actor,
                                  component=db.session.get(Component, salud.id),
                                  name="Salud pública")
        db.session.commit()
        assert [c.name for c in consultation_of(slug).components] == ["Salud pública"]
        assert [e.after for e in audit_entries("component.saved")] == [
            {"name": "SALUD PÚBLICA"}, {"name": "Salud pública"}]


def test_a_component_of_another_consultation_is_never_accepted(app, create_consultation):
    mine = create_consultation(title="Mía")
    other = create_consultation(title="Otra", plan=iv_plan_json())
    with app.test_request_context():
        foreign = consultation_of(other).components[0].id
        for component_id in (foreign, None, 0, 2**31 - 1):
            assert refusal(lambda component_id=component_id: operations.require_component(
                consultation_of(mine), component_id)) == "Elige un componente de esta consulta."
        assert operations.require_component(consultation_of(other), foreign).id == foreign


def test_a_component_in_use_cannot_be_deleted(app, secretariat, create_consultation,
                                              create_contribution):
    slug = create_consultation(plan=iv_plan_json())
    with app.test_request_context():
        actor = user_of(secretariat)
        empty = operations.save_component(consultation_of(slug), actor=actor, name="Vacío")
        db.session.commit()
        salud = next(c for c in consultation_of(slug).components if c.name == "Salud")
        assert "tiene compromisos" in refusal(lambda: operations.delete_component(
            db.session.get(Component, salud.id), actor=actor))
        empty_id, salud_id = empty.id, salud.id
    # A proposal names the component; once no commitment uses it, the contribution still does.
    create_contribution(slug, kind="proposal", values={"component_id": salud_id})
    with app.test_request_context():
        actor = user_of(secretariat)
        db.session.execute(Commitment.__table__.delete().where(
            Commitment.component_id == salud_id))
        db.session.commit()
        assert "Hay aportes que se refieren a este componente" in refusal(
            lambda: operations.delete_component(db.session.get(Component, salud_id),
                                                actor=actor))
        assert db.session.get(Component, salud_id) is not None
        operations.delete_component(db.session.get(Component, empty_id), actor=actor)
        db.session.commit()
        assert db.session.get(Component, empty_id) is None
        assert [e.before for e in audit_entries("component.deleted")] == [{"name": "Vacío"}]


# --- draft plan ---------------------------------------------------------------------------

def test_a_draft_starts_as_a_copy_of_the_published_version(app, secretariat,
                                                           create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    with app.test_request_context():
        actor = user_of(secretariat)
        published = consultation_of(slug).published_plan
        draft = operations.ensure_draft_version(consultation_of(slug), actor=actor)
        again = operations.ensure_draft_version(consultation_of(slug), actor=actor)
        db.session.commit()
        assert again.id == draft.id and draft.number == 2 and not draft.is_published
        assert [(c.number, c.title, c.component_id) for c in draft.commitments] == [
            (c.number, c.title, c.component_id) for c in published.commitments]
        assert {c.id for c in draft.commitments}.isdisjoint(
            {c.id for c in published.commitments})  # copies: version 1 never changes
        # Version 1 was started by the import; asking twice started version 2 once.
        assert [e.after for e in audit_entries("plan.version_started")] == [
            {"number": 1}, {"number": 2}]


def test_commitments_are_numbered_once_per_version_with_a_component_of_the_consultation(
        app, secretariat, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    other = create_consultation(title="Otra", plan=iv_plan_json())
    with app.test_request_context():
        actor = user_of(secretariat)
        draft = operations.ensure_draft_version(consultation_of(slug), actor=actor)
        component = consultation_of(slug).components[0].id
        db.session.commit()
        assert "Ya existe un compromiso con el número 5." in refusal(
            lambda: operations.save_commitment(
                consultation_of(slug).draft_plan, actor=actor, component_id=component,
                number=5, title="Otro cinco"))
        foreign = consultation_of(other).components[0].id
        assert refusal(lambda: operations.save_commitment(
            consultation_of(slug).draft_plan, actor=actor, component_id=foreign, number=22,
            title="Ajeno")) == "Elige un componente de esta consulta."
        added = operations.save_commitment(
            consultation_of(slug).draft_plan, actor=actor, component_id=component, number=22,
            title="Nuevo", co_responsible=["MINSA"], principles=["integrity"])
        db.session.commit()
        assert (added.plan_version_id, added.co_responsible) == (draft.id, ["MINSA"])
        assert audit_entries("commitment.saved")[-1].after == {"number": 22, "version": 2}


def test_the_draft_is_edited_and_published_as_a_new_frozen_version(app, secretariat,
                                                                   create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    with app.test_request_context():
        actor = user_of(secretariat)
        draft = operations.ensure_draft_version(consultation_of(slug), actor=actor)
        five = next(c for c in draft.commitments if c.number == 5)
        operations.save_commitment(draft, actor=actor, commitment=five,
                                   component_id=five.component_id, number=5,
                                   title="Título revisado")
        operations.delete_commitment(next(c for c in draft.commitments if c.number == 21),
                                     actor=actor)
        section = operations.save_section(draft, actor=actor, title="Presentación",
                                          body="Texto.")
        operations.delete_section(section, actor=actor)
        operations.save_section(draft, actor=actor, title="Metodología")
        version = operations.publish_plan_version(consultation_of(slug), actor=actor,
                                                  note="Se revisó el compromiso 5.")
        db.session.commit()
        consultation = consultation_of(slug)
        assert consultation.published_plan.id == version.id and consultation.draft_plan is None
        assert [v.number for v in consultation.published_versions] == [1, 2]
        assert (version.published_by_id, version.note) == (secretariat.id,
                                                           "Se revisó el compromiso 5.")
        assert len(version.commitments) == 20 and [s.title for s in version.sections] == [
            "Metodología"]
        v1 = consultation.published_versions[0]
        assert next(c for c in v1.commitments if c.number == 5).title != "Título revisado"
        assert len(v1.commitments) == 21
        assert audit_entries("plan.published")[-1].after == {"number": 2, "commitments": 20}
        assert [e.before for e in audit_entries("plan_section.deleted")] == [
            {"title": "Presentación"}]


def test_publishing_needs_a_draft_with_commitments(app, secretariat, create_consultation):
    slug = create_consultation(plan=iv_plan_json())
    with app.test_request_context():
        actor = user_of(secretariat)
        assert refusal(lambda: operations.publish_plan_version(
            consultation_of(slug), actor=actor)) == "No hay cambios que publicar."
        draft = operations.ensure_draft_version(consultation_of(slug), actor=actor)
        for commitment in list(draft.commitments):
            operations.delete_commitment(commitment, actor=actor)
        assert refusal(lambda: operations.publish_plan_version(
            consultation_of(slug), actor=actor)) == "El borrador del plan aún no tiene compromisos."
        assert [v.number for v in consultation_of(slug).plan_versions] == [1]


PUBLISHED = "Una versión publicada no puede cambiar; edita el nuevo borrador."


def test_no_operation_changes_a_published_version(app, create_consultation, create_user):
    slug = create_consultation(plan=iv_plan_json())
    secretariat = create_user(roles=("secretariat",))
    with app.test_request_context():
        actor = user_of(secretariat)
        draft = operations.ensure_draft_version(consultation_of(slug), actor=actor)
        operations.save_section(draft, actor=actor, title="Presentación", body="Texto.")
        version = operations.publish_plan_version(consultation_of(slug), actor=actor)
        db.session.commit()
        commitment, section = version.commitments[0], version.sections[0]
        attempts = {
            "save a commitment": lambda: operations.save_commitment(
                version, actor=actor, commitment=commitment,
                component_id=commitment.component_id, number=1, title="Otro título"),
            "add a commitment": lambda: operations.save_commitment(
                version, actor=actor, component_id=commitment.component_id, number=99,
                title="Nuevo"),
            "delete a commitment": lambda: operations.delete_commitment(commitment,
                                                                        actor=actor),
            "add a section": lambda: operations.save_section(version, actor=actor,
                                                             title="Nueva"),
            "edit a section": lambda: operations.save_section(
                version, actor=actor, section=section, title="Otra"),
            "delete a section": lambda: operations.delete_section(section, actor=actor),
        }
        for what, attempt in attempts.items():
            assert refusal(attempt) == PUBLISHED, what
        assert (count(Commitment), count(PlanSection)) == (42, 1)
        assert consultation_of(slug).published_plan.commitments[0].title != "Otro título"


def test_importing_a_plan_replaces_the_draft_and_reuses_components_by_name(
        app, secretariat, create_consultation):
    slug = create_consultation()
    with app.test_request_context():
        actor = user_of(secretariat)
        operations.save_component(consultation_of(slug), actor=actor, name="SALUD",
                                  description="")
        draft = operations.ensure_draft_version(consultation_of(slug), actor=actor)
        operations.save_section(draft, actor=actor, title="Se reemplaza")
        plan = parse_plan(iv_plan_json())
        version = operations.import_plan(consultation_of(slug), plan, actor=actor)
        db.session.commit()
        consultation = consultation_of(slug)
        assert version.id == draft.id and not version.is_published
        assert len(consultation.components) == 9  # "Salud" of the file is "SALUD"
        assert consultation.components[0].name == "SALUD"
        assert len(version.commitments) == 21
        assert "Se reemplaza" not in [s.title for s in version.sections]
        [entry] = audit_entries("plan.imported")
        assert entry.after == {"version": 1, "components": 9, "commitments": 21,
                               "sections": len(plan["sections"])}
