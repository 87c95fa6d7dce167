"""The follow form of someone without an account."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField

from consulta.accounts.forms import EMAIL_VALIDATORS, normalize_email


class FollowForm(FlaskForm):
    email = EmailField(_l("Your e-mail address"), filters=[normalize_email],
                       validators=EMAIL_VALIDATORS)
    #: Left empty by people; filled by bots, whose request is dropped.
    website = StringField(_l("Leave this field empty"))
