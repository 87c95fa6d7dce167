from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from consulta.contributions.constants import CONTACT_CHANNELS
from consulta.contributions.forms import OfflineContributionForm
from consulta.contributions.operations import check_contact
from consulta.core.forms import max_length, required, strip
from consulta.core.operations import OperationError


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx", "csv"], _l("The file must be an Excel workbook (.xlsx) or a "
                                        "CSV file."))])


class ImportConfirmForm(FlaskForm):
    """Confirms the import of a file already checked (kept on the server meanwhile)."""

    digest = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    format = HiddenField(validators=[DataRequired(), Regexp(r"^(xlsx|csv)$")])


class AssistedContributionForm(OfflineContributionForm):
    """A contribution recorded together with the person who makes it."""

    author_name = StringField(_l("The person's name"), filters=[strip], validators=[
        required(_l("Write the person's name.")), max_length(200)])
    name_consent = RadioField(
        _l("May their name be published next to the contribution?"),
        choices=[("yes", _l("Yes, they agree that their name be published")),
                 ("no", _l("No: the public sees “Participant” and the sector"))],
        validators=[DataRequired(_l("Ask the person and record their answer."))],
        description=_l("Ask the person explicitly; nothing is assumed."))
    contact_channel = SelectField(
        _l("How do they want to be told of the answer?"),
        choices=[("", _l("They will look it up with the tracking code")),
                 *CONTACT_CHANNELS.items()])
    contact = StringField(_l("Phone number or address (optional; never published)"),
                          filters=[strip], validators=[Optional(), max_length(300)])

    def details(self):
        details = super().details()
        details.pop("received_on")
        details["author_name_public"] = self.name_consent.data == "yes"
        return details

    def validate_contact(self, field):
        try:
            check_contact(self.contact_channel.data or None, field.data)
        except OperationError as refusal:
            raise ValidationError(refusal.message) from None
