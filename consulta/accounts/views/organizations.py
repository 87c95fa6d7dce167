from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consulta.core.forms import ConfirmForm
from consulta.core.pagination import paginate
from consulta.core.permissions import login_required, role_required
from consulta.extensions import db

from .. import operations
from ..forms import OrganizationForm
from ..models import Membership, Organization
from . import bp


def _get_organization(organization_id):
    """The organization if the current user may see it (404 otherwise, not 403)."""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        abort(404)
    if organization.status != "approved":
        allowed = current_user.is_authenticated and (
            current_user.has_role("moderator")
            or organization.created_by_id == current_user.id)
        if not allowed:
            abort(404)
    return organization


@bp.route("/organizations")
def organizations():
    query = (select(Organization).where(Organization.status == "approved")
             .order_by(func.lower(Organization.name)))
    search = (request.args.get("q") or "").strip()[:100]
    if search:
        query = query.where(Organization.name.ilike(f"%{search}%"))
    return render_template("accounts/organizations.html", page=paginate(query), search=search)


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def new_organization():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = operations.create_organization(
                current_user, name=form.name.data, sector=form.sector.data,
                region=form.region.data, website=form.website.data)
        except operations.OperationError as error:
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            if organization.status == "approved":
                flash(_("The organization has been created."), "success")
            else:
                flash(_("Thank you. A moderator will review the organization; you will be its "
                        "admin once it is approved."), "success")
            return redirect(url_for(".organization", organization_id=organization.id))
    return render_template("accounts/organization_form.html", form=form, organization=None)


@bp.route("/organizations/<int:organization_id>")
def organization(organization_id):
    organization = _get_organization(organization_id)
    members = [m for m in organization.memberships if m.status == "approved"]
    return render_template("accounts/organization.html", organization=organization,
                           membership=organization.membership_of(current_user),
                           member_count=len(members), form=ConfirmForm())


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organization(organization_id):
    organization = _get_organization(organization_id)
    if not organization.can_be_managed_by(current_user):
        abort(403)
    form = OrganizationForm(obj=organization)
    if form.validate_on_submit():
        try:
            operations.update_organization(
                organization, actor=current_user, name=form.name.data,
                sector=form.sector.data, region=form.region.data, website=form.website.data)
        except operations.OperationError as error:
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The organization has been saved."), "success")
            return redirect(url_for(".organization", organization_id=organization.id))
    return render_template("accounts/organization_form.html", form=form,
                           organization=organization)


@bp.route("/organizations/<int:organization_id>/join", methods=["POST"])
@login_required
def join_organization(organization_id):
    organization = _get_organization(organization_id)
    if ConfirmForm().validate_on_submit():
        try:
            operations.request_membership(current_user, organization)
        except operations.OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Your request has been sent. You will receive an e-mail when it is "
                    "decided."), "success")
    return redirect(url_for(".organization", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/leave", methods=["POST"])
@login_required
def leave_organization(organization_id):
    organization = _get_organization(organization_id)
    membership = organization.membership_of(current_user)
    if membership is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            operations.leave_organization(membership, actor=current_user)
        except operations.OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("You are no longer a member of %(name)s.", name=organization.name), "info")
    return redirect(url_for(".organization", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/members")
@login_required
def organization_members(organization_id):
    organization = _get_organization(organization_id)
    if not organization.can_be_managed_by(current_user):
        abort(403)
    memberships = sorted(organization.memberships, key=lambda m: (m.status != "pending",
                                                                  m.requested_at))
    return render_template("accounts/organization_members.html", organization=organization,
                           memberships=memberships, form=ConfirmForm())


def _get_membership(organization_id, membership_id):
    organization = _get_organization(organization_id)
    if not organization.can_be_managed_by(current_user):
        abort(403)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organization_id != organization.id:
        abort(404)
    return organization, membership


@bp.route("/organizations/<int:organization_id>/members/<int:membership_id>/decide",
          methods=["POST"])
@login_required
def decide_membership(organization_id, membership_id):
    organization, membership = _get_membership(organization_id, membership_id)
    decision = request.form.get("decision")
    if ConfirmForm().validate_on_submit() and decision in ("approve", "reject"):
        try:
            operations.decide_membership(membership, approve=decision == "approve",
                                         actor=current_user)
        except operations.OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The request has been decided."), "success")
    return redirect(url_for(".organization_members", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/members/<int:membership_id>/admin",
          methods=["POST"])
@login_required
def set_member_admin(organization_id, membership_id):
    organization, membership = _get_membership(organization_id, membership_id)
    value = request.form.get("is_admin")
    if ConfirmForm().validate_on_submit() and value in ("0", "1"):
        try:
            operations.set_membership_admin(membership, is_admin=value == "1",
                                            actor=current_user)
        except operations.OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The member has been updated."), "success")
    return redirect(url_for(".organization_members", organization_id=organization.id))


@bp.route("/moderation/organizations")
@role_required("moderator")
def review_organizations():
    pending = db.session.scalars(
        select(Organization).where(Organization.status == "pending")
        .order_by(Organization.created_at)).all()
    requests = db.session.scalars(
        select(Membership).where(Membership.status == "pending")
        .options(selectinload(Membership.user), selectinload(Membership.organization))
        .order_by(Membership.requested_at)).all()
    return render_template("accounts/review_organizations.html", pending=pending,
                           requests=requests, form=ConfirmForm())


@bp.route("/moderation/organizations/<int:organization_id>/review", methods=["POST"])
@role_required("moderator")
def review_organization(organization_id):
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        abort(404)
    decision = request.form.get("decision")
    if ConfirmForm().validate_on_submit() and decision in ("approve", "reject"):
        try:
            operations.review_organization(organization, approve=decision == "approve",
                                           actor=current_user)
        except operations.OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The organization has been reviewed."), "success")
    return redirect(url_for(".review_organizations"))
