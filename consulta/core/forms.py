from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from consulta.accounts.constants import LANGUAGE_NAMES


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=list(LANGUAGE_NAMES.items()),
                           validators=[DataRequired()])
    next = HiddenField()
