"""The implementation follow-up of the approved final plan ("and here is how it is
going"): milestones and indicators of each commitment, progress reports with
evidence (draft → review → published), the public tracking page, the standing forum,
followers, and the mid-term and end-of-term self-assessments."""

from .constants import MILESTONE_STATUSES, REPORT_STATES
from .documents import check_storage_setting
from .manage import bp as manage_bp
from .manage import register_document_checks


def init_app(app):
    check_storage_setting(app)
    app.register_blueprint(manage_bp)
    register_document_checks()
    app.jinja_env.globals.update(MILESTONE_STATUSES=MILESTONE_STATUSES,
                                 REPORT_STATES=REPORT_STATES)
