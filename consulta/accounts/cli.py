"""The command that creates the first administrator."""

import click
from flask.cli import with_appcontext

from consulta.core.taxonomy import region_codes
from consulta.extensions import db

from .operations import make_administrator
from .passwords import MIN_LENGTH, is_common


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Display name (default: the part before @).")
@click.option("--region", default="", help="Region code of the deployment profile (default: "
              "none; the administrator chooses it in their profile).")
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_admin_command(email, name, region, password):
    """Create an administrator account, or give the role to an existing one."""
    if "@" not in email:
        raise click.BadParameter("not an e-mail address", param_hint="EMAIL")
    region = region.strip()
    if region and region not in region_codes():
        raise click.BadParameter(
            f"not a region of the profile ({', '.join(sorted(region_codes()))})",
            param_hint="--region")
    if len(password) < MIN_LENGTH or is_common(password):
        raise click.BadParameter(
            f"use at least {MIN_LENGTH} characters and not a common password",
            param_hint="--password")
    user, created = make_administrator(email, password, name or email.split("@")[0],
                                       region=region)
    db.session.commit()
    if created:
        click.echo(f"Created administrator {user.email}.")
    else:
        click.echo(f"{user.email} already had an account; it is now an administrator with "
                   "the password you gave, and its other sessions have ended.")
