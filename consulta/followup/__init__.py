"""The implementation follow-up of the approved final plan ("and here is how it is
going"): milestones and indicators of each commitment, progress reports with
evidence (draft → review → published), the public tracking page, the standing forum,
followers, and the mid-term and end-of-term self-assessments."""

from consulta.accounts.signals import account_erased, data_export
from consulta.consultations.signals import consultation_personal, dates_changed
from consulta.core.cache import forget_pages
from consulta.finalplan.signals import final_plan_published
from consulta.summary.signals import summary_published

from . import followers
from .charts import legend, status_chart
from .comments import comments_on_the_report
from .comments_views import bp as comments_bp
from .constants import FORUM_ROLES, FORUM_SIDES, MILESTONE_STATUSES, REPORT_STATES
from .documents import check_storage_setting
from .follow_views import (
    box_on_the_commitment,
    box_on_the_consultation,
    box_on_the_report,
    box_on_the_tracking_page,
)
from .follow_views import bp as follow_bp
from .forum import guideline_on_the_tracking_page, observations_on_the_report
from .forum_views import bp as forum_bp
from .manage import bp as manage_bp
from .manage import register_document_checks
from .public import bp as public_bp
from .queries import COMMITMENT_STATUSES, share
from .signals import commitment_page, report_page, report_published, tracking_page


def _forget_pages(report, **_extra):
    """A published report is on the tracking, commitment and report pages at once."""
    forget_pages(report.commitment.plan_version.consultation.slug)


def init_app(app):
    check_storage_setting(app)
    app.register_blueprint(manage_bp)
    register_document_checks()
    app.jinja_env.globals.update(MILESTONE_STATUSES=MILESTONE_STATUSES,
                                 REPORT_STATES=REPORT_STATES)
    # The standing forum and the comments on reports.
    app.register_blueprint(forum_bp)
    app.register_blueprint(comments_bp)
    app.jinja_env.globals.update(FORUM_ROLES=FORUM_ROLES, FORUM_SIDES=FORUM_SIDES)
    report_page.connect(observations_on_the_report)
    report_page.connect(comments_on_the_report)
    tracking_page.connect(guideline_on_the_tracking_page)
    # Followers.
    app.register_blueprint(follow_bp)
    app.cli.add_command(followers.send_follow_notices_command)
    report_published.connect(followers.tell_report_published)
    summary_published.connect(followers.tell_summary_published)
    final_plan_published.connect(followers.tell_final_plan_published)
    dates_changed.connect(followers.note_dates_changed)
    data_export.connect(followers.follows_in_export)
    account_erased.connect(followers.erase_follows)
    consultation_personal.connect(box_on_the_consultation)
    commitment_page.connect(box_on_the_commitment)
    tracking_page.connect(box_on_the_tracking_page)
    report_page.connect(box_on_the_report)
    # The public side: tracking, commitment and report pages, self-assessments.
    app.register_blueprint(public_bp)
    app.jinja_env.globals.update(
        FOLLOWUP_STATUSES=MILESTONE_STATUSES, FOLLOWUP_COMMITMENT_STATUSES=COMMITMENT_STATUSES,
        followup_status_chart=status_chart, followup_chart_legend=legend,
        followup_share=share)
    report_published.connect(_forget_pages)
