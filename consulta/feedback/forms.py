from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from consulta.core.forms import MultiCheckboxField, strip
from consulta.core.request_input import database_int

from .constants import OUTCOMES


class ResponseForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[("", _l("Choose…")), *OUTCOMES.items()],
                          validators=[DataRequired(_l("Choose the outcome."))])
    justification = TextAreaField(
        _l("Justification"), filters=[strip],
        validators=[DataRequired(_l("Explain the decision.")), Length(max=10000)],
        description=_l("In plain language, at least two sentences: what was decided and why."))
    commitments = MultiCheckboxField(_l("Incorporated in the commitments (for incorporated "
                                        "or partially incorporated)"), coerce=database_int,
                                     validate_choice=False)
    referred_to = StringField(_l("Entity it was referred to (for referred)"), filters=[strip],
                              validators=[Length(max=300)])
    version = IntegerField(validators=[Optional()])

    def fill_choices(self, commitments):
        self.commitments.choices = [(c.id, f"{c.number}. {c.title[:100]}")
                                    for c in commitments]


class TemplateForm(FlaskForm):
    title = StringField(_l("Name of the template"), filters=[strip],
                        validators=[DataRequired(_l("Give the template a name.")),
                                    Length(max=200)])
    outcome = SelectField(_l("Outcome (optional)"),
                          choices=[("", _l("Any")), *OUTCOMES.items()])
    justification = TextAreaField(_l("Justification"), filters=[strip],
                                  validators=[DataRequired(_l("Write the justification.")),
                                              Length(max=10000)])


class MatrixImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx"], _l("The file must be an Excel (.xlsx) workbook."))])
