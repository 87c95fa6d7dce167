"""Commands for the installation: the mail outbox, backups and restores."""

import click
from flask import current_app
from flask.cli import with_appcontext

from consulta.extensions import db

from .backup import BackupError, backup_database, default_backup_path, restore_database
from .mail import deliver_pending


@click.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send e-mails still waiting in the outbox (run it from cron every few minutes).

    Exit code 0: nothing waits; 1: some still wait (retried next run); 2: this run gave
    up on a message or given-up messages wait for an administrator (outbox page).
    """
    report = deliver_pending()
    click.echo(f"Sent {report.sent} message(s); {report.failed + report.gave_up} failed; "
               f"{report.taken} handled by another run; {report.waiting} still waiting.")
    if report.gave_up or report.given_up:
        click.echo(f"Gave up on {report.gave_up} message(s) in this run; {report.given_up} "
                   "given-up message(s) wait for an administrator to retry them "
                   "(Administration → Outbox).", err=True)
        raise SystemExit(2)
    if report.waiting:
        raise SystemExit(1)


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
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    try:
        restore_database(url, path, metadata=db.metadata, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {db.engine.url.render_as_string(hide_password=True)} from {path}. "
               "Run `flask --app wsgi db upgrade` if the backup comes from an older version.")


def register_commands(app):
    app.cli.add_command(send_mail_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
