"""The forms of the standing forum: members, meetings, observations.

The choices (sectors, roles, sides, members) are checked by the operations, which say
what is wrong in the user's language; the selects here only offer them.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from consulta.contributions.constants import HIDE_REASONS
from consulta.core.forms import (
    MultiCheckboxField,
    max_length,
    plausible_date,
    required,
    strip,
)
from consulta.core.request_input import database_int
from consulta.core.taxonomy import sector_choices

from .constants import FORUM_ROLES, FORUM_SIDES


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def _whole_number(value):
    """The attendance as typed: None when empty, an int when whole, else the text
    (refused by the operation with its message)."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return text


class ForumMemberForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[required(_l("Write the member's name.")), max_length(200)])
    organization = StringField(_l("Organization or entity"), filters=[strip],
                               validators=[max_length(200)])
    sector = SelectField(_l("Sector"), validate_choice=False)
    side = SelectField(_l("Stands for"), validate_choice=False)
    role = SelectField(_l("Role in the forum"), validate_choice=False, default="member")
    starts_on = DateField(_l("Member since"), validators=[Optional(), plausible_date])
    ends_on = DateField(_l("Member until"), validators=[Optional(), plausible_date],
                        description=_l("Leave it empty while the member serves."))
    email = EmailField(
        _l("E-mail of their account (optional)"), filters=[_lower],
        validators=[max_length(254)],
        description=_l("Links the member to an existing account, which may then post the "
                       "forum's observations. Never shown."))

    def fill_choices(self):
        self.sector.choices = [(code, str(label))
                               for code, label in sector_choices(blank=_l("Choose…"))]
        self.side.choices = [("", str(_l("Choose…")))] + [(k, str(v))
                                                          for k, v in FORUM_SIDES.items()]
        self.role.choices = [(k, str(v)) for k, v in FORUM_ROLES.items()]
        return self


class ForumMeetingForm(FlaskForm):
    held_on = DateField(_l("Date of the meeting"), validators=[Optional(), plausible_date],
                        description=_l("The day it was held, in the deployment's time zone."))
    place = StringField(_l("Place"), filters=[strip], validators=[max_length(300)])
    attendance = StringField(_l("Attendance (number of people)"), filters=[_whole_number])
    attendees = MultiCheckboxField(_l("Members who attended (optional)"), coerce=database_int,
                                   validate_choice=False)
    agenda = TextAreaField(_l("Agenda"), filters=[strip], validators=[max_length(20000)],
                           description=_l("Markdown: lists and links are allowed."))
    minutes = FileField(_l("Minutes (PDF or image)"))
    minutes_url = StringField(_l("Or a link to the minutes"), filters=[strip],
                              validators=[max_length(1000)])
    remove_minutes = BooleanField(_l("Remove the minutes recorded"))

    def fill_choices(self, members):
        self.attendees.choices = [(m.id, m.name) for m in members]
        return self


class ObservationForm(FlaskForm):
    member = SelectField(_l("On behalf of"), coerce=database_int, validate_choice=False,
                         default=0)
    body = TextAreaField(_l("Observation"), filters=[strip],
                         validators=[required(_l("Write the observation.")),
                                     max_length(20000)],
                         description=_l("Markdown: lists and links are allowed."))

    def fill_choices(self, members):
        self.member.choices = [(0, str(_l("The forum as a whole")))] + [
            (m.id, f"{m.name} — {m.organization}" if m.organization else m.name)
            for m in members]
        return self


class ReportCommentForm(FlaskForm):
    """A participant's comment on a published report."""

    body = TextAreaField(_l("Your comment"), filters=[strip],
                         validators=[required(_l("Write your comment.")), max_length(5000)])


class HideCommentForm(FlaskForm):
    reason = SelectField(_l("Reason"), validate_choice=False)
    note = TextAreaField(_l("Note shown with the reason (optional)"), filters=[strip],
                         validators=[max_length(1000)])

    def fill_choices(self):
        self.reason.choices = [("", str(_l("Choose…")))] + [
            (k, str(v)) for k, v in HIDE_REASONS.items()]
        return self
