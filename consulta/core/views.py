from flask import Blueprint, current_app, jsonify, redirect, render_template, request

from .cache import cacheable
from .database import database_is_reachable
from .dates import utcnow
from .i18n import set_language_cookie
from .mail import outbox_backlog
from .urls import safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
@cacheable
def index():
    return render_template("core/index.html")


@bp.route("/privacy")
def privacy():
    return render_template("core/privacy.html")


@bp.route("/health")
def health():
    if database_is_reachable():
        return jsonify(status="ok", database="ok", outbox=_outbox_health()), 200
    return jsonify(status="error", database="unreachable"), 503


def _outbox_health():
    """The mail backlog: a growing queue or given-up messages mean mail is not going out."""
    try:
        backlog = outbox_backlog()
    except Exception:  # the health check itself must answer
        current_app.logger.exception("health: the outbox could not be read")
        return {"status": "unknown"}
    oldest = backlog["oldest_waiting"]
    return {"waiting": backlog["waiting"], "given_up": backlog["given_up"],
            "oldest_waiting": oldest.isoformat() if oldest else None,
            "oldest_waiting_minutes": int((utcnow() - oldest).total_seconds() // 60)
            if oldest else None}


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
