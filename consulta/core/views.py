from flask import Blueprint, jsonify, redirect, render_template, request

from .cache import cacheable
from .health import health_report
from .i18n import set_language_cookie
from .signals import home_page, merged_values
from .urls import current_path, safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
@cacheable(params=())
def index():
    return render_template("core/index.html", **merged_values(home_page))


@bp.route("/privacy")
def privacy():
    return render_template("core/privacy.html")


@bp.route("/health")
def health():
    """Each dependency's state (see core/health.py): 503 when the site cannot work."""
    report, status = health_report()
    return jsonify(report), status



@bp.route("/language/<language>")
def set_language(language):
    """Switch the interface language of this browser: a plain link, so public pages need
    no session, and a GET, so it writes only the cookie (never the account: the profile
    is where an account's language is saved)."""
    return set_language_cookie(redirect(safe_next("/")), language)


@bp.app_context_processor
def inject_current_path():
    """The path of this page, for the language switch and log-in links to come back to."""
    return {"current_path": current_path() if request else "/"}
