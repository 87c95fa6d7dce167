from flask import Blueprint, jsonify, redirect, render_template, request

from .cache import cacheable
from .database import database_is_reachable
from .i18n import set_language_cookie
from .signals import home_page, merged_values
from .urls import safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
@cacheable
def index():
    return render_template("core/index.html", **merged_values(home_page))


@bp.route("/privacy")
def privacy():
    return render_template("core/privacy.html")


@bp.route("/health")
def health():
    if database_is_reachable():
        return jsonify(status="ok", database="ok"), 200
    return jsonify(status="error", database="unreachable"), 503


@bp.route("/language/<language>")
def set_language(language):
    """Switch the interface language of this browser: a plain link, so public pages need
    no session, and a GET, so it writes only the cookie (never the account: the profile
    is where an account's language is saved)."""
    return set_language_cookie(redirect(safe_next("/")), language)


@bp.app_context_processor
def inject_current_path():
    """The path of this page, for the language switch and log-in links to come back to."""
    return {"current_path": request.full_path.rstrip("?") if request else "/"}
