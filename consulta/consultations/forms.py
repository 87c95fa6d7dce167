import re
from datetime import date
from types import SimpleNamespace

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.utils import unset_value
from wtforms.validators import (
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from consulta.core.dates import local_to_utc, utc_to_local
from consulta.core.forms import (
    MAX_YEAR,
    MIN_YEAR,
    MONTH_RE,
    LinesField,
    MultiCheckboxField,
    RegionCode,
    SubForm,
    lines,
    max_length,
    plausible_date,
    required,
    strip,
    validate_month,
)
from consulta.core.request_input import database_int
from consulta.core.taxonomy import (
    region_choices,
    region_label,
    region_word,
    sector_codes,
    sector_label,
    timezone_label,
)

from .constants import ANNOUNCEABLE_CHANNELS, CHANNELS, PRINCIPLES, SCOPES, WINDOW_CHANNELS

#: "hora del centro de México": the zone dates are typed in (from the profile).
ZONE = LazyString(timezone_label)
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ForumMembersForm(SubForm):
    """How many members of each sector the forum has: one number per sector of the
    deployment profile (a subclass per profile, see ``forum_members_form``)."""


_FORUM_MEMBERS_FORMS = {}


def forum_members_form(*args, **kwargs):
    """A ForumMembersForm with one field per sector of the running app's profile."""
    profile = current_app.config["PROFILE"]
    form_class = _FORUM_MEMBERS_FORMS.get(profile.path)
    if form_class is None:
        fields = {code: IntegerField(LazyString(sector_label, code), validators=[
            Optional(), NumberRange(min=0, max=10000, message=_l("Enter a number from 0."))])
            for code in profile.sectors}
        form_class = type("ForumMembersForm", (ForumMembersForm,), fields)
        _FORUM_MEMBERS_FORMS[profile.path] = form_class
    return form_class(*args, **kwargs)


#: The class the factory makes subclasses of (what a FormField would name).
forum_members_form.form_class = ForumMembersForm


class _DictFormField(FormField):
    """A FormField whose stored value is a dict (a JSON column), not an object."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        if isinstance(data, dict):
            data = SimpleNamespace(**data)
        super().process(formdata, data, extra_filters)


def typed_moment(typed, stored=None):
    """A date and time typed to the minute in local time, in UTC; the stored value when
    it is the same minute (a form cannot show seconds, so leaving it as shown is not a
    change of date)."""
    value = local_to_utc(typed)
    if stored is not None and value is not None and \
            value.replace(second=0, microsecond=0) == stored.replace(second=0, microsecond=0):
        return stored
    return value


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[required(), max_length(200)])
    slug = StringField(
        _l("Address (slug)"), filters=[lambda v: v.strip().lower() if v else v],
        validators=[Optional(), max_length(80)],
        description=_l("Used in the web address: lower-case letters, digits and hyphens. "
                       "Leave it empty to make it from the title."))
    summary = TextAreaField(_l("Short summary"), filters=[strip],
                            validators=[required(), max_length(500)],
                            description=_l("One or two sentences shown in the list of "
                                           "consultations."))
    description = TextAreaField(
        _l("What is being consulted and why"), filters=[strip], validators=[max_length(20000)],
        description=_l("You can use Markdown: **bold**, *italics*, lists and links."))
    scope = SelectField(_l("Scope"), choices=list(SCOPES.items()), validators=[required()])
    # No Optional() here: it would stop the chain before the cross-field checks below.
    scope_region = SelectField(_l("%(label)s (for regional and local scope)",
                                   label=LazyString(region_label)), validate_choice=False)
    scope_locality = StringField(_l("Locality (for local scope)"), filters=[strip],
                                 validators=[max_length(120)])
    #: The slug of one of the entities the user belongs to (administrators: any).
    entity = SelectField(_l("Organizing entity"), validators=[required(
        _l("Choose the organizing entity."))])
    forum_name = StringField(
        _l("Multi-stakeholder forum that follows the plan"), filters=[strip],
        validators=[Optional(), max_length(200)],
        description=_l("The standing body of government and civil society that will follow "
                       "the implementation of the plan."))
    forum_members = _DictFormField(
        forum_members_form, _l("Members of the forum by sector"),
        description=_l("How many members each sector has in the forum: evidence that it "
                       "stands (IRM guideline 7). Leave empty what you do not know."))
    forum_meetings = LinesField(
        _l("Dates of the forum's meetings"), filters=[strip],
        description=_l("One date per line, as 2026-03-14. Only meetings already held."))
    methodology = TextAreaField(_l("Methodology"), filters=[strip],
                                validators=[max_length(20000)],
                                description=_l("How contributions are received, systematized "
                                               "and answered. Markdown allowed."))
    channels = MultiCheckboxField(
        _l("Channels that will be used"),
        choices=[(c, CHANNELS[c]) for c in ANNOUNCEABLE_CHANNELS],
        validators=[required(_l("Choose at least one channel."))])
    requires_review = BooleanField(
        _l("Four eyes: a second member of the secretariat approves each response before it "
           "is published"))
    opens_at = DateTimeLocalField(
        _l("Contributions open on (%(zone)s)", zone=ZONE),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(_l("Enter a date and time.")), plausible_date])
    closes_at = DateTimeLocalField(
        _l("Contributions close on (%(zone)s)", zone=ZONE),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(_l("Enter a date and time.")), plausible_date])
    date_change_reason = TextAreaField(
        _l("Why the dates change"), filters=[strip], validators=[max_length(1000)],
        description=_l("Required when the dates of a public consultation change: it is "
                       "published with the change."))

    def __init__(self, *args, entities=(), **kwargs):
        """:param entities: the entities the consultation may belong to (the user's)."""
        super().__init__(*args, **kwargs)
        self.scope_region.choices = region_choices(blank=_l("Choose…"))
        self.entities = {e.slug: e for e in entities}
        self.entity.choices = [("", str(_l("Choose…")))] + [
            (e.slug, e.display_name) for e in entities]
        edited = kwargs.get("obj")
        if not self.entity.raw_data and getattr(edited, "entity", None) is not None:
            self.entity.data = edited.entity.slug  # not posted: the consultation's own
        elif not self.entity.raw_data and len(entities) == 1:
            self.entity.data = entities[0].slug

    def show_dates_of(self, consultation):
        """Show the stored dates (UTC) as the local times they were typed in."""
        self.opens_at.data = utc_to_local(consultation.opens_at).replace(tzinfo=None)
        self.closes_at.data = utc_to_local(consultation.closes_at).replace(tzinfo=None)

    def values(self, consultation=None):
        """What the operations store (see ``operations.CONSULTATION_FIELDS``); the dates,
        typed in local time, in UTC (the stored ones when shown unchanged, for an edit
        of ``consultation``)."""
        return {
            "title": self.title.data, "summary": self.summary.data,
            "description": self.description.data or "", "scope": self.scope.data,
            "scope_region": self.scope_region.data, "scope_locality": self.scope_locality.data,
            "entity_id": self.entities[self.entity.data].id, "forum_name": self.forum_name.data,
            "forum_members": {k: n for k, n in (self.forum_members.data or {}).items()
                              if n and k in sector_codes()},
            "forum_meetings": sorted({d.isoformat() for d in self.meeting_dates()}),
            "methodology": self.methodology.data or "", "channels": self.channels.data,
            "requires_review": bool(self.requires_review.data),
            "opens_at": typed_moment(self.opens_at.data,
                                     consultation.opens_at if consultation else None),
            "closes_at": typed_moment(self.closes_at.data,
                                      consultation.closes_at if consultation else None),
        }

    def validate_slug(self, field):
        if field.data and not SLUG_RE.match(field.data):
            raise ValidationError(_l("Use only lower-case letters (a-z), digits and hyphens, "
                                     "for example plan-gobierno-abierto-2026."))

    def validate_scope_region(self, field):
        if self.scope.data in ("regional", "local"):
            if not field.data:
                raise ValidationError(_l("Choose the %(label)s of a regional or local "
                                         "consultation.", label=region_word()))
            RegionCode()(self, field)

    def validate_scope_locality(self, field):
        if self.scope.data == "local" and not field.data:
            raise ValidationError(_l("Enter the locality of a local consultation."))

    def meeting_dates(self):
        """The forum's meeting dates typed in, as dates (ValueError on a bad line)."""
        return [date.fromisoformat(line) for line in lines(self.forum_meetings.data)]

    def validate_forum_meetings(self, field):
        for line in lines(field.data):
            try:
                day = date.fromisoformat(line)
            except ValueError:
                raise ValidationError(_l("Write each date as YYYY-MM-DD, for example "
                                         "2026-03-14: “%(line)s” is not.",
                                         line=line[:40])) from None
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise ValidationError(_l("Enter a date between the years %(min)d and "
                                         "%(max)d.", min=MIN_YEAR, max=MAX_YEAR))

    def validate_channels(self, field):
        if any(c not in ANNOUNCEABLE_CHANNELS for c in field.data or ()):
            raise ValidationError(_l("Choose channels from the list."))

    def validate_closes_at(self, field):
        opens = self.opens_at  # compared only as sent: unsent, it holds the stored UTC value
        if opens.raw_data and not opens.errors and opens.data and field.data \
                and field.data <= opens.data:
            raise ValidationError(_l("The closing must come after the opening."))


class PhaseForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[required(), max_length(150)])
    starts_on = DateField(_l("Start date"), validators=[InputRequired(_l("Enter a date.")),
                                                        plausible_date])
    ends_on = DateField(_l("End date"), validators=[InputRequired(_l("Enter a date.")),
                                                    plausible_date])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[max_length(5000)])
    receives_contributions = BooleanField(
        _l("Contributions are received in this phase"),
        description=_l("Its dates must then lie inside the participation windows."))
    reason = TextAreaField(
        _l("Why the dates change"), filters=[strip], validators=[max_length(1000)],
        description=_l("Required when the dates of a public consultation's phase change: "
                       "it is published with the change."))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must not be before the start date."))


_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class WindowForm(FlaskForm):
    """A new participation window (or an extension as a new window)."""

    channel = SelectField(_l("Channel"), choices=[(c, CHANNELS[c]) for c in WINDOW_CHANNELS],
                          validators=[required()])
    opens_at = DateTimeLocalField(
        _l("Opens on (%(zone)s)", zone=ZONE), format=_DATETIME_FORMATS,
        validators=[Optional(), plausible_date],
        description=_l("Leave it empty to open it now."))
    closes_at = DateTimeLocalField(
        _l("Closes on (%(zone)s)", zone=ZONE), format=_DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter a date and time.")), plausible_date])
    reason = TextAreaField(
        _l("Reason"), filters=[strip], validators=[max_length(1000)],
        description=_l("Why this window is added (for example, an extension requested by "
                       "civil society). Required once the consultation is public: it is "
                       "published."))

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("A window must end after it starts."))


class WindowChangeForm(FlaskForm):
    """New dates for a participation window."""

    opens_at = DateTimeLocalField(
        _l("Opens on (%(zone)s)", zone=ZONE), format=_DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter a date and time.")), plausible_date])
    closes_at = DateTimeLocalField(
        _l("Closes on (%(zone)s)", zone=ZONE), format=_DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter a date and time.")), plausible_date])
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[max_length(1000)],
                           description=_l("Required once the consultation is public: it "
                                          "is published with the change."))

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("A window must end after it starts."))

    def show_dates_of(self, window):
        self.opens_at.data = utc_to_local(window.opens_at).replace(tzinfo=None)
        self.closes_at.data = utc_to_local(window.closes_at).replace(tzinfo=None)

    def dates(self, window):
        """The new dates in UTC (the stored ones where shown unchanged)."""
        return {"opens_at": typed_moment(self.opens_at.data, window.opens_at),
                "closes_at": typed_moment(self.closes_at.data, window.closes_at)}


class WindowExtendForm(FlaskForm):
    """A later end for a window: once it has closed, a new window from now."""

    closes_at = DateTimeLocalField(
        _l("New closing (%(zone)s)", zone=ZONE), format=_DATETIME_FORMATS,
        validators=[InputRequired(_l("Enter a date and time.")), plausible_date])
    reason = TextAreaField(_l("Reason for the extension"), filters=[strip],
                           validators=[max_length(1000)])


class RecordPastForm(FlaskForm):
    """Publishing a consultation that has already taken place, recorded after the fact."""

    announced_on = DateField(_l("Day it was announced"),
                             validators=[InputRequired(_l("Enter a date.")), plausible_date])
    reference = StringField(
        _l("Where it was announced"), filters=[strip],
        validators=[required(), max_length(500)],
        description=_l("The official notice or its address, for example \"Official Gazette, "
                       "2016-06-10\" or https://…"))


class ComponentForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[required(), max_length(150)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[max_length(5000)])


class ActionForm(SubForm):
    """One row of actions: description, start month, end month."""

    description = StringField(_l("Action"), filters=[strip], validators=[max_length(1000)])
    start = StringField(_l("Start (YYYY-MM)"), filters=[strip],
                        validators=[Optional(), validate_month])
    end = StringField(_l("End (YYYY-MM)"), filters=[strip],
                      validators=[Optional(), validate_month])

    def validate_end(self, field):
        if self.start.data and field.data and MONTH_RE.match(self.start.data or "") \
                and MONTH_RE.match(field.data) and field.data < self.start.data:
            raise ValidationError(_l("The end must not be before the start."))


class ActionRowsMixin:
    """Rows of actions that grow without JavaScript: the "add a row" button re-shows the form.

    Rows left entirely empty are ignored.
    """

    actions = FieldList(FormField(ActionForm), min_entries=3, max_entries=30)

    def add_action_row(self, formdata):
        """True (and one more row) when the "add a row" button was pressed."""
        if formdata is not None and formdata.get("add_action"):
            if len(self.actions.entries) < self.actions.max_entries:
                self.actions.append_entry()
            return True
        return False

    def validate_actions(self, field):
        for entry in field.entries:
            row = entry.form
            if (row.start.data or row.end.data) and not row.description.data:
                row.description.errors = [*row.description.errors,
                                          _l("Describe the action or leave the row empty.")]
                raise ValidationError(_l("Describe every action that has dates."))

    def actions_data(self):
        return [
            {"description": row.form.description.data,
             "start": row.form.start.data or None, "end": row.form.end.data or None}
            for row in self.actions.entries if row.form.description.data
        ]

    def fill_actions(self, actions):
        """Pre-fill the rows from stored actions (editing), keeping one empty row."""
        while len(self.actions.entries):
            self.actions.pop_entry()
        for action in actions or []:
            self.actions.append_entry(action)
        self.actions.append_entry()


class CommitmentForm(ActionRowsMixin, FlaskForm):
    number = IntegerField(_l("Number"), validators=[
        InputRequired(_l("Enter a number.")),
        NumberRange(min=1, max=9999, message=_l("Enter a number from 1 to 9999."))])
    component = SelectField(_l("Component"), coerce=database_int,
                            validators=[InputRequired(_l("Choose a component."))])
    title = TextAreaField(_l("Title"), filters=[strip], validators=[required(), max_length(500)])
    summary = TextAreaField(_l("Summary"), filters=[strip], validators=[max_length(5000)])
    problem = TextAreaField(_l("Public problem"), filters=[strip], validators=[max_length(10000)])
    objective = TextAreaField(_l("Objective"), filters=[strip], validators=[max_length(10000)])
    responsible = StringField(_l("Responsible entity"), filters=[strip],
                              validators=[max_length(300)])
    co_responsible = LinesField(_l("Co-responsible entities"), filters=[strip],
                                validators=[max_length(3000)], description=_l("One per line."))
    due = StringField(_l("Expected completion (YYYY-MM)"), filters=[strip],
                      validators=[Optional(), validate_month])
    principles = MultiCheckboxField(_l("Related principles"), choices=list(PRINCIPLES.items()))

    def values(self):
        """The commitment's fields as ``operations.save_commitment`` takes them."""
        return {
            "number": self.number.data, "title": self.title.data, "summary": self.summary.data,
            "problem": self.problem.data, "objective": self.objective.data,
            "responsible": self.responsible.data or None,
            "co_responsible": lines(self.co_responsible.data),
            "actions": self.actions_data(), "due": self.due.data or None,
            "principles": self.principles.data or [],
        }

    def validate_principles(self, field):
        if any(p not in PRINCIPLES for p in field.data or ()):
            raise ValidationError(_l("Choose principles from the list."))


class SectionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[required(), max_length(200)])
    body = TextAreaField(_l("Text"), filters=[strip], validators=[max_length(50000)],
                         description=_l("Markdown allowed."))


class PlanImportForm(FlaskForm):
    file = FileField(_l("Plan file (JSON)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["json"], _l("The file must be a .json file."))])


class PublishPlanForm(FlaskForm):
    note = TextAreaField(_l("What changed in this version (optional)"), filters=[strip],
                         validators=[max_length(5000)])
