from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consulta.core.forms import ConfirmForm
from consulta.core.mail import OutboxMessage, outbox_backlog
from consulta.core.pagination import paginate
from consulta.core.permissions import role_required
from consulta.core.transaction import attempt
from consulta.extensions import db

from .. import operations, queries
from ..constants import ROLES
from ..forms import RolesForm
from ..models import User
from . import bp


@bp.route("/admin/users")
@role_required("admin")
def admin_users():
    search = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role", "")
    if role not in ROLES:
        role = ""
    page = paginate(queries.users_for_admin(search=search, role=role))
    return render_template("admin/users.html", page=page, search=search, role=role,
                           roles=ROLES)


@bp.route("/admin/users/<int:user_id>/roles", methods=["GET", "POST"])
@role_required("admin")
def admin_user_roles(user_id):
    user = db.get_or_404(User, user_id)
    if not user.is_active:
        abort(404)
    form = RolesForm(data={name: name in user.platform_role_names for name in ROLES})
    if form.validate_on_submit():
        roles = {name for name in ROLES if getattr(form, name).data}
        with attempt() as done:
            changed = operations.set_roles(user, roles, actor=current_user)
        if done:
            if changed:
                flash(_("The roles of %(name)s have been saved.", name=user.display_name),
                      "success")
            return redirect(url_for(".admin_users"))
    return render_template("admin/user_roles.html", user=user, form=form, roles=ROLES)


@bp.route("/admin/outbox")
@role_required("admin")
def admin_outbox():
    """E-mails waiting to be sent and those given up after MAIL_MAX_ATTEMPTS."""
    return render_template("admin/outbox.html", form=ConfirmForm(),
                           waiting=queries.waiting_messages(),
                           given_up=queries.given_up_messages(),
                           backlog=outbox_backlog())


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@role_required("admin")
def admin_retry_message(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    if ConfirmForm().validate_on_submit():
        with attempt() as done:
            operations.retry_outbox_message(message, actor=current_user)
        if done:
            flash(_("The message will be sent again."), "success")
    return redirect(url_for(".admin_outbox"))
