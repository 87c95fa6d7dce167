import json

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from consulta.core.i18n import forget_language_cookie, set_language_cookie
from consulta.core.permissions import login_required
from consulta.core.transaction import attempt

from .. import operations, queries
from ..forms import ChangePasswordForm, DeleteAccountForm, ProfileForm
from ..sessions import remember_allowed
from . import bp


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        previous_locale = current_user.locale
        with attempt(_("Your profile has been saved.")) as done:
            operations.update_profile(current_user, **{
                name: getattr(form, name).data for name in operations.PROFILE_FIELDS})
        if done:
            response = redirect(url_for(".profile"))
            # This browser shows the language saved; turned to "automatic", the browser's.
            if current_user.locale:
                return set_language_cookie(response, current_user.locale)
            if previous_locale:
                return forget_language_cookie(response)
            return response
    return render_template("accounts/profile.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with attempt(field=form.current_password) as done:
            operations.change_password(current_user, form.current_password.data,
                                       form.password.data)
        if done:
            # Every other session ended with the old token; keep this one (and remember-me).
            remembered = request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"])
            session.clear()
            user = current_user._get_current_object()
            login_user(user, remember=remember_allowed(user, remembered))
            flash(_("Your password has been changed. Other devices have been logged out."),
                  "success")
            return redirect(url_for(".profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/export")
@login_required
def export_data():
    data = queries.export_user_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="consulta-my-data.json"',
        "Cache-Control": "no-store",
    })


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        with attempt(field=form.password) as done:
            operations.delete_account(current_user, form.password.data)
        if done:
            session.clear()
            logout_user()  # after clear(): it leaves the flag that deletes the remember cookie
            flash(_("Your account has been deleted. Your contributions remain, without your "
                    "name."), "info")
            return redirect(url_for("core.index"))
    return render_template("accounts/delete_account.html", form=form)
