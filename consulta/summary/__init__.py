"""The consultation summary: figures, the IRM checklist, frozen published versions,
their PDF and the open-data exports of the contribution matrix."""

from consulta.core.cache import forget_pages

from . import redaction  # noqa: F401 (connects the redaction to the signals below)
from .charts import bar_chart, column_chart, figure_rows
from .cli import summary_pdf_command
from .constants import IRM_VERDICTS, REASONS, redacted_text
from .signals import summary_published
from .views import bp


def _forget_pages(snapshot, **_extra):
    """A new version of the summary is on the public pages at once."""
    forget_pages(snapshot.consultation.slug)


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(summary_pdf_command)
    app.jinja_env.globals.update(IRM_VERDICTS=IRM_VERDICTS, bar_chart=bar_chart,
                                 column_chart=column_chart, figure_rows=figure_rows,
                                 REDACTION_REASONS=REASONS)
    app.jinja_env.filters["redacted"] = redacted_text
    summary_published.connect(_forget_pages)
