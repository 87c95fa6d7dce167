"""The consultation summary: figures, the IRM checklist, frozen published versions,
their PDF and the open-data exports of the contribution matrix."""

from . import redaction  # noqa: F401 (connects the redaction to the signals below)
from .charts import bar_chart, column_chart, figure_rows
from .cli import summary_pdf_command
from .constants import IRM_VERDICTS, REASONS, redacted_text
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(summary_pdf_command)
    app.jinja_env.globals.update(IRM_VERDICTS=IRM_VERDICTS, bar_chart=bar_chart,
                                 column_chart=column_chart, figure_rows=figure_rows,
                                 REDACTION_REASONS=REASONS)
    app.jinja_env.filters["redacted"] = redacted_text
