"""The moderators' workspace: queue, classification, groups, hiding, audit log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from consulta.audit.changes import display, entry_changes
from consulta.consultations.access import get_in_consultation, get_visible_consultation
from consulta.consultations.queries import commitment_choices
from consulta.contributions.access import get_contribution, protected_object
from consulta.contributions.models import ContributionGroup
from consulta.contributions.queries import ignored_filters
from consulta.core.bulk import BULK_LIMIT, check_filter_scope, form_ids, read_scope
from consulta.core.forms import ConfirmForm
from consulta.core.operations import OperationError
from consulta.core.pagination import paginate_rows
from consulta.core.permissions import ANY_ENTITY, entity_filter_ids, role_required
from consulta.core.transaction import attempt
from consulta.extensions import db

from . import operations, queries
from .forms import (
    BulkClassifyForm,
    ClassifyForm,
    GroupForm,
    HideForm,
    JoinGroupForm,
    MaskForm,
    classification_commitments,
    queue_commitments,
)
from .similarity import similar_contributions

bp = Blueprint("moderation", __name__)
#: Groups listed a page (a national consultation has a thousand).
GROUPS_PER_PAGE = 50


def _protected(group_id=None, **arguments):
    """What a route protects: its group, contribution or consultation (its entity's
    moderators act on it)."""
    if group_id is not None:
        return db.get_or_404(ContributionGroup, group_id)
    return protected_object(**arguments)


moderator_required = role_required("moderator", on=_protected)


def _queue_position(values):
    """The queue tab and filters a request carries (the queue's query string, or the
    hidden fields of a form posted from it)."""
    state = values.get("state", "unclassified")
    if state not in queries.QUEUE_STATES:
        state = "unclassified"
    return state, queries.queue_filters(values)


def _posted_queue_position(form):
    """The queue tab and filters a bulk form carries, as hidden ``queue_*`` fields (the
    classification fields of the same form have names of their own, such as
    "component")."""
    return _queue_position(MultiDict(
        [(key.removeprefix("queue_"), value) for key, value in form.items(multi=True)
         if key.startswith("queue_")]))


def _queue_args(state, filters):
    """The query arguments that bring back the queue as it was (the default tab left
    out, so that plain links stay plain)."""
    return {"state": None if state == "unclassified" else state, **filters}


@bp.route("/consultations/<slug>/moderation")
@moderator_required
def queue(slug):
    consultation = get_visible_consultation(slug)
    state, filters = _queue_position(request.args)
    page = queries.queue_page(consultation, state, filters, per_page=50)
    bulk = BulkClassifyForm()
    commitments = queue_commitments(consultation)
    bulk.fill_choices(consultation, commitments)
    return render_template(
        "moderation/queue.html", consultation=consultation, page=page, state=state,
        commitment_filter=commitments.filter_options(filters.get("commitment")),
        counts=queries.moderation_counts(consultation), bulk=bulk,
        tags=queries.tag_names(consultation), states=queries.QUEUE_STATES, args=filters,
        queue_args=_queue_args(state, filters),
        ignored=[name for name in ignored_filters(request.args)
                 if name in queries.QUEUE_FILTERS])


@bp.route("/consultations/<slug>/moderation/bulk", methods=["POST"])
@moderator_required
def bulk_classify(slug):
    consultation = get_visible_consultation(slug)
    form = BulkClassifyForm()
    form.fill_choices(consultation, commitment_choices(consultation))
    state, filters = _posted_queue_position(request.form)
    back = redirect(url_for(".queue", slug=slug, **_queue_args(state, filters)))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return back
    scope = read_scope(request.form)
    if scope == "filter":
        ids = queries.queue_ids(consultation, state, filters, BULK_LIMIT)
        step, digest = check_filter_scope(
            ids, request.form.get("confirmed"),
            nothing=_("No contribution matches the filter: nothing was changed."),
            too_many=_("More than %(limit)d contributions match the filter: narrow it "
                       "down, nothing was changed.", limit=BULK_LIMIT),
            changed=_("The contributions matching the filter changed since you confirmed "
                      "(someone classified or added some): nothing was changed. Check the "
                      "new count and confirm again."))
        if step == "refused":
            return back
        if step == "confirm":
            return render_template(
                "moderation/bulk_confirm.html", consultation=consultation, form=form,
                count=len(ids), digest=digest, state=state, filters=filters,
                queue_args=_queue_args(state, filters))
    else:
        ids = form_ids(request.form, "page_ids" if scope == "page" else "selected")
    contributions = queries.selected_contributions(consultation, ids)
    with attempt(_("%(count)d contributions have been classified.",
                   count=len(contributions))):  # all or nothing
        if len(contributions) != len(set(ids)):
            raise OperationError(_("Some selected contributions do not belong to this "
                                   "consultation."))
        operations.classify_contributions(contributions, actor=current_user,
                                          **form.values())
    return back


@bp.route("/moderation/<code>", methods=["GET", "POST"])
@moderator_required
def classify(code):
    contribution = get_contribution(code)
    consultation = contribution.consultation
    # The queue this contribution was opened from: "Save and next" follows it.
    state, filters = _queue_position(request.args)
    queue_args = _queue_args(state, filters)
    was_classified = contribution.is_classified
    form = ClassifyForm(formdata=request.form if request.method == "POST" else None)
    form.fill_choices(consultation, classification_commitments(consultation))
    if request.method == "GET":
        _fill_from(form, contribution)
    if form.validate_on_submit():
        with attempt(_("Contribution %(code)s has been classified.", code=code),
                     stale=_("Someone else saved this contribution at the same moment. Its "
                             "current values are shown below: check them and save again.")
                     ) as done:
            operations.classify_contribution(contribution, actor=current_user,
                                             expected_version=form.version.data,
                                             **form.values())
        if done:
            if request.form.get("next"):
                following = queries.next_in_queue(consultation, state, filters, contribution,
                                                  was_classified=was_classified)
                if following is not None:
                    return redirect(url_for(".classify", code=following.tracking_code,
                                            **queue_args))
                flash(_("There are no more contributions to classify.")
                      if state == "unclassified" else
                      _("That was the last contribution of the queue."), "info")
                return redirect(url_for(".queue", slug=consultation.slug, **queue_args))
            return redirect(url_for(".classify", code=code, **queue_args))
        if done.conflict:  # show what is stored now, with the new version to save against
            form = ClassifyForm(formdata=None)
            form.fill_choices(consultation, classification_commitments(consultation))
            _fill_from(form, contribution)
    return _render_workspace(contribution, form, queue_args)


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


def _render_workspace(contribution, form, queue_args):
    consultation = contribution.consultation
    suggestions = similar_contributions(contribution)
    groups = queries.groups_to_offer(consultation, contribution, suggestions)
    join_form = JoinGroupForm()
    join_form.group.choices = [(g.id, g.title) for g in groups]
    return render_template(
        "moderation/classify.html", contribution=contribution, consultation=consultation,
        form=form, suggestions=suggestions,
        tags=queries.tag_names(consultation), hide_form=HideForm(), mask_form=MaskForm(),
        group_form=GroupForm(), join_form=join_form, groups=groups, confirm=ConfirmForm(),
        LATEST_GROUPS_OFFERED=queries.LATEST_GROUPS_OFFERED,
        remaining=queries.unclassified_count(consultation),
        queue_args=queue_args,
        author_reachable=queries.author_address(contribution) is not None)


def _back_to(code):
    """Every action of the workspace goes back to the contribution's workspace, in the
    queue it was opened from (its tab and filters ride in the action's address, checked
    against their allow-lists as the queue reads them)."""
    return redirect(url_for(".classify", code=code,
                            **_queue_args(*_queue_position(request.args))))


@bp.route("/moderation/<code>/group", methods=["POST"])
@moderator_required
def group(code):
    contribution = get_contribution(code)
    consultation = contribution.consultation
    others = [get_contribution(other) for other in request.form.getlist("with")][:50]
    with attempt() as done:
        if request.form.get("group", type=int):
            target = get_in_consultation(ContributionGroup, request.form.get("group", type=int),
                                         consultation)
            for item in [contribution, *others]:
                operations.group_contribution(item, target, actor=current_user)
        else:
            form = GroupForm()
            if not form.validate_on_submit():
                raise OperationError(_("Give the group a title."))
            target = operations.create_group(
                consultation, actor=current_user, title=form.title.data,
                summary=form.summary.data, members=[contribution, *others])
    if done:
        flash(_("Grouped in \"%(title)s\".", title=target.title), "success")
    return _back_to(code)


@bp.route("/moderation/<code>/ungroup", methods=["POST"])
@moderator_required
def ungroup(code):
    contribution = get_contribution(code)
    with attempt(_("The contribution is no longer in a group.")):
        operations.ungroup_contribution(contribution, actor=current_user)
    return _back_to(code)


@bp.route("/moderation/<code>/hide", methods=["POST"])
@moderator_required
def hide(code):
    contribution = get_contribution(code)
    form = HideForm()
    # The flash says what the e-mail receiver will do: told only with an address.
    done_message = (
        _("The contribution has been hidden; its author has been told by e-mail.")
        if queries.author_address(contribution) is not None else
        _("The contribution has been hidden. Its author left no e-mail address, so they "
          "have not been told."))
    with attempt(done_message):
        if not form.validate_on_submit():
            raise OperationError(_("Choose a reason."))
        operations.hide_contribution(contribution, actor=current_user,
                                     reason=form.reason.data, note=form.note.data)
    return _back_to(code)


@bp.route("/moderation/<code>/unhide", methods=["POST"])
@moderator_required
def unhide(code):
    contribution = get_contribution(code)
    with attempt(_("The contribution is visible again.")):
        operations.unhide_contribution(contribution, actor=current_user)
    return _back_to(code)


@bp.route("/moderation/<code>/mask", methods=["POST"])
@moderator_required
def mask(code):
    contribution = get_contribution(code)
    form = MaskForm()
    with attempt(_("The personal data is masked in public.")):
        if not form.validate_on_submit():
            raise OperationError(_("Copy the text to mask."))
        if request.form.get("action") == "clear":
            operations.unmask_contribution(contribution, actor=current_user)
        else:
            operations.mask_contribution(contribution, actor=current_user,
                                         fragment=form.fragment.data)
    return _back_to(code)


@bp.route("/moderation/<code>/personal-data", methods=["POST"])
@moderator_required
def review_personal_data(code):
    """Confirm the masks of the personal data held on the way in, or release some."""
    contribution = get_contribution(code)
    with attempt(_("The personal data has been reviewed.")):
        if not ConfirmForm().validate_on_submit():
            raise OperationError(_("The form expired. Try again."))
        operations.review_personal_data(contribution, actor=current_user,
                                        release=request.form.getlist("release")[:100])
    return _back_to(code)


@bp.route("/moderation/<code>/unmask", methods=["POST"])
@moderator_required
def unmask(code):
    contribution = get_contribution(code)
    with attempt(_("Nothing is masked in this contribution any more.")):
        operations.unmask_contribution(contribution, actor=current_user)
    return _back_to(code)


@bp.route("/consultations/<slug>/moderation/groups")
@moderator_required
def groups(slug):
    consultation = get_visible_consultation(slug)
    return render_template("moderation/groups.html", consultation=consultation,
                           page=paginate_rows(queries.groups_with_counts(consultation),
                                              per_page=GROUPS_PER_PAGE))


@bp.route("/moderation/groups/<int:group_id>", methods=["GET", "POST"])
@moderator_required
def group_detail(group_id):
    item = db.get_or_404(ContributionGroup, group_id)
    form = GroupForm(obj=item)
    if form.validate_on_submit():
        with attempt(_("The group has been saved.")) as done:
            operations.update_group(item, actor=current_user, title=form.title.data,
                                    summary=form.summary.data)
        if done:
            return redirect(url_for(".group_detail", group_id=group_id))
    return render_template("moderation/group.html", group=item, form=form,
                           members=queries.group_members(item),
                           consultation=item.consultation, confirm=ConfirmForm())


@bp.route("/consultations/<slug>/moderation/audit")
@role_required("moderator", "secretariat", on=_protected)
def audit(slug):
    consultation = get_visible_consultation(slug)
    actions = queries.audit_actions(consultation)
    action = request.args.get("action", "")
    if action not in actions:  # the filter offers the actions in this log, nothing else
        action = ""
    page = queries.audit_page(consultation, action, before=_entry_id("before"),
                              after=_entry_id("after"))
    rows = [(entry, entry_changes(entry)) for entry in page.entries]
    # Only the objects this page names (a page of the log, not a thousand groups).
    names = queries.audit_names(consultation, [changes for _entry, changes in rows])
    return render_template("moderation/audit.html", consultation=consultation, page=page,
                           rows=rows,
                           show=lambda key, value: display(key, value, names),
                           action=action, actions=actions)


def _entry_id(name):
    """The audit entry id in the query parameter ``name``, or None (not a number: the
    latest entries are shown)."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@bp.route("/moderation")
@role_required("moderator", on=ANY_ENTITY)
def home():
    consultations = queries.announced_consultations(
        entity_ids=entity_filter_ids(current_user, "moderator"))
    counts = queries.counts_by_consultation(consultations)
    pending_organizations, pending_requests = queries.pending_reviews()
    return render_template(
        "moderation/home.html",
        items=[(c, counts[c.id]) for c in consultations],
        pending_organizations=pending_organizations, pending_requests=pending_requests)
