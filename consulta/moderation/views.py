"""The moderators' workspace: queue, classification, groups, hiding, audit log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from consulta.accounts.models import Membership, Organization
from consulta.audit.models import AuditEntry
from consulta.consultations.access import get_in_consultation, get_visible_consultation
from consulta.consultations.models import Commitment, Consultation, PlanVersion
from consulta.contributions.access import get_contribution
from consulta.contributions.models import Contribution, ContributionGroup, Tag
from consulta.contributions.queries import read_filters, with_list_relations
from consulta.core import search
from consulta.core.forms import ConfirmForm
from consulta.core.operations import OperationError
from consulta.core.pagination import paginate
from consulta.core.permissions import role_required
from consulta.extensions import db

from . import operations, queries
from .forms import BulkClassifyForm, ClassifyForm, GroupForm, HideForm, JoinGroupForm, MaskForm
from .similarity import similar_contributions

bp = Blueprint("moderation", __name__)
moderator_required = role_required("moderator")

QUEUE_STATES = ("unclassified", "classified", "grouped", "hidden", "withdrawn", "all")


def _commitments(consultation):
    return db.session.scalars(
        select(Commitment).join(PlanVersion)
        .where(PlanVersion.consultation_id == consultation.id,
               PlanVersion.published_at.is_not(None))
        .order_by(PlanVersion.number.desc(), Commitment.number)).all()


#: The queue's filters; read_filters keeps only values from its allowlists.
QUEUE_FILTERS = ("component", "commitment", "channel", "sector", "q")


def _queue_filters(args):
    filters = read_filters(args)
    return {key: filters[key] for key in QUEUE_FILTERS if filters[key]}


def _queue_query(consultation, state, filters):
    c = Contribution
    query = select(c).where(c.consultation_id == consultation.id)
    if state == "unclassified":
        query = query.where(c.classified_at.is_(None), c.hidden_at.is_(None),
                            c.withdrawn_at.is_(None))
    elif state == "classified":
        query = query.where(c.classified_at.is_not(None))
    elif state == "grouped":
        query = query.where(c.group_id.is_not(None))
    elif state == "hidden":
        query = query.where(c.hidden_at.is_not(None))
    elif state == "withdrawn":
        query = query.where(c.withdrawn_at.is_not(None))
    for key, column in (("component", db.func.coalesce(c.classified_component_id,
                                                         c.component_id)),
                        ("commitment", db.func.coalesce(c.classified_commitment_id,
                                                          c.commitment_id)),
                        ("channel", c.channel), ("sector", c.sector)):
        if filters.get(key):
            query = query.where(column == filters[key])
    if filters.get("q"):
        clause = search.match(db.session, c.search_document, c.id, filters["q"])
        if clause is not None:
            query = query.where(clause)
    # Unclassified first, then oldest first: the order work is done in.
    return query.order_by(c.classified_at.is_not(None), c.id)


@bp.route("/consultations/<slug>/moderation")
@moderator_required
def queue(slug):
    consultation = get_visible_consultation(slug)
    state = request.args.get("state", "unclassified")
    if state not in QUEUE_STATES:
        state = "unclassified"
    filters = _queue_filters(request.args)
    page = paginate(with_list_relations(_queue_query(consultation, state, filters))
                    .options(selectinload(Contribution.tags)), per_page=50)
    bulk = BulkClassifyForm()
    bulk.fill_choices(consultation, consultation.published_commitments)
    return render_template(
        "moderation/queue.html", consultation=consultation, page=page, state=state,
        counts=queries.moderation_counts(consultation), bulk=bulk,
        tags=_tag_names(consultation), states=QUEUE_STATES, args=filters)


def _tag_names(consultation):
    return db.session.scalars(select(Tag.name).where(Tag.consultation_id == consultation.id)
                              .order_by(Tag.name)).all()


@bp.route("/consultations/<slug>/moderation/bulk", methods=["POST"])
@moderator_required
def bulk_classify(slug):
    consultation = get_visible_consultation(slug)
    form = BulkClassifyForm()
    form.fill_choices(consultation, consultation.published_commitments)
    ids = request.form.getlist("selected", type=int)  # what is not a number is left out
    if form.validate_on_submit():
        contributions = db.session.scalars(select(Contribution).where(
            Contribution.id.in_(ids), Contribution.consultation_id == consultation.id)).all()
        try:
            if len(contributions) != len(set(ids)):
                raise OperationError(_("Some selected contributions do not belong to this "
                                       "consultation."))
            operations.classify_contributions(contributions, actor=current_user, **form.values())
        except OperationError as error:
            db.session.rollback()  # all or nothing
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(count)d contributions have been classified.", count=len(contributions)),
                  "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
    return redirect(url_for(".queue", slug=slug, state=request.form.get("state") or None))


@bp.route("/moderation/<code>", methods=["GET", "POST"])
@moderator_required
def classify(code):
    contribution = get_contribution(code)
    consultation = contribution.consultation
    form = ClassifyForm(formdata=request.form if request.method == "POST" else None)
    form.fill_choices(consultation, _commitments(consultation))
    if request.method == "GET":
        _fill_from(form, contribution)
    conflict = False
    if form.validate_on_submit():
        try:
            operations.classify_contribution(contribution, actor=current_user,
                                expected_version=form.version.data, **form.values())
            db.session.commit()
        except operations.Conflict as error:
            db.session.rollback()
            conflict = True
            flash(error.message, "error")
        except StaleDataError:
            db.session.rollback()
            conflict = True
            flash(_("Someone else saved this contribution at the same moment. Its current "
                    "values are shown below: check them and save again."), "error")
        except OperationError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("Contribution %(code)s has been classified.", code=code), "success")
            if request.form.get("next"):
                following = operations.next_unclassified(consultation, after_id=contribution.id)
                if following is not None:
                    return redirect(url_for(".classify", code=following.tracking_code))
                flash(_("There are no more contributions to classify."), "info")
                return redirect(url_for(".queue", slug=consultation.slug))
            return redirect(url_for(".classify", code=code))
        if conflict:  # show what is stored now, with the new version to save against
            contribution = db.session.get(Contribution, contribution.id)
            form = ClassifyForm(formdata=None)
            form.fill_choices(consultation, _commitments(consultation))
            _fill_from(form, contribution)
    return _render_workspace(contribution, form)


def _fill_from(form, contribution):
    form.component.data = contribution.classified_component_id or contribution.component_id \
        or 0
    form.commitment.data = contribution.classified_commitment_id or \
        contribution.commitment_id or 0
    form.new_commitment.data = contribution.is_new_commitment or (
        not contribution.is_classified and contribution.kind == "proposal")
    form.principles.data = list(contribution.principles or [])
    form.tags.data = ", ".join(t.name for t in contribution.tags)
    form.version.data = contribution.version


def _render_workspace(contribution, form):
    consultation = contribution.consultation
    groups = db.session.scalars(select(ContributionGroup).where(
        ContributionGroup.consultation_id == consultation.id)
        .order_by(ContributionGroup.title)).all()
    join_form = JoinGroupForm()
    join_form.group.choices = [(g.id, g.title) for g in groups]
    return render_template(
        "moderation/classify.html", contribution=contribution, consultation=consultation,
        form=form, suggestions=similar_contributions(contribution),
        tags=_tag_names(consultation), hide_form=HideForm(), mask_form=MaskForm(),
        group_form=GroupForm(), join_form=join_form, groups=groups, confirm=ConfirmForm(),
        remaining=queries.moderation_counts(consultation)["unclassified"])


def _finish(code, message):
    """Commit the action and go back to the workspace of the contribution."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".classify", code=code))


def _fail(code, error):
    db.session.rollback()
    flash(error.message, "error")
    return redirect(url_for(".classify", code=code))


@bp.route("/moderation/<code>/group", methods=["POST"])
@moderator_required
def group(code):
    contribution = get_contribution(code)
    consultation = contribution.consultation
    others = [get_contribution(other) for other in request.form.getlist("with")][:50]
    try:
        if request.form.get("group", type=int):
            target = get_in_consultation(ContributionGroup, request.form.get("group", type=int),
                                         consultation)
            for item in [contribution, *others]:
                operations.add_to_group(item, target, actor=current_user)
        else:
            form = GroupForm()
            if not form.validate_on_submit():
                raise OperationError(_("Give the group a title."))
            target = operations.create_group(
                consultation, actor=current_user, title=form.title.data,
                summary=form.summary.data, members=[contribution, *others])
    except OperationError as error:
        return _fail(code, error)
    return _finish(code, _("Grouped in \"%(title)s\".", title=target.title))


@bp.route("/moderation/<code>/ungroup", methods=["POST"])
@moderator_required
def ungroup(code):
    contribution = get_contribution(code)
    operations.remove_from_group(contribution, actor=current_user)
    return _finish(code, _("The contribution is no longer in a group."))


@bp.route("/moderation/<code>/hide", methods=["POST"])
@moderator_required
def hide(code):
    contribution = get_contribution(code)
    form = HideForm()
    if not form.validate_on_submit():
        return _fail(code, OperationError(_("Choose a reason.")))
    try:
        operations.hide_contribution(contribution, actor=current_user, reason=form.reason.data,
                        note=form.note.data)
    except OperationError as error:
        return _fail(code, error)
    return _finish(code, _("The contribution has been hidden; the author has been told."))


@bp.route("/moderation/<code>/unhide", methods=["POST"])
@moderator_required
def unhide(code):
    contribution = get_contribution(code)
    try:
        operations.unhide_contribution(contribution, actor=current_user)
    except OperationError as error:
        return _fail(code, error)
    return _finish(code, _("The contribution is visible again."))


@bp.route("/moderation/<code>/mask", methods=["POST"])
@moderator_required
def mask(code):
    contribution = get_contribution(code)
    form = MaskForm()
    try:
        if not form.validate_on_submit():
            raise OperationError(_("Copy the text to mask."))
        if request.form.get("action") == "clear":
            operations.unmask_contribution(contribution, actor=current_user)
        else:
            operations.mask_fragment(contribution, actor=current_user,
                                     fragment=form.fragment.data)
    except OperationError as error:
        return _fail(code, error)
    return _finish(code, _("The personal data is masked in public."))


@bp.route("/moderation/<code>/unmask", methods=["POST"])
@moderator_required
def unmask(code):
    contribution = get_contribution(code)
    operations.unmask_contribution(contribution, actor=current_user)
    return _finish(code, _("Nothing is masked in this contribution any more."))


@bp.route("/consultations/<slug>/moderation/groups")
@moderator_required
def groups(slug):
    consultation = get_visible_consultation(slug)
    items = db.session.execute(
        select(ContributionGroup, func.count(Contribution.id))
        .outerjoin(Contribution, Contribution.group_id == ContributionGroup.id)
        .where(ContributionGroup.consultation_id == consultation.id)
        .group_by(ContributionGroup.id).order_by(ContributionGroup.title)).all()
    return render_template("moderation/groups.html", consultation=consultation, items=items)


@bp.route("/moderation/groups/<int:group_id>", methods=["GET", "POST"])
@moderator_required
def group_detail(group_id):
    item = db.get_or_404(ContributionGroup, group_id)
    form = GroupForm(obj=item)
    if form.validate_on_submit():
        try:
            operations.update_group(item, actor=current_user, title=form.title.data,
                                    summary=form.summary.data)
        except OperationError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The group has been saved."), "success")
            return redirect(url_for(".group_detail", group_id=group_id))
    return render_template("moderation/group.html", group=item, form=form,
                           consultation=item.consultation, confirm=ConfirmForm())


@bp.route("/consultations/<slug>/moderation/audit")
@role_required("moderator", "secretariat")
def audit(slug):
    consultation = get_visible_consultation(slug)
    query = (select(AuditEntry).where(AuditEntry.consultation_id == consultation.id)
             .order_by(AuditEntry.id.desc()))
    actions = db.session.scalars(select(AuditEntry.action).distinct().where(
        AuditEntry.consultation_id == consultation.id).order_by(AuditEntry.action)).all()
    action = request.args.get("action", "")
    if action not in actions:  # the filter offers the actions in this log, nothing else
        action = ""
    if action:
        query = query.where(AuditEntry.action == action)
    return render_template("moderation/audit.html", consultation=consultation,
                           page=paginate(query, per_page=50), action=action, actions=actions)


@bp.route("/moderation")
@moderator_required
def home():
    consultations = db.session.scalars(
        select(Consultation).where(Consultation.announced_at.is_not(None))
        .order_by(Consultation.opens_at.desc())).all()
    pending_organizations = db.session.scalar(select(func.count()).select_from(Organization)
                                              .where(Organization.status == "pending"))
    pending_requests = db.session.scalar(select(func.count()).select_from(Membership)
                                         .where(Membership.status == "pending"))
    counts = queries.counts_by_consultation(consultations)
    return render_template(
        "moderation/home.html",
        items=[(c, counts[c.id]) for c in consultations],
        pending_organizations=pending_organizations, pending_requests=pending_requests)
