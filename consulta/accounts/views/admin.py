from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from consulta.core.pagination import paginate
from consulta.core.permissions import role_required
from consulta.extensions import db

from .. import operations
from ..constants import ROLES
from ..forms import RolesForm
from ..models import User, UserRole
from . import bp


@bp.route("/admin/users")
@role_required("admin")
def admin_users():
    query = select(User).where(User.deleted_at.is_(None)).order_by(User.id)
    search = (request.args.get("q") or "").strip()[:100]
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(User.email.like(pattern),
                                User.display_name.ilike(pattern)))
    role = request.args.get("role", "")
    if role in ROLES:
        query = query.where(User.roles.any(UserRole.role == role))
    else:
        role = ""
    page = paginate(query)
    return render_template("admin/users.html", page=page, search=search, role=role,
                           roles=ROLES)


@bp.route("/admin/users/<int:user_id>/roles", methods=["GET", "POST"])
@role_required("admin")
def admin_user_roles(user_id):
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        abort(404)
    form = RolesForm(data={name: name in user.role_names for name in ROLES})
    if form.validate_on_submit():
        roles = {name for name in ROLES if getattr(form, name).data}
        try:
            changed = operations.set_roles(user, roles, actor=current_user)
        except operations.OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            if changed:
                flash(_("The roles of %(name)s have been saved.", name=user.display_name),
                      "success")
            return redirect(url_for(".admin_users"))
    return render_template("admin/user_roles.html", user=user, form=form, roles=ROLES)
