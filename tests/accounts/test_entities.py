"""Organizing entities and their teams: the operations, their refusals (in Spanish,
nothing changed), and the one permission check resolved to an object's entity."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from consulta.accounts import entities
from consulta.accounts.models import Entity, User, UserRole
from consulta.audit.models import AuditEntry
from consulta.consultations import operations
from consulta.consultations.models import Consultation
from consulta.core.dates import utcnow
from consulta.core.operations import OperationError
from consulta.core.permissions import can, entity_filter_ids
from consulta.extensions import db


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Entity, UserRole, AuditEntry))


def _refused(call, message):
    before = _counts()
    with pytest.raises(OperationError) as refusal, force_locale("es"):
        call()
    with force_locale("es"):
        assert message in str(refusal.value.args[0])
    db.session.rollback()
    assert _counts() == before


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield
        db.session.remove()


def _user(ref):
    return db.session.get(User, ref.id)


def test_an_administrator_creates_and_edits_an_entity_audited(ctx, create_user):
    admin = _user(create_user(roles=("admin",)))
    region = entities.create_entity(actor=admin, name="Gobierno Regional  de Piura",
                                    acronym="GRP", level="regional", region="piura")
    agency = entities.create_entity(actor=admin, name="Agencia Regional de Piura",
                                    level="other", parent_id=region.id)
    db.session.flush()
    assert (region.slug, region.name, agency.parent is region) == (
        "gobierno-regional-de-piura", "Gobierno Regional de Piura", True)
    assert entities.update_entity(region, actor=admin, name="Gobierno Regional Piura",
                                  acronym="GRP", level="regional", region="piura",
                                  parent_id=None)
    assert region.slug == "gobierno-regional-de-piura"  # its address stays
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["entity.created", "entity.created", "entity.updated"]


def test_bad_entities_are_refused_and_nothing_changes(ctx, create_user):
    admin = _user(create_user(roles=("admin",)))
    secretariat = _user(create_user(roles=("secretariat",)))
    parent = entities.create_entity(actor=admin, name="Ministerio", level="national")
    child = entities.create_entity(actor=admin, name="Programa", level="other",
                                   parent_id=parent.id)
    db.session.commit()
    good = {"name": "Municipalidad", "level": "local"}
    for values, message in (
            ({**good, "level": "federal"}, "Elige un nivel de gobierno de la lista"),
            ({**good, "level": None}, "Elige un nivel de gobierno de la lista"),
            ({**good, "region": "jalisco"}, "Elige una región de la lista"),
            ({**good, "name": "  "}, "Ponle un nombre a la entidad"),
            ({**good, "name": "ministerio"}, "Otra entidad ya tiene este nombre"),
            ({**good, "parent_id": 999}, "Elige de la lista la entidad de la que depende"),
            ({**good, "acronym": "X" * 41}, "La sigla es demasiado larga")):
        _refused(lambda values=values: entities.create_entity(actor=admin, **values), message)
    # No cycle: the ministry cannot depend on its own programme, nor on itself.
    for parent_id in (child.id, parent.id):
        _refused(lambda parent_id=parent_id: entities.update_entity(
            db.session.get(Entity, parent.id), actor=admin, name="Ministerio",
            level="national", parent_id=parent_id), "no puede depender de sí misma")
    # Only administrators create or edit entities.
    _refused(lambda: entities.create_entity(actor=secretariat, **good),
             "Solo un administrador puede hacerlo")


def test_an_entity_secretariat_manages_its_own_team_and_only_its_own(
        ctx, create_user, create_entity):
    a, b = create_entity("Entidad A"), create_entity("Entidad B", level="regional")
    lead = _user(create_user(roles=(("secretariat", a),)))
    newcomer = _user(create_user())
    unconfirmed = _user(create_user(confirmed=False))
    entity_a, entity_b = entities.entity_by_slug(a), entities.entity_by_slug(b)
    assert entities.grant_entity_role(entity_a, newcomer, "moderator", actor=lead)
    assert not entities.grant_entity_role(entity_a, newcomer, "moderator", actor=lead)
    db.session.commit()
    assert can(newcomer, "moderator", entity_a) and not can(newcomer, "moderator", entity_b)
    assert not newcomer.has_role("moderator")  # not platform-wide
    _refused(lambda: entities.grant_entity_role(entity_b, newcomer, "moderator", actor=lead),
             "Solo un administrador o la secretaría técnica de esta entidad")
    _refused(lambda: entities.grant_entity_role(entity_a, newcomer, "admin", actor=lead),
             "Elige un rol del equipo de la entidad")
    _refused(lambda: entities.grant_entity_role(entity_a, unconfirmed, "moderator",
                                                actor=lead), "no ha confirmado")
    # The last member of the secretariat stays (an administrator may remove them).
    _refused(lambda: entities.revoke_entity_role(entity_a, lead, "secretariat", actor=lead),
             "al menos un miembro de su secretaría técnica")
    assert entities.revoke_entity_role(entity_a, newcomer, "moderator", actor=lead)
    db.session.commit()
    assert not can(newcomer, "moderator", entity_a)
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("entity.role%")).order_by(AuditEntry.id)).all()
    assert actions == ["entity.role_granted", "entity.role_revoked"]


def test_a_role_for_an_entity_covers_its_children_not_its_parent_nor_siblings(
        ctx, create_user, create_entity, create_consultation):
    region = create_entity("Gobierno Regional", level="regional")
    province = create_entity("Municipalidad Provincial", level="local", parent=region)
    other = create_entity("Otro Gobierno Regional", level="regional")
    slug = create_consultation(organizer="Municipalidad Provincial")
    regional_staff = _user(create_user(roles=(("secretariat", region),)))
    local_staff = _user(create_user(roles=(("moderator", province),)))
    platform = _user(create_user(roles=("moderator",)))
    admin = _user(create_user(roles=("admin",)))
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert consultation.entity.slug == province
    assert can(regional_staff, "secretariat", consultation)
    assert not can(regional_staff, "moderator", consultation)  # the role it holds only
    assert can(local_staff, "moderator", consultation)
    assert not can(local_staff, "moderator", entities.entity_by_slug(region))
    assert not can(regional_staff, "secretariat", entities.entity_by_slug(other))
    assert can(platform, "moderator", consultation) and can(admin, "secretariat", consultation)
    ids = {e.slug: e.id for e in entities.all_entities()}
    assert entity_filter_ids(regional_staff, "secretariat") == {ids[region], ids[province]}
    assert entity_filter_ids(local_staff, "secretariat") == set()
    assert entity_filter_ids(platform, "moderator") is None


def test_a_consultation_is_organized_only_by_the_users_own_entities(
        ctx, create_user, create_entity):
    a, b = create_entity("Entidad A"), create_entity("Entidad B")
    staff = _user(create_user(roles=(("secretariat", a),)))
    admin = _user(create_user(roles=("admin",)))
    values = {"title": "Consulta", "summary": "Resumen.", "scope": "national",
              "channels": ["web"], "opens_at": utcnow() + timedelta(days=1),
              "closes_at": utcnow() + timedelta(days=9)}
    before = db.session.scalar(select(func.count()).select_from(Consultation))
    _refused(lambda: operations.create_consultation(
        actor=staff, entity_id=entities.entity_by_slug(b).id, **values),
        "Solo puedes organizar consultas de tus propias entidades")
    _refused(lambda: operations.create_consultation(actor=staff, entity_id=None, **values),
             "Elige la entidad organizadora")
    consultation = operations.create_consultation(
        actor=staff, entity_id=entities.entity_by_slug(a).id, **values)
    assert (consultation.organizer, consultation.entity.slug) == ("Entidad A", a)
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == before + 1
    # Renaming the entity renames what its consultations display.
    entities.update_entity(consultation.entity, actor=admin, name="Entidad A renombrada",
                           level="national")
    assert consultation.organizer == "Entidad A renombrada"
