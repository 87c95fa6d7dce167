import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from consulta.consultations.constants import CHANNELS, EVENT_KINDS
from consulta.consultations.forms import ActionRowsMixin
from consulta.core.forms import (
    LinesField,
    LongSelect,
    SubForm,
    lines,
    max_length,
    plausible_date,
    required,
    strip,
    validate_month,
)
from consulta.core.operations import OperationError
from consulta.core.request_input import database_int
from consulta.core.taxonomy import (
    REGION_NOT_LISTED,
    region_choices,
    region_codes,
    region_label,
    sector_choices,
)

from .constants import KINDS, MAX_ATTENDANCE, OFFLINE_CHANNELS, TYPED_IN_WEB
from .operations import check_received_in_windows, check_received_on


class SheetFieldsMixin(ActionRowsMixin):
    """The standard proposal sheet (ficha de propuesta de compromiso)."""

    component = SelectField(_l("Component"), coerce=database_int, validate_choice=False)
    title = StringField(_l("Title"), filters=[strip], validators=[max_length(300)])
    problem = TextAreaField(_l("Public problem"), filters=[strip], validators=[max_length(5000)],
                            description=_l("What public problem should the commitment "
                                           "solve?"))
    objective = TextAreaField(_l("Objective"), filters=[strip], validators=[max_length(5000)],
                              description=_l("What should change once it is done?"))
    responsible = StringField(_l("Responsible entity"), filters=[strip],
                              validators=[max_length(300)])
    co_responsible = LinesField(_l("Co-responsible entities"), filters=[strip],
                                validators=[max_length(3000)], description=_l("One per line."))
    due = StringField(_l("Expected completion (YYYY-MM)"), filters=[strip],
                      validators=[Optional(), validate_month])

    def sheet_values(self):
        return {
            "component_id": self.component.data or None,
            "title": self.title.data or None, "problem": self.problem.data or "",
            "objective": self.objective.data or "", "responsible": self.responsible.data or None,
            "co_responsible": lines(self.co_responsible.data), "actions": self.actions_data(),
            "due": self.due.data or None, "body": self.body.data or "",
        }


def submission_token_field():
    """The idempotency token a form carries (hidden): only a tampered form sends more than
    the column holds, and it is told to send the form again rather than failing."""
    return HiddenField(validators=[Optional(), Length(
        max=64, message=_l("The form has expired. Please send it again."))])


class ParticipationMixin:
    """What every web contribution form carries: on whose behalf, idempotency, honeypot."""

    organization = SelectField(_l("Send it"), coerce=database_int, validate_choice=False, default=0)
    submission_token = submission_token_field()
    fax_only = StringField(_l("Leave this field empty"))

    def prepare(self, user):
        choices = [(0, _l("In my own name"))]
        # gettext, not lazy_gettext: a lazy string is rendered as markup (it has __html__),
        # so an organization's name in it would reach the page unescaped.
        choices += [(o.id, _("On behalf of %(name)s", name=o.name))
                    for o in user.approved_organizations()]
        self.organization.choices = choices
        if not self.submission_token.data:
            self.submission_token.data = secrets.token_urlsafe(24)

    def validate_organization(self, field):
        if not field.data:  # not shown (no memberships) or "in my own name"
            field.data = 0
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an organization you are a member of."))


class ProposalForm(ParticipationMixin, SheetFieldsMixin, FlaskForm):
    # Title, component, problem and objective are required on the web form.
    title = StringField(_l("Title"), filters=[strip], validators=[
        required(_l("Give your proposal a title.")), max_length(300)])
    problem = TextAreaField(_l("Public problem"), filters=[strip], validators=[
        required(_l("Describe the public problem.")), max_length(5000)],
        description=_l("What public problem should the commitment solve?"))
    objective = TextAreaField(_l("Objective"), filters=[strip], validators=[
        required(_l("Describe the objective.")), max_length(5000)],
        description=_l("What should change once it is done?"))
    body = TextAreaField(_l("Explanation (optional)"), filters=[strip],
                         validators=[max_length(10000)],
                         description=_l("Anything else that helps understand your proposal."))

    def validate_component(self, field):
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choose a component."))


class CommentForm(ParticipationMixin, FlaskForm):
    body = TextAreaField(_l("Your comment"), filters=[strip],
                         validators=[required(_l("Write your comment.")), max_length(10000)])


class OfflineContributionForm(SheetFieldsMixin, FlaskForm):
    """What a moderator types in from a workshop sheet, an e-mail or a letter."""

    kind = SelectField(_l("Kind"), choices=list(KINDS.items()), validators=[required()])
    channel = SelectField(_l("Channel"), choices=[
        (c, TYPED_IN_WEB if c == "web" else CHANNELS[c]) for c in OFFLINE_CHANNELS],
        validators=[required()])
    event = SelectField(_l("Event"), coerce=database_int, validate_choice=False, default=0)
    received_on = DateField(_l("Received on"), validators=[Optional(), plausible_date],
                            description=_l("The day it arrived: every list, figure and the "
                                           "summary use it. Leave it empty only if nobody "
                                           "knows (then today stands for it)."))
    received_outside_window = BooleanField(
        _l("Received outside the participation windows (late or early)"),
        description=_l("The day it was received lies outside every participation window "
                       "of its channel: tick it if that is really so. The summary counts "
                       "these records apart."))
    commitment = SelectField(_l("Commitment commented on (for comments)"), coerce=database_int,
                             validate_choice=False, default=0, widget=LongSelect())
    author_name = StringField(_l("Author's name"), filters=[strip], validators=[max_length(200)])
    author_name_public = BooleanField(_l("The author agreed that their name be published"))
    author_organization = StringField(_l("Organization or entity"), filters=[strip],
                                      validators=[max_length(200)])
    author_email = EmailField(
        _l("Author's e-mail (optional, to tell them the answer; never published)"),
        filters=[lambda v: v.strip().lower() if v else v],
        validators=[Optional(), max_length(254),
                    Email(message=_l("Enter a valid e-mail address."),
                          check_deliverability=False)])
    sector = SelectField(_l("Sector"), validate_choice=False)
    region = SelectField(LazyString(region_label), validate_choice=False)
    body = TextAreaField(_l("Text of the contribution"), filters=[strip],
                         validators=[max_length(10000)])
    title = StringField(_l("Title"), filters=[strip], validators=[
        required(_l("Give the contribution a title.")), max_length(300)])
    submission_token = submission_token_field()

    def __init__(self, *args, consultation=None, **kwargs):
        super().__init__(*args, **kwargs)
        #: Whose participation windows the received date is checked against.
        self.consultation = consultation
        self.sector.choices = sector_choices(blank=_l("Not stated"))
        self.region.choices = region_choices(blank=_l("Not stated"))
        if not self.submission_token.data:
            self.submission_token.data = secrets.token_urlsafe(24)

    def details(self):
        return {"channel": self.channel.data, "event_id": self.event.data or None,
                "received_on": self.received_on.data,
                "received_outside_window": self.received_outside_window.data,
                "author_name": self.author_name.data,
                "author_name_public": self.author_name_public.data,
                "author_organization": self.author_organization.data,
                "author_email": self.author_email.data, "sector": self.sector.data,
                "region": self.region.data}

    def validate_component(self, field):
        valid = {value for value, _label in field.choices if value}
        if self.kind.data == "proposal" and field.data not in valid:
            raise ValidationError(_l("Choose a component."))
        if field.data and field.data not in valid:
            raise ValidationError(_l("Choose a component from the list."))

    def validate_sector(self, field):
        if field.data and field.data not in dict(sector_choices()):
            raise ValidationError(_l("Choose a sector from the list."))

    def validate_region(self, field):
        if field.data and field.data not in region_codes():
            raise ValidationError(REGION_NOT_LISTED)

    def validate_received_on(self, field):
        if field.errors:  # not a date at all
            return
        try:
            check_received_on(field.data)
        except OperationError as refusal:
            raise ValidationError(str(refusal)) from None


    def validate_received_outside_window(self, field):
        if self.consultation is None or self.received_on.errors or self.channel.errors:
            return
        try:
            check_received_in_windows(self.consultation, self.channel.data,
                                      self.received_on.data, field.data)
        except OperationError as refusal:
            raise ValidationError(str(refusal)) from None

    @property
    def asks_outside_window(self):
        """Whether the form shows the "received outside the windows" confirmation: once
        the date was found outside, or when it is already ticked."""
        return bool(self.received_outside_window.errors or self.received_outside_window.data)


class VoidForm(FlaskForm):
    """A moderator voids a record typed in by mistake."""

    reason = TextAreaField(_l("Why is this record voided?"), filters=[strip], validators=[
        required(_l("Say why the record is voided.")), max_length(1000)],
        description=_l("For example: typed in twice (see APO-…), or on the wrong "
                       "consultation. Staff will see it."))


def _attendance_number(label, description=None):
    return IntegerField(label, description=description, validators=[
        Optional(), NumberRange(min=0, max=MAX_ATTENDANCE,
                                message=_l("Enter a number from 0."))])


class AttendanceRowForm(SubForm):
    sector = SelectField(_l("Sector"), validate_choice=False)
    participants = _attendance_number(_l("Participants"))
    women = _attendance_number(_l("Of them, women"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = sector_choices(blank=_l("Choose…"))

    def validate_women(self, field):
        if field.data and (self.participants.data or 0) < field.data:
            raise ValidationError(_l("There cannot be more women than participants."))


class EventForm(FlaskForm):
    kind = SelectField(_l("Kind of event"), choices=list(EVENT_KINDS.items()),
                       validators=[required()])
    title = StringField(_l("Title"), filters=[strip], validators=[required(), max_length(200)])
    held_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter a date.")),
                                                plausible_date])
    place = StringField(_l("Place"), filters=[strip], validators=[max_length(200)])
    region = SelectField(LazyString(region_label), validate_choice=False)
    description = TextAreaField(_l("Description"), filters=[strip], validators=[max_length(5000)])
    attendees_total = _attendance_number(
        _l("Total attendees"),
        _l("Leave it empty if nobody counted them; with rows by sector and no total, the "
           "total is the sum of the rows."))
    gender_recorded_count = _attendance_number(
        _l("Attendees whose gender was recorded"),
        _l("Leave it empty if everyone's gender was recorded, or if nobody's was (then "
           "leave the women empty too)."))
    attendees_women = _attendance_number(
        _l("Of them, women"),
        _l("Leave it empty if gender was not recorded: it is never counted as zero."))
    attendance = FieldList(FormField(AttendanceRowForm), min_entries=3, max_entries=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = region_choices(blank=_l("Choose…"))

    def validate_region(self, field):
        if field.data not in region_codes():
            raise ValidationError(REGION_NOT_LISTED)

    def add_attendance_row(self, formdata):
        if formdata is not None and formdata.get("add_row"):
            if len(self.attendance.entries) < self.attendance.max_entries:
                self.attendance.append_entry()
            return True
        return False

    def validate_attendance(self, field):
        seen = set()
        for entry in field.entries:
            row = entry.form
            if not row.sector.data:
                if row.participants.data is not None or row.women.data is not None:
                    row.sector.errors = [*row.sector.errors, _l("Choose the sector.")]
                    raise ValidationError(_l(
                        "A row with numbers needs its sector. If the sector of these people "
                        "was not recorded, count them only in the total attendees."))
                continue
            if row.sector.data not in dict(sector_choices()):
                raise ValidationError(_l("Choose sectors from the list."))
            if row.sector.data in seen:
                raise ValidationError(_l("Each sector can appear only once."))
            if row.participants.data is None:
                row.participants.errors = [*row.participants.errors,
                                           _l("Enter how many attended.")]
                raise ValidationError(_l("Enter how many people of each sector attended."))
            seen.add(row.sector.data)

    def attendance_values(self):
        """The attendance as typed in, for ``operations.save_event``: the rows by sector
        and the totals, None where a number was left empty (not recorded)."""
        return {
            "attendance": [(e.form.sector.data, e.form.participants.data, e.form.women.data)
                           for e in self.attendance.entries if e.form.sector.data],
            "attendees_total": self.attendees_total.data,
            "gender_recorded_count": self.gender_recorded_count.data,
            "attendees_women": self.attendees_women.data,
        }

    def fill_attendance(self, rows):
        while len(self.attendance.entries):
            self.attendance.pop_entry()
        for row in rows:
            self.attendance.append_entry({"sector": row.sector,
                                          "participants": row.participants,
                                          "women": row.women})
        self.attendance.append_entry()
