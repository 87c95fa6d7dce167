"""The demo's people: accounts of every role, citizens who take part, organizations."""

from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from consulta.accounts.models import Entity, Membership, Organization, User, UserRole
from consulta.accounts.passwords import hash_password
from consulta.core.dates import utcnow
from consulta.extensions import db

#: Everyone shares this password in the demo (development only).
DEMO_PASSWORD = "consulta-demo-2026"  # noqa: S105 (public demo accounts, refused in production)

#: The organizing entities of the demo consultations: slug, name, acronym, level,
#: region. The demo consultations name them as their organizer.
DEMO_ENTITIES = [
    ("sgtd-pcm", "Secretaría de Gobierno y Transformación Digital - Presidencia del Consejo "
     "de Ministros", "SGTD-PCM", "national", None),
    ("gobierno-regional-la-libertad", "Gobierno Regional La Libertad", "GRLL", "regional",
     "la-libertad"),
]

DEMO_USERS = [
    # email, display name, sector, region, gender, show name, roles (a name: platform-wide;
    # (name, entity slug): for that entity's team)
    ("admin@demo.consulta.pe", "Administración Demo", "national_government",
     "lima-metropolitana", None, True, ("admin",)),
    ("secretaria@demo.consulta.pe", "Secretaría Técnica", "national_government",
     "lima-metropolitana", "female", True, ("secretariat",)),
    ("moderador@demo.consulta.pe", "Equipo de Moderación", "national_government",
     "lima-metropolitana", "male", True, ("moderator",)),
    ("rosa@demo.consulta.pe", "Rosa Quispe", "civil_society", "cusco", "female", True, ()),
    ("jorge@demo.consulta.pe", "Jorge Huamán", "citizen", "la-libertad", "male", False, ()),
    ("lucia@demo.consulta.pe", "Lucía Fernández", "academia", "arequipa", "female", True, ()),
    # Records contributions together with people at a service point (assisted).
    ("facilitadora@demo.consulta.pe", "Ana Torres", "national_government", "la-libertad",
     "female", True, ("facilitator",)),
    # The regional government's own secretariat: acts on its consultations only.
    ("secretaria.lalibertad@demo.consulta.pe", "Secretaría Técnica GRLL",
     "regional_government", "la-libertad", "female", True,
     (("secretariat", "gobierno-regional-la-libertad"),)),
]

DEMO_ORGANIZATIONS = [
    ("Red Ciudadana por la Transparencia", "civil_society", "lima-metropolitana",
     "https://example.org/red-transparencia", "rosa@demo.consulta.pe"),
    ("Universidad Nacional de San Agustín - Observatorio", "academia", "arequipa", None,
     "lucia@demo.consulta.pe"),
]


DEMO_CITIZENS = [
    # email, name, sector, region, gender, show name
    ("carmen@demo.consulta.pe", "Carmen Mamani", "civil_society", "puno", "female", True),
    ("luis@demo.consulta.pe", "Luis Paredes", "private_sector", "piura", "male", False),
    ("ana@demo.consulta.pe", "Ana Torres", "academia", "lima-metropolitana", "female", True),
    ("miguel@demo.consulta.pe", "Miguel Ccori", "citizen", "cusco", "male", True),
    ("sofia@demo.consulta.pe", "Sofía Ramírez", "local_government", "loreto", "female", False),
    ("pedro@demo.consulta.pe", "Pedro Quispe", "citizen", "ayacucho", None, False),
    ("elena@demo.consulta.pe", "Elena Vargas", "national_government", "lima-metropolitana",
     "female", True),
    ("raul@demo.consulta.pe", "Raúl Huamaní", "civil_society", "junin", "male", True),
]



@lru_cache(maxsize=1)
def demo_password_hash():
    """Hashed once per process: scrypt is slow on purpose, and every demo user shares it."""
    return hash_password(DEMO_PASSWORD)


def ensure_demo_user(email, name, sector, region, gender, show, roles):
    """The demo account with this e-mail, created (confirmed, with the demo password)
    when missing; it gets ``roles`` it lacks.

    :param email: its e-mail, the natural key.
    :param name: its display name.
    :param sector: its sector code.
    :param region: its region code.
    :param gender: its declared gender, or None.
    :param show: whether its name is public.
    :param roles: role names it must have.
    """
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        now = utcnow()
        user = User(email=email, password_hash=demo_password_hash(), display_name=name,
                    sector=sector, region=region, gender=gender, show_name_publicly=show,
                    privacy_accepted_at=now,
                    privacy_version=current_app.config["PRIVACY_NOTICE_VERSION"],
                    email_confirmed_at=now, created_at=now)
        db.session.add(user)
        db.session.flush()
    for role in roles:
        role, slug = (role, None) if isinstance(role, str) else role
        entity_id = db.session.scalar(select(Entity.id).where(Entity.slug == slug)) \
            if slug else None
        if not any(r.role == role and r.entity_id == entity_id for r in user.roles):
            user.roles.append(UserRole(role=role, entity_id=entity_id, granted_at=utcnow()))
    return user


def ensure_demo_entity(slug, name, acronym, level, region):
    """The demo's organizing entity with this slug, created when missing."""
    entity = db.session.scalar(select(Entity).where(Entity.slug == slug))
    if entity is None:
        entity = Entity(slug=slug, name=name, acronym=acronym, level=level, region=region,
                        created_at=utcnow())
        db.session.add(entity)
        db.session.flush()
    return entity


def role_label(role):
    """A demo role as the account list shows it."""
    return role if isinstance(role, str) else f"{role[0]} ({role[1]})"


def ensure_demo_organization(name, sector, region, website, admin_email):
    """The approved demo organization with this name, created when missing with its
    admin as an approved member.

    :param name: its name, the natural key.
    :param sector: its sector code.
    :param region: its region code.
    :param website: its website, or None.
    :param admin_email: the e-mail of the demo account that administers it.
    """
    organization = db.session.scalar(select(Organization).where(Organization.name == name))
    if organization is None:
        now = utcnow()
        admin = db.session.scalar(select(User).where(User.email == admin_email))
        organization = Organization(name=name, sector=sector, region=region, website=website,
                                    status="approved", created_at=now, reviewed_at=now,
                                    created_by_id=admin.id)
        db.session.add(organization)
        db.session.flush()
        db.session.add(Membership(user_id=admin.id, organization_id=organization.id,
                                  status="approved", is_admin=True, requested_at=now,
                                  decided_at=now))
    return organization

