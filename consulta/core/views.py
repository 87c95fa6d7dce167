from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text

from consulta.extensions import db

from .cache import cacheable
from .i18n import LANGUAGE_COOKIE
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
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "error", database=database), status


@bp.route("/language/<language>")
def set_language(language):
    """Switch the interface language (a plain link, so public pages need no session)."""
    response = make_response(redirect(safe_next("/")))
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        if current_user.is_authenticated and current_user.locale != language:
            current_user.locale = language
            db.session.commit()
    return response


@bp.app_context_processor
def inject_current_path():
    """The path of this page, for the language switch and log-in links to come back to."""
    return {"current_path": request.full_path.rstrip("?") if request else "/"}
