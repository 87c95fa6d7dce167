from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consulta.core.forms import ConfirmForm
from consulta.core.mail import OutboxMessage, outbox_backlog
from consulta.core.operations import OperationError
from consulta.core.pagination import paginate
from consulta.core.permissions import role_required
from consulta.core.transaction import attempt
from consulta.extensions import db

from .. import entities, operations, queries
from ..constants import ROLES
from ..forms import EntityForm, RolesForm, TeamMemberForm
from ..models import User, UserRole
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
    return render_template("admin/user_roles.html", user=user, form=form, roles=ROLES,
                           no_entity=not entities.entity_exists())


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


# --- organizing entities and their teams ----------------------------------------------

def _entity(slug, **_arguments):
    """The entity of the route, or 404 (for ``role_required(..., on=_entity)``)."""
    entity = entities.entity_by_slug(slug)
    if entity is None:
        abort(404)
    return entity


@bp.route("/admin/entities")
@role_required("admin")
def admin_entities():
    return render_template("accounts/admin/entities.html", levels=entities.entities_by_level())


def _appoint_first_secretariat(entity, email):
    if email:
        user = queries.find_user_by_email(email)
        if user is None:
            raise OperationError(_("There is no account with this e-mail address."))
        entities.grant_entity_role(entity, user, "secretariat", actor=current_user)


@bp.route("/admin/entities/new", methods=["GET", "POST"])
@role_required("admin")
def admin_new_entity():
    form = EntityForm(entities=entities.all_entities())
    if form.validate_on_submit():
        with attempt(_("The entity has been created.")) as done:
            entity = entities.create_entity(actor=current_user, **form.values())
            _appoint_first_secretariat(entity, form.secretariat_email.data)
        if done:
            return redirect(url_for("entities.detail", slug=entity.slug))
    return render_template("accounts/admin/entities_form.html", form=form, entity=None)


@bp.route("/admin/entities/<slug>/edit", methods=["GET", "POST"])
@role_required("admin")
def admin_edit_entity(slug):
    entity = _entity(slug)
    others = [e for e in entities.all_entities() if e.id != entity.id]
    form = EntityForm(entities=others, data=None if request.method == "POST" else {
        "name": entity.name, "acronym": entity.acronym, "level": entity.level,
        "region": entity.region or "", "parent": entity.parent.slug if entity.parent else ""})
    del form.secretariat_email  # appointed on the team page
    if form.validate_on_submit():
        with attempt(_("The entity has been saved.")) as done:
            entities.update_entity(entity, actor=current_user, **form.values())
        if done:
            return redirect(url_for("entities.detail", slug=entity.slug))
    return render_template("accounts/admin/entities_form.html", form=form, entity=entity)


@bp.route("/entities/<slug>/team", methods=["GET", "POST"])
@role_required("secretariat", on=_entity)
def entity_team(slug):
    """The entity's team: its secretariat (or an administrator) adds and removes members."""
    entity = _entity(slug)
    form = TeamMemberForm()
    if form.validate_on_submit():
        user = queries.find_user_by_email(form.email.data)
        with attempt(_("%(role)s added to the team.", role=ROLES[form.role.data])) as done:
            if user is None:
                raise OperationError(_("There is no account with this e-mail address."))
            if not entities.grant_entity_role(entity, user, form.role.data,
                                              actor=current_user):
                raise OperationError(_("This account already has this role in the team."))
        if done:
            return redirect(url_for(".entity_team", slug=slug))
    return render_template("accounts/admin/entities_team.html", entity=entity, form=form,
                           team=entities.team_of(entity), confirm=ConfirmForm())


@bp.route("/entities/<slug>/team/<int:role_id>/remove", methods=["POST"])
@role_required("secretariat", on=_entity)
def entity_team_remove(slug, role_id):
    entity = _entity(slug)
    held = db.session.get(UserRole, role_id)
    if held is None or held.entity_id != entity.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        with attempt(_("Removed from the team.")):
            entities.revoke_entity_role(entity, held.user, held.role, actor=current_user)
    return redirect(url_for(".entity_team", slug=slug))
