"""Command-line tools: `flask --app wsgi <command>`."""

import click
from flask import current_app
from flask.cli import with_appcontext

from consulta.extensions import db


def register_commands(app):
    app.cli.add_command(create_admin_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(import_plan_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Display name (default: the part before @).")
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_admin_command(email, name, password):
    """Create an administrator account, or give the role to an existing one."""
    from consulta.accounts.operations import create_admin
    from consulta.accounts.passwords import MIN_LENGTH, is_common

    if "@" not in email:
        raise click.BadParameter("not an e-mail address", param_hint="EMAIL")
    if len(password) < MIN_LENGTH or is_common(password):
        raise click.BadParameter(
            f"use at least {MIN_LENGTH} characters and not a common password",
            param_hint="--password")
    user, created = create_admin(email, password, name or email.split("@")[0])
    db.session.commit()
    if created:
        click.echo(f"Created administrator {user.email}.")
    else:
        click.echo(f"{user.email} already had an account; it is now an administrator with "
                   "the password you gave, and its other sessions have ended.")


@click.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send e-mails still waiting in the outbox (run it from cron every few minutes)."""
    from consulta.core.mail import deliver_pending

    sent, left = deliver_pending()
    click.echo(f"Sent {sent} message(s); {left} still waiting.")
    if left:
        raise SystemExit(1)


@click.command("demo")
@with_appcontext
def demo_command():
    """Fill the database with demo data (idempotent). Refused in production."""
    from consulta.demo import load_demo

    if current_app.config["CONSULTA_ENV"] == "production":
        raise click.ClickException("The demo data is for development; refused in production.")
    for line in load_demo():
        click.echo(line)


@click.command("import-plan")
@click.argument("consultation")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_plan_command(consultation, file):
    """Import a draft plan (JSON) into CONSULTATION's draft version (all or nothing)."""
    from sqlalchemy import select

    from consulta.consultations.models import Consultation
    from consulta.consultations.operations import import_plan
    from consulta.consultations.plan_import import PlanFileError, parse_plan

    item = db.session.scalar(select(Consultation).where(Consultation.slug == consultation))
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


def _size(n):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False),
              help="File to write (default: instance/backups/consulta-DATE-TIME.sqlite3 or "
                   ".dump); never overwritten.")
@with_appcontext
def backup_command(output):
    """Write a consistent copy of the database (safe while the app runs)."""
    from consulta.core.backup import BackupError, backup_database, default_backup_path

    url = db.engine.url.render_as_string(hide_password=False)
    path = output or default_backup_path(current_app.instance_path, url)
    try:
        size = backup_database(url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {path} ({_size(size)}).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace the content of a database that is not empty.")
@with_appcontext
def restore_command(path, force):
    """Restore the database from a backup made by `backup` (stop the app first).

    Refused unless the database is empty, or with --force.
    """
    from consulta.core.backup import BackupError, restore_database

    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    try:
        restore_database(url, path, metadata=db.metadata, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {db.engine.url.render_as_string(hide_password=True)} from {path}. "
               "Run `flask --app wsgi db upgrade` if the backup comes from an older version.")
