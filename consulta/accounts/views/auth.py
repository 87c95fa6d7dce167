from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from consulta.core.forms import ConfirmForm
from consulta.core.i18n import language_cookie, set_language_cookie
from consulta.core.logs import clean, security_log
from consulta.core.mail import after_response
from consulta.core.permissions import login_required
from consulta.core.ratelimit import Attempts, refuse
from consulta.core.transaction import attempt
from consulta.core.urls import return_target, safe_next
from consulta.extensions import db, limiter, login_manager

from .. import operations
from ..devices import known_device, remember_device
from ..forms import EmailForm, LoginForm, RegistrationForm, ResetPasswordForm
from ..models import User
from ..sessions import needs_privacy_acceptance, remember_allowed
from ..tokens import ExpiredToken, InvalidToken, user_for_confirmation, user_for_reset
from . import bp


def _limit(name):
    return lambda: current_app.config[name]


def _account_key():
    """Rate-limit key for the account named in the form (not the IP)."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return "account:" + email


#: The account of a session with its roles, built once (every logged-in request asks it).
_ACCOUNT = select(User).where(User.id == bindparam("id")).options(joinedload(User.roles))


@login_manager.user_loader
def load_user(value):
    user_id, _sep, token = (value or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    # The roles with the account, in its query: every page asks for them (the menu).
    user = db.session.scalars(_ACCOUNT, {"id": int(user_id)}).unique().first()
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Send the visitor to log in, to come back afterwards to the page they were on."""
    flash(_("Please log in to continue."), "info")
    return redirect(url_for("accounts.login", next=return_target()))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_REGISTER_IP"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_REGISTER_ACCOUNT"), key_func=_account_key, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        if form.fax_only.data:
            security_log.info("registration honeypot filled from %s; dropped",
                              clean(request.remote_addr))
            return redirect(url_for(".registered"))
        with attempt() as done:
            operations.register_user(
                email=form.email.data, password=form.password.data,
                display_name=form.display_name.data, sector=form.sector.data,
                region=form.region.data, gender=form.gender.data,
                show_name_publicly=form.show_name_publicly.data,
                locale=language_cookie(),
            )
        if done:
            return redirect(url_for(".registered"))
    return render_template("accounts/register.html", form=form)


@bp.route("/register/done")
def registered():
    return render_template("accounts/registered.html")


@bp.route("/confirm/<token>")
def confirm_email(token):
    try:
        user = user_for_confirmation(token)
    except ExpiredToken:
        return render_template("accounts/bad_link.html", kind="confirm", expired=True,
                               form=EmailForm()), 400
    except InvalidToken:
        return render_template("accounts/bad_link.html", kind="confirm", expired=False,
                               form=EmailForm()), 400
    with attempt():
        confirmed = operations.confirm_email(user)
    if confirmed:
        flash(_("Thank you, your e-mail address is confirmed."), "success")
    else:
        flash(_("Your e-mail address was already confirmed."), "info")
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    return redirect(url_for(".login"))


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_RESET_IP"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_RESET_ACCOUNT"), key_func=_account_key, methods=["POST"])
def resend_confirmation():
    form = EmailForm()
    if current_user.is_authenticated and request.method == "GET":
        form.email.data = current_user.email
    if form.validate_on_submit():
        with attempt():
            operations.request_confirmation_link(form.email.data)
        return render_template("accounts/link_sent.html", kind="confirm")
    return render_template("accounts/resend_confirmation.html", form=form)


def _count_login_attempt(email):
    """Take this attempt's place in the login limits, before the password is checked:
    per IP, and per account, or per known device for a browser the account logged in
    from before (whose owner the attacker's failures must not lock out)."""
    attempts = Attempts()
    if not limiter.enabled:
        return attempts
    config = current_app.config
    attempts.take("login-ip", config["RATELIMIT_LOGIN_IP"], get_remote_address())
    device = known_device(email)
    if device:
        attempts.take("login-device", config["RATELIMIT_LOGIN_ACCOUNT"], device)
    else:
        attempts.take("login-account", config["RATELIMIT_LOGIN_ACCOUNT"],
                      (email or "").strip().lower()[:254])
    return attempts


def _landing(user):
    """Where a login leads: the page asked for; staff who asked for none (or for the
    home page) land on their start page, with what awaits them."""
    if user.is_staff and request.values.get("next", "/") in ("", "/"):
        return url_for("staff.home")
    return safe_next(url_for("core.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        attempts = _count_login_attempt(form.email.data)
        if not attempts.allowed:
            security_log.warning("login limit reached for %s from %s", clean(form.email.data),
                                 clean(request.remote_addr))
            refuse(attempts)
        with attempt():
            user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            attempts.give_back()  # only failures use up the limits
            target = _landing(user)
            session.clear()  # a fresh session at login (no fixation)
            login_user(user, remember=remember_allowed(user, form.remember.data))
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            if not user.is_confirmed:
                flash(_("Please confirm your e-mail address: you need it to take part. "
                        "We can send you the link again."), "warning")
            # The account's language follows it to this browser (the switch changes it).
            return remember_device(set_language_cookie(redirect(target), user.locale),
                                   form.email.data)
        security_log.warning("failed login for %s from %s", clean(form.email.data),
                             clean(request.remote_addr))
        form.password.errors.append(_("The e-mail or the password is not correct."))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        with attempt():
            operations.end_all_sessions(current_user)
        session.clear()
        logout_user()  # after clear(): it leaves the flag that deletes the remember cookie
        flash(_("You have logged out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/privacy/accept", methods=["GET", "POST"])
@login_required
def accept_privacy():
    """A new version of the privacy notice: read it and accept it to go on."""
    target = safe_next(url_for("core.index"))
    if not needs_privacy_acceptance(current_user):
        return redirect(target)
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt():
            operations.accept_privacy_notice(current_user)
        flash(_("Thank you. You have accepted the new privacy notice."), "success")
        return redirect(target)
    return render_template("accounts/accept_privacy.html", form=form, next=target)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_RESET_IP"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_RESET_ACCOUNT"), key_func=_account_key, methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        # Looked up and mailed apart from the answer: a known address costs the request
        # no more than an unknown one (the answer is the same too).
        after_response(_send_reset_link, form.email.data)
        return render_template("accounts/link_sent.html", kind="reset")
    return render_template("accounts/forgot_password.html", form=form)


def _send_reset_link(email):
    with attempt():
        operations.request_password_reset(email)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_RESET_IP"), methods=["POST"])
def reset_password(token):
    try:
        user = user_for_reset(token)
    except ExpiredToken:
        return render_template("accounts/bad_link.html", kind="reset", expired=True,
                               form=EmailForm()), 400
    except InvalidToken:
        return render_template("accounts/bad_link.html", kind="reset", expired=False,
                               form=EmailForm()), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with attempt():
            operations.set_password(user, form.password.data)
        session.clear()
        logout_user()  # after clear(): it leaves the flag that deletes the remember cookie
        flash(_("Your password has been changed. You can log in with it now."), "success")
        return redirect(url_for(".login"))
    return render_template("accounts/reset_password.html", form=form)
