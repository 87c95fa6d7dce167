"""The implementation follow-up of the approved final plan ("and here is how it is
going"): milestones and indicators of each commitment, progress reports with
evidence (draft → review → published), the public tracking page, the standing forum,
followers, and the mid-term and end-of-term self-assessments."""

from consulta.consultations.signals import consultation_page
from consulta.core.cache import forget_pages

from .charts import legend, status_chart
from .constants import MILESTONE_STATUSES
from .public import bp as public_bp
from .public import follow_up_on_the_consultation
from .queries import COMMITMENT_STATUSES, share
from .signals import report_published


def _forget_pages(report, **_extra):
    """A published report is on the tracking, commitment and report pages at once."""
    forget_pages(report.commitment.plan_version.consultation.slug)


def init_app(app):
    app.register_blueprint(public_bp)
    app.jinja_env.globals.update(
        FOLLOWUP_STATUSES=MILESTONE_STATUSES, FOLLOWUP_COMMITMENT_STATUSES=COMMITMENT_STATUSES,
        followup_status_chart=status_chart, followup_chart_legend=legend,
        followup_share=share)
    consultation_page.connect(follow_up_on_the_consultation)
    report_published.connect(_forget_pages)
