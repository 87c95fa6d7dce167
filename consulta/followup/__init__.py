"""The implementation follow-up of the approved final plan ("and here is how it is
going"): milestones and indicators of each commitment, progress reports with
evidence (draft → review → published), the public tracking page, the standing forum,
followers, and the mid-term and end-of-term self-assessments."""

from .comments import comments_on_the_report
from .comments_views import bp as comments_bp
from .constants import FORUM_ROLES, FORUM_SIDES, MILESTONE_STATUSES, REPORT_STATES
from .documents import check_storage_setting
from .forum import guideline_on_the_tracking_page, observations_on_the_report
from .forum_views import bp as forum_bp
from .manage import bp as manage_bp
from .manage import register_document_checks
from .signals import report_page, tracking_page


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
