"""The technical secretariat's pages for preparing a consultation and its draft plan."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consulta.accounts.entities import managed_entities
from consulta.core.dates import local_to_utc, utcnow
from consulta.core.forms import ConfirmForm
from consulta.core.permissions import ANY_ENTITY, role_required
from consulta.core.transaction import attempt

from .. import operations
from ..access import (
    get_in_consultation,
    get_in_draft,
    get_visible_consultation,
    protected_consultation,
)
from ..forms import (
    CommitmentForm,
    ComponentForm,
    ConsultationForm,
    PhaseForm,
    PlanImportForm,
    PublishPlanForm,
    RecordPastForm,
    SectionForm,
    WindowChangeForm,
    WindowExtendForm,
    WindowForm,
)
from ..models import Commitment, Component, ParticipationWindow, Phase, PlanSection
from ..plan_import import PlanFileError, parse_plan
from . import bp

secretariat_required = role_required("secretariat", on=protected_consultation)


@bp.route("/consultations/new", methods=["GET", "POST"])
@role_required("secretariat", on=ANY_ENTITY)
def new():
    entities = managed_entities(current_user)
    # Nothing pre-ticked: the channels are the secretariat's choice.
    form = ConsultationForm(entities=entities)
    if not entities:
        # A new install: a consultation belongs to an entity and none exists yet (an
        # entity's secretariat always has one). The page says to create it first.
        return render_template("consultations/manage/form.html", form=form,
                               consultation=None, no_entity=True)
    if form.validate_on_submit():
        with attempt(_("The consultation has been created. It stays private until you "
                       "announce it."), field=form.slug) as done:
            consultation = operations.create_consultation(
                actor=current_user, slug=form.slug.data, **form.values())
        if done:
            return redirect(url_for(".manage", slug=consultation.slug))
    return render_template("consultations/manage/form.html", form=form, consultation=None)


@bp.route("/consultations/<slug>/edit", methods=["GET", "POST"])
@secretariat_required
def edit(slug):
    consultation = get_visible_consultation(slug)
    form = ConsultationForm(obj=consultation, entities=managed_entities(current_user))
    if request.method == "GET":
        form.show_dates_of(consultation)
    if form.validate_on_submit():
        # A refusal about the address is shown at its field; any other (dates), flashed.
        address_changes = bool(form.slug.data) and form.slug.data != consultation.slug
        with attempt(_("The consultation has been saved."),
                     field=form.slug if address_changes else None) as done:
            operations.update_consultation(consultation, actor=current_user,
                                           slug=form.slug.data,
                                           reason=form.date_change_reason.data,
                                           **form.values(consultation))
        if done:
            return redirect(url_for(".manage", slug=consultation.slug))
    return render_template("consultations/manage/form.html", form=form,
                           consultation=consultation)


@bp.route("/consultations/<slug>/manage")
@secretariat_required
def manage(slug):
    consultation = get_visible_consultation(slug)
    return render_template("consultations/manage/dashboard.html", consultation=consultation,
                           status=consultation.status(), form=ConfirmForm(), now=utcnow(),
                           record_form=RecordPastForm())


@bp.route("/consultations/<slug>/announce", methods=["POST"])
@secretariat_required
def announce(slug):
    consultation = get_visible_consultation(slug)
    with attempt(_("The consultation is now public. The announcement date has been "
                   "recorded.")):
        operations.announce_consultation(consultation, actor=current_user)
    return redirect(url_for(".manage", slug=slug))


@bp.route("/consultations/<slug>/record-past", methods=["POST"])
@secretariat_required
def record_past(slug):
    consultation = get_visible_consultation(slug)
    form = RecordPastForm()
    if form.validate_on_submit():
        with attempt(_("The consultation is now public, recorded after it took place.")) \
                as done:
            operations.record_past_consultation(
                consultation, actor=current_user, announced_on=form.announced_on.data,
                reference=form.reference.data)
        if done:
            return redirect(url_for(".manage", slug=slug))
    return render_template("consultations/manage/dashboard.html", consultation=consultation,
                           status=consultation.status(), form=ConfirmForm(), now=utcnow(),
                           record_form=form)


# --- participation windows ------------------------------------------------------

def _sorted_windows(consultation):
    return sorted(consultation.windows, key=lambda w: (w.opens_at, w.id))


@bp.route("/consultations/<slug>/windows", methods=["GET", "POST"])
@secretariat_required
def windows(slug):
    consultation = get_visible_consultation(slug)
    form = WindowForm()
    if form.validate_on_submit():
        with attempt(_("The participation window has been added.")) as done:
            operations.add_window(consultation, actor=current_user, channel=form.channel.data,
                                  opens_at=local_to_utc(form.opens_at.data),
                                  closes_at=local_to_utc(form.closes_at.data),
                                  reason=form.reason.data)
        if done:
            return redirect(url_for(".windows", slug=slug))
    return render_template("consultations/manage/windows.html", consultation=consultation,
                           windows=_sorted_windows(consultation), form=form, now=utcnow())


@bp.route("/consultations/<slug>/windows/<int:window_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_window(slug, window_id):
    consultation = get_visible_consultation(slug)
    window = get_in_consultation(ParticipationWindow, window_id, consultation)
    form = WindowChangeForm()
    if request.method == "GET":
        form.show_dates_of(window)
    if form.validate_on_submit():
        with attempt(_("The participation window has been changed.")) as done:
            operations.change_window(window, actor=current_user, reason=form.reason.data,
                                     **form.dates(window))
        if done:
            return redirect(url_for(".windows", slug=slug))
    return render_template("consultations/manage/window_form.html", consultation=consultation,
                           window=window, form=form, extend_form=WindowExtendForm(),
                           now=utcnow())


@bp.route("/consultations/<slug>/windows/<int:window_id>/extend", methods=["POST"])
@secretariat_required
def extend_window(slug, window_id):
    consultation = get_visible_consultation(slug)
    window = get_in_consultation(ParticipationWindow, window_id, consultation)
    form = WindowExtendForm()
    if form.validate_on_submit():
        with attempt(_("The participation has been extended.")) as done:
            operations.extend_window(window, actor=current_user,
                                     closes_at=local_to_utc(form.closes_at.data),
                                     reason=form.reason.data)
        if done:
            return redirect(url_for(".windows", slug=slug))
    change_form = WindowChangeForm(formdata=None)
    change_form.show_dates_of(window)
    return render_template("consultations/manage/window_form.html", consultation=consultation,
                           window=window, form=change_form, extend_form=form,
                           now=utcnow())


@bp.route("/consultations/<slug>/windows/<int:window_id>/remove", methods=["POST"])
@secretariat_required
def remove_window(slug, window_id):
    consultation = get_visible_consultation(slug)
    window = get_in_consultation(ParticipationWindow, window_id, consultation)
    with attempt(_("The participation window has been removed.")):
        operations.remove_window(window, actor=current_user)
    return redirect(url_for(".windows", slug=slug))


# --- phases --------------------------------------------------------------------

@bp.route("/consultations/<slug>/phases", methods=["GET", "POST"])
@secretariat_required
def phases(slug):
    consultation = get_visible_consultation(slug)
    form = PhaseForm()
    if form.validate_on_submit():
        with attempt(_("The phase has been added.")) as done:
            operations.save_phase(consultation, actor=current_user, name=form.name.data,
                                  starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                  description=form.description.data,
                                  receives_contributions=form.receives_contributions.data,
                                  reason=form.reason.data)
        if done:
            return redirect(url_for(".phases", slug=slug))
    return render_template("consultations/manage/phases.html", consultation=consultation,
                           form=form, delete_form=ConfirmForm())


@bp.route("/consultations/<slug>/phases/<int:phase_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_phase(slug, phase_id):
    consultation = get_visible_consultation(slug)
    phase = get_in_consultation(Phase, phase_id, consultation)
    form = PhaseForm(obj=phase)
    if form.validate_on_submit():
        with attempt(_("The phase has been saved.")) as done:
            operations.save_phase(consultation, actor=current_user, phase=phase,
                                  name=form.name.data, starts_on=form.starts_on.data,
                                  ends_on=form.ends_on.data, description=form.description.data,
                                  receives_contributions=form.receives_contributions.data,
                                  reason=form.reason.data)
        if done:
            return redirect(url_for(".phases", slug=slug))
    return render_template("consultations/manage/phase_form.html", consultation=consultation,
                           phase=phase, form=form)


@bp.route("/consultations/<slug>/phases/<int:phase_id>/delete", methods=["POST"])
@secretariat_required
def delete_phase(slug, phase_id):
    consultation = get_visible_consultation(slug)
    phase = get_in_consultation(Phase, phase_id, consultation)
    with attempt(_("The phase has been deleted.")):
        operations.delete_phase(phase, actor=current_user)
    return redirect(url_for(".phases", slug=slug))


# --- components ----------------------------------------------------------------

@bp.route("/consultations/<slug>/components", methods=["GET", "POST"])
@secretariat_required
def components(slug):
    consultation = get_visible_consultation(slug)
    form = ComponentForm()
    if form.validate_on_submit():
        with attempt(_("The component has been added."), field=form.name) as done:
            operations.save_component(consultation, actor=current_user, name=form.name.data,
                                      description=form.description.data)
        if done:
            return redirect(url_for(".components", slug=slug))
    return render_template("consultations/manage/components.html", consultation=consultation,
                           form=form, delete_form=ConfirmForm())


@bp.route("/consultations/<slug>/components/<int:component_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_component(slug, component_id):
    consultation = get_visible_consultation(slug)
    component = get_in_consultation(Component, component_id, consultation)
    form = ComponentForm(obj=component)
    if form.validate_on_submit():
        with attempt(_("The component has been saved."), field=form.name) as done:
            operations.save_component(consultation, actor=current_user, component=component,
                                      name=form.name.data, description=form.description.data)
        if done:
            return redirect(url_for(".components", slug=slug))
    return render_template("consultations/manage/component_form.html",
                           consultation=consultation, component=component, form=form)


@bp.route("/consultations/<slug>/components/<int:component_id>/delete", methods=["POST"])
@secretariat_required
def delete_component(slug, component_id):
    consultation = get_visible_consultation(slug)
    component = get_in_consultation(Component, component_id, consultation)
    with attempt(_("The component has been deleted.")):
        operations.delete_component(component, actor=current_user)
    return redirect(url_for(".components", slug=slug))


# --- draft plan ----------------------------------------------------------------

def _render_manage_plan(consultation, status=200, **forms):
    forms = {"import_form": PlanImportForm(), "publish_form": PublishPlanForm(),
             "delete_form": ConfirmForm(), **forms}
    return render_template("consultations/manage/plan.html", consultation=consultation,
                           draft=consultation.draft_plan, published=consultation.published_plan,
                           **forms), status


@bp.route("/consultations/<slug>/plan/manage")
@secretariat_required
def manage_plan(slug):
    return _render_manage_plan(get_visible_consultation(slug))


@bp.route("/consultations/<slug>/plan/import", methods=["POST"])
@secretariat_required
def import_plan(slug):
    consultation = get_visible_consultation(slug)
    form = PlanImportForm()
    problems = []
    if form.validate_on_submit():
        try:
            plan = parse_plan(form.file.data.read())
        except PlanFileError as error:
            problems = error.problems
        else:
            with attempt() as done:
                version = operations.import_plan(consultation, plan, actor=current_user)
            if done:
                flash(_("The plan has been imported into draft version %(number)d: "
                        "%(commitments)d commitments in %(components)d components. Review it "
                        "and publish it.", number=version.number,
                        commitments=len(plan["commitments"]),
                        components=len(plan["components"])), "success")
                return redirect(url_for(".manage_plan", slug=slug))
    return _render_manage_plan(consultation, 400, import_form=form, problems=problems)


@bp.route("/consultations/<slug>/plan/publish", methods=["POST"])
@secretariat_required
def publish_plan(slug):
    consultation = get_visible_consultation(slug)
    form = PublishPlanForm()
    if form.validate_on_submit():
        with attempt() as done:
            version = operations.publish_plan_version(consultation, actor=current_user,
                                                      note=form.note.data)
        if done:
            flash(_("Version %(number)d of the draft plan is published.",
                    number=version.number), "success")
    return redirect(url_for(".manage_plan", slug=slug))


def _commitment_form(consultation, commitment=None):
    form = CommitmentForm(obj=commitment)
    form.component.choices = [(c.id, c.name) for c in consultation.components]
    if commitment is not None and request.method == "GET":
        form.component.data = commitment.component_id
        form.fill_actions(commitment.actions)
    return form


@bp.route("/consultations/<slug>/plan/commitments/new", methods=["GET", "POST"])
@bp.route("/consultations/<slug>/plan/commitments/<int:commitment_id>/edit",
          methods=["GET", "POST"])
@secretariat_required
def edit_commitment(slug, commitment_id=None):
    consultation = get_visible_consultation(slug)
    commitment = None
    if commitment_id is not None:
        commitment = get_in_draft(Commitment, commitment_id, consultation)
    if not consultation.components:
        flash(_("Define the components before adding commitments."), "warning")
        return redirect(url_for(".components", slug=slug))
    form = _commitment_form(consultation, commitment)
    if request.method == "POST" and form.add_action_row(request.form):
        return render_template("consultations/manage/commitment_form.html",
                               consultation=consultation, commitment=commitment, form=form)
    if form.validate_on_submit():
        with attempt(_("The commitment has been saved in the draft."),
                     field=form.number) as done:
            version = (commitment.plan_version if commitment
                       else operations.ensure_draft_version(consultation, actor=current_user))
            operations.save_commitment(version, actor=current_user, commitment=commitment,
                                       component_id=form.component.data, **form.values())
        if done:
            return redirect(url_for(".manage_plan", slug=slug))
    return render_template("consultations/manage/commitment_form.html",
                           consultation=consultation, commitment=commitment, form=form)


@bp.route("/consultations/<slug>/plan/commitments/<int:commitment_id>/delete",
          methods=["POST"])
@secretariat_required
def delete_commitment(slug, commitment_id):
    consultation = get_visible_consultation(slug)
    commitment = get_in_consultation(Commitment, commitment_id, consultation)
    with attempt(_("The commitment has been removed from the draft.")):
        operations.delete_commitment(commitment, actor=current_user)
    return redirect(url_for(".manage_plan", slug=slug))


@bp.route("/consultations/<slug>/plan/sections/new", methods=["GET", "POST"])
@bp.route("/consultations/<slug>/plan/sections/<int:section_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_section(slug, section_id=None):
    consultation = get_visible_consultation(slug)
    section = None
    if section_id is not None:
        section = get_in_draft(PlanSection, section_id, consultation)
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        with attempt(_("The section has been saved in the draft.")) as done:
            version = (section.plan_version if section
                       else operations.ensure_draft_version(consultation, actor=current_user))
            operations.save_section(version, actor=current_user, section=section,
                                    title=form.title.data, body=form.body.data)
        if done:
            return redirect(url_for(".manage_plan", slug=slug))
    return render_template("consultations/manage/section_form.html", consultation=consultation,
                           section=section, form=form)


@bp.route("/consultations/<slug>/plan/sections/<int:section_id>/delete", methods=["POST"])
@secretariat_required
def delete_section(slug, section_id):
    consultation = get_visible_consultation(slug)
    section = get_in_consultation(PlanSection, section_id, consultation)
    with attempt(_("The section has been removed from the draft.")):
        operations.delete_section(section, actor=current_user)
    return redirect(url_for(".manage_plan", slug=slug))


@bp.route("/consultations/<slug>/plan/start-draft", methods=["POST"])
@secretariat_required
def start_draft(slug):
    consultation = get_visible_consultation(slug)
    with attempt():
        operations.ensure_draft_version(consultation, actor=current_user)
    return redirect(url_for(".manage_plan", slug=slug))
