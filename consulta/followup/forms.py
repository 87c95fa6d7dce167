"""The forms of the follow-up's set-up and of progress reports.

Numbers (baselines, targets, indicator values, percentages) are kept as typed, in the
reader's language ("1.234,5" in Spanish), and parsed by the operations, which refuse
what is not a number with a message: one rule, the same from a form or a command.
A report's per-milestone and per-indicator values are fields named ``status-<id>``,
``percent-<id>``, ``reason-<id>``, ``value-<id>`` and ``note-<id>`` (see
``report_values``), next to the report form's own fields.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, EmailField, StringField, TextAreaField
from wtforms.validators import Optional

from consulta.core.forms import max_length, plausible_date, required, strip, validate_month

from .operations import MAX_NARRATIVE, MAX_REASON, MAX_URL


class MilestoneForm(FlaskForm):
    description = TextAreaField(_l("Milestone"), filters=[strip],
                                validators=[required(_l("Describe the milestone.")),
                                            max_length(2000)])
    starts = StringField(_l("Start (YYYY-MM)"), filters=[strip],
                         validators=[Optional(), validate_month, max_length(7)])
    due = StringField(_l("End (YYYY-MM)"), filters=[strip],
                      validators=[Optional(), validate_month, max_length(7)])


class IndicatorForm(FlaskForm):
    name = StringField(_l("Indicator"), filters=[strip],
                       validators=[required(_l("Name the indicator.")), max_length(300)])
    baseline = StringField(_l("Baseline"), filters=[strip], validators=[max_length(40)])
    target = StringField(_l("Target"), filters=[strip], validators=[max_length(40)])
    unit = StringField(_l("Unit"), filters=[strip], validators=[max_length(60)],
                       description=_l("For example: people trained, %, entities."))
    source = StringField(_l("Source"), filters=[strip], validators=[max_length(300)],
                         description=_l("Where the value is read from."))


class ReporterForm(FlaskForm):
    email = EmailField(_l("E-mail of the account"), filters=[strip],
                       validators=[required(_l("Give the e-mail address of an account.")),
                                   max_length(254)])


class ReportForm(FlaskForm):
    as_of = DateField(_l("As of"), validators=[required(_l("Give the day the report "
                                                           "describes.")), plausible_date],
                      description=_l("The day the report describes."))
    narrative = TextAreaField(
        _l("Narrative"), filters=[strip], validators=[max_length(MAX_NARRATIVE)],
        description=_l("What was done, what is pending and why. Markdown: **bold**, lists "
                       "and links."))


class LinkForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[max_length(300)])
    url = StringField(_l("Web address"), filters=[strip],
                      validators=[required(_l("Give a web address that starts with http:// "
                                              "or https://.")), max_length(MAX_URL)])


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[max_length(300)])
    file = FileField(_l("File (PDF, PNG, JPEG or WebP)"))


class ReturnForm(FlaskForm):
    note = TextAreaField(_l("What should be corrected"), filters=[strip],
                         validators=[required(_l("Say what should be corrected.")),
                                     max_length(MAX_REASON)])


def report_values(form_data, milestone_ids, indicator_ids):
    """The per-milestone and per-indicator values of a posted report form, as typed:
    ({milestone id: {"status", "percent", "reason"}}, {indicator id: {"value", "note"}}).
    Milestones absent from the form are left out (they keep their values)."""
    milestones = {}
    for ident in milestone_ids:
        if f"status-{ident}" in form_data:
            milestones[ident] = {"status": form_data.get(f"status-{ident}", ""),
                                 "percent": form_data.get(f"percent-{ident}", ""),
                                 "reason": form_data.get(f"reason-{ident}", "")[:MAX_REASON]}
    indicators = {}
    for ident in indicator_ids:
        if f"value-{ident}" in form_data:
            indicators[ident] = {"value": form_data.get(f"value-{ident}", "")[:40],
                                 "note": form_data.get(f"note-{ident}", "")[:500]}
    return milestones, indicators
