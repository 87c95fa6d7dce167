"""Demo data for newcomers and for trying Consulta out (`flask --app wsgi demo`).

Idempotent: every object is looked up by a natural key before being created.
"""


import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from consulta.accounts.models import User
from consulta.core.taxonomy import region_codes, sector_codes
from consulta.extensions import db

from .consultations import load_iv_plan
from .followup import load_la_libertad_followup
from .la_libertad import approve_la_libertad_plan, finish_la_libertad, load_la_libertad
from .participation import (
    load_classification,
    load_responses,
    load_web_participation,
    load_workshop,
)
from .people import (
    DEMO_ENTITIES,
    DEMO_ORGANIZATIONS,
    DEMO_PASSWORD,
    DEMO_USERS,
    ensure_demo_entity,
    ensure_demo_organization,
    ensure_demo_user,
    role_label,
)


def load_demo():
    """Create the demo data and commit it; yields lines describing what a newcomer can
    use. Idempotent: what exists already is found again, not made twice."""
    for spec in DEMO_ENTITIES:
        ensure_demo_entity(*spec)
    for spec in DEMO_USERS:
        ensure_demo_user(*spec)
    for spec in DEMO_ORGANIZATIONS:
        ensure_demo_organization(*spec)
    secretariat = db.session.scalar(select(User).where(User.email == DEMO_USERS[1][0]))
    iv_plan, _created = load_iv_plan(secretariat)
    la_libertad, _created = load_la_libertad(secretariat)
    moderator = db.session.scalar(select(User).where(User.email == DEMO_USERS[2][0]))
    load_workshop(iv_plan, moderator)
    load_web_participation(iv_plan)
    db.session.flush()
    load_responses(iv_plan, secretariat)
    load_classification(iv_plan, moderator)
    finish_la_libertad(la_libertad, moderator, secretariat)
    db.session.flush()
    approve_la_libertad_plan(la_libertad, secretariat)
    db.session.flush()
    load_la_libertad_followup(la_libertad, secretariat)
    db.session.commit()
    yield f"Open consultation: /consultations/{iv_plan.slug}"
    yield f"Finished consultation: /consultations/{la_libertad.slug}"
    yield (f"Its final plan and follow-up: /consultations/{la_libertad.slug}/final-plan, "
           f"/consultations/{la_libertad.slug}/follow-up")
    yield f"Demo data ready. Accounts (password: {DEMO_PASSWORD}):"
    for email, *_rest, roles in DEMO_USERS:
        yield f"  {email:38} {', '.join(map(role_label, roles)) or 'participant'}"


@click.command("demo")
@with_appcontext
def demo_command():
    """Fill the database with demo data (idempotent). Refused in production."""
    if current_app.config["CONSULTA_ENV"] == "production":
        raise click.ClickException("The demo data is for development; refused in production.")
    regions = {user[3] for user in DEMO_USERS} | {org[2] for org in DEMO_ORGANIZATIONS}
    sectors = {user[2] for user in DEMO_USERS} | {org[1] for org in DEMO_ORGANIZATIONS}
    foreign = (regions - region_codes()) | (sectors - set(sector_codes()))
    if foreign:
        # Its plans, people and workshops are Peru's: stored under another country's
        # profile, their regions and sectors would be codes that profile does not know.
        raise click.ClickException(
            "The demo data is Peru's (its regions and sectors): run it with the Peru "
            f"profile (CONSULTA_PROFILE=peru). Not in this profile: "
            f"{', '.join(sorted(foreign))}.")
    for line in load_demo():
        click.echo(line)


def init_app(app):
    app.cli.add_command(demo_command)
