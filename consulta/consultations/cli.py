"""The command that imports a draft plan from a JSON file."""

import click
from flask.cli import with_appcontext

from consulta.extensions import db

from .operations import import_plan
from .plan_import import PlanFileError, parse_plan
from .queries import consultation_by_slug


@click.command("import-plan")
@click.argument("consultation")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_plan_command(consultation, file):
    """Import a draft plan (JSON) into CONSULTATION's draft version (all or nothing)."""
    item = consultation_by_slug(consultation)
    if item is None:
        raise click.ClickException(f"No consultation with the address {consultation!r}.")
    with open(file, "rb") as fh:
        raw = fh.read()
    try:
        plan = parse_plan(raw)
    except PlanFileError as error:
        for path, message in error.problems:
            click.echo(f"{path or '(file)'}: {message}", err=True)
        raise click.ClickException(
            f"The file was refused ({len(error.problems)} problem(s)); nothing was imported."
        ) from None
    version = import_plan(item, plan, actor=None)
    db.session.commit()
    click.echo(f"Imported {len(plan['commitments'])} commitments in "
               f"{len(plan['components'])} components into draft version {version.number} of "
               f"{item.slug}. Publish it from the web or with the draft plan page.")
