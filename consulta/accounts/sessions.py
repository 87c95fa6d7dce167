"""Staff sessions end after a while without activity.

Moderators, the secretariat and administrators act for the institution: a staff
session left open on a shared computer must not stay usable. Each request of a
staff account records the time in the (signed) session; a request that comes more
than ``STAFF_SESSION_IDLE_MINUTES`` after the previous one ends the session and
sends the person to log in again, then back to the page they asked for.

Remember-me cannot bring an idle staff session back: staff accounts get no
remember-me cookie at login, and a staff session without a recorded activity (for
instance one restored from a remember-me cookie given before the account became
staff) counts as expired. Participants keep long sessions and remember-me.
"""

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_in

from consulta.core.dates import utcnow
from consulta.core.security import without_session_cookies
from consulta.core.urls import return_target

#: Session key holding the time (epoch seconds) of the last request of a staff account.
LAST_SEEN = "_staff_seen"
#: The recorded time is rewritten at most this often (seconds), not on every request,
#: so that a page full of requests does not send a new cookie each time.
RESOLUTION = 30
#: Where an expired session just ends, without a detour through the log-in page.
NO_DETOUR = {"accounts.login", "accounts.logout", "core.health", "core.set_language"}


def clock():
    """Seconds since the epoch; one place for tests to move time."""
    return int(utcnow().timestamp())


def remember_allowed(user, wanted):
    """Remember-me for participants who ask for it, never for staff."""
    return bool(wanted) and not user.is_staff


def _record_login(sender, user, **extra):
    if user.is_staff:
        session[LAST_SEEN] = clock()


def expire_idle_staff_session():
    """before_request: end a staff session idle for longer than allowed."""
    minutes = current_app.config["STAFF_SESSION_IDLE_MINUTES"]
    if not minutes or request.endpoint in (None, "static") or without_session_cookies():
        return None
    if not current_user.is_authenticated or not current_user.is_staff:
        return None
    now = clock()
    last = session.get(LAST_SEEN)
    if isinstance(last, int) and 0 <= now - last <= minutes * 60:
        if now - last >= RESOLUTION:
            session[LAST_SEEN] = now
        return None
    target = return_target()
    session.clear()
    logout_user()  # after clear(): it leaves the flag that deletes a remember-me cookie
    if request.endpoint in NO_DETOUR or request.blueprint == "api":
        return None  # carry on as a visitor
    flash(_("Your session was closed after %(minutes)d minutes without activity. Please "
            "log in again.", minutes=minutes), "info")
    return redirect(url_for("accounts.login", next=target))


#: What an account that has not accepted the notice in force may still do.
PRIVACY_EXEMPT = frozenset({"static", "accounts.accept_privacy", "accounts.logout",
                            "accounts.forgot_password", "accounts.reset_password",
                            "core.privacy", "core.set_language", "core.health"})


def needs_privacy_acceptance(user):
    """The account accepted an older version of the privacy notice than the one in force
    (the deployment profile's ``privacy.*.md``)."""
    return (user.is_authenticated
            and user.privacy_version != current_app.config["PRIVACY_NOTICE_VERSION"])


def require_current_privacy_notice():
    """before_request: once the notice's version changes, every user accepts it again
    before going on (at their next log-in, or at once in an open session)."""
    if request.endpoint in PRIVACY_EXEMPT or request.endpoint is None \
            or request.blueprint == "api" or without_session_cookies() \
            or not needs_privacy_acceptance(current_user):
        return None
    return redirect(url_for("accounts.accept_privacy", next=return_target()))


def init_staff_sessions(app):
    user_logged_in.connect(_record_login, app)
    app.before_request(expire_idle_staff_session)
    app.before_request(require_current_privacy_notice)
