from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consulta.core.forms import ConfirmForm
from consulta.core.pagination import paginate
from consulta.core.permissions import login_required, role_required
from consulta.core.transaction import attempt
from consulta.extensions import db

from .. import operations, queries
from ..forms import OrganizationForm
from ..models import Membership, Organization
from . import bp


def _get_organization(organization_id):
    """The organization if the current user may see it (404 otherwise, not 403)."""
    organization = db.get_or_404(Organization, organization_id)
    if organization.status != "approved":
        allowed = current_user.is_authenticated and (
            current_user.has_role("moderator")
            or organization.created_by_id == current_user.id)
        if not allowed:
            abort(404)
    return organization


@bp.route("/organizations")
def organizations():
    search = (request.args.get("q") or "").strip()[:100]
    page = paginate(queries.approved_organizations(search=search))
    return render_template("accounts/organizations.html", page=page, search=search)


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def new_organization():
    form = OrganizationForm()
    if form.validate_on_submit():
        with attempt(field=form.name) as done:
            organization = operations.create_organization(
                current_user, name=form.name.data, sector=form.sector.data,
                region=form.region.data, website=form.website.data)
        if done:
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
        with attempt(_("The organization has been saved."), field=form.name) as done:
            operations.update_organization(
                organization, actor=current_user, name=form.name.data,
                sector=form.sector.data, region=form.region.data, website=form.website.data)
        if done:
            if organization.status == "pending":
                flash(_("With its new name, the organization waits for the moderators' "
                        "approval again; until then nobody can contribute on its behalf."),
                      "info")
            return redirect(url_for(".organization", organization_id=organization.id))
    return render_template("accounts/organization_form.html", form=form,
                           organization=organization)


@bp.route("/organizations/<int:organization_id>/join", methods=["POST"])
@login_required
def join_organization(organization_id):
    organization = _get_organization(organization_id)
    if ConfirmForm().validate_on_submit():
        with attempt(_("Your request has been sent. You will receive an e-mail when it is "
                       "decided.")):
            operations.request_membership(current_user, organization)
    return redirect(url_for(".organization", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/leave", methods=["POST"])
@login_required
def leave_organization(organization_id):
    organization = _get_organization(organization_id)
    membership = organization.membership_of(current_user)
    if membership is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        with attempt() as done:
            operations.leave_organization(membership, actor=current_user)
        if done:
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
    """The membership within the organization, for those who manage its members."""
    organization = _get_organization(organization_id)
    if not organization.can_be_managed_by(current_user):
        abort(403)
    membership = db.get_or_404(Membership, membership_id)
    if membership.organization_id != organization.id:
        abort(404)
    return organization, membership


@bp.route("/organizations/<int:organization_id>/members/<int:membership_id>/decide",
          methods=["POST"])
@login_required
def decide_membership(organization_id, membership_id):
    organization, membership = _get_membership(organization_id, membership_id)
    decision = request.form.get("decision")
    if ConfirmForm().validate_on_submit() and decision in ("approve", "reject"):
        with attempt(_("The request has been decided.")):
            operations.decide_membership(membership, approve=decision == "approve",
                                         actor=current_user)
    return redirect(url_for(".organization_members", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/members/<int:membership_id>/admin",
          methods=["POST"])
@login_required
def set_member_admin(organization_id, membership_id):
    organization, membership = _get_membership(organization_id, membership_id)
    value = request.form.get("is_admin")
    if ConfirmForm().validate_on_submit() and value in ("0", "1"):
        with attempt(_("The member has been updated.")):
            operations.set_membership_admin(membership, is_admin=value == "1",
                                            actor=current_user)
    return redirect(url_for(".organization_members", organization_id=organization.id))


@bp.route("/moderation/organizations")
@role_required("moderator")
def review_organizations():
    return render_template("accounts/review_organizations.html",
                           pending=queries.pending_organizations(),
                           requests=queries.pending_membership_requests(), form=ConfirmForm())


@bp.route("/moderation/organizations/<int:organization_id>/review", methods=["POST"])
@role_required("moderator")
def review_organization(organization_id):
    organization = db.get_or_404(Organization, organization_id)
    decision = request.form.get("decision")
    if ConfirmForm().validate_on_submit() and decision in ("approve", "reject"):
        with attempt(_("The organization has been reviewed.")):
            operations.review_organization(organization, approve=decision == "approve",
                                           actor=current_user)
    return redirect(url_for(".review_organizations"))
