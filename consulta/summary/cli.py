"""The command that makes (or tries again) the PDFs of a published summary version."""

import click
from flask import current_app
from flask.cli import with_appcontext

from consulta.consultations.queries import consultation_by_slug

from .pdf import PDFUnavailable, forget_pdf_failures, stored_pdf
from .queries import latest_snapshot


@click.command("summary-pdf")
@click.argument("consultation")
@click.argument("version", type=int, required=False)
@click.option("--retry", is_flag=True,
              help="Forget a failure remembered for this version and try again.")
@with_appcontext
def summary_pdf_command(consultation, version, retry):
    """Make the PDF of CONSULTATION's summary VERSION (the latest when not given) in
    every language, ahead of the first download. A PDF that failed is not tried again
    on each download: once the cause is fixed, run this with --retry."""
    item = consultation_by_slug(consultation)
    if item is None:
        raise click.ClickException(f"No consultation with the address {consultation!r}.")
    snapshot = latest_snapshot(item, version)
    if snapshot is None:
        raise click.ClickException("That version of the summary has not been published.")
    if retry:
        forgotten = forget_pdf_failures(item, snapshot)
        click.echo(f"Forgot {forgotten} remembered failure(s).")
    failed = []
    # A request context: the PDF's texts are rendered with the app's templates.
    with current_app.test_request_context():
        for language in current_app.config["LANGUAGES"]:
            try:
                path = stored_pdf(item, snapshot, language)
            except PDFUnavailable as failure:
                failed.append(language)
                click.echo(f"{language}: failed, error {failure.error_id} (see the log).",
                           err=True)
            else:
                click.echo(f"{language}: {path}")
    if failed:
        raise SystemExit(1)
