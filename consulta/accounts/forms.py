from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, URLField
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from consulta.core.forms import RegionCode, none_as_empty, required, strip
from consulta.core.taxonomy import (
    GENDERS,
    email_example,
    region_choices,
    region_label,
    region_word,
    sector_choices,
)

from .constants import LANGUAGE_NAMES, ROLES
from .passwords import MAX_LENGTH, MIN_LENGTH, is_common


def normalize_email(value):
    return value.strip().lower() if isinstance(value, str) else value


class StrongPassword:
    """At least MIN_LENGTH characters, not a common password, not the e-mail."""

    def __call__(self, form, field):
        password = field.data or ""
        if len(password) < MIN_LENGTH:
            raise ValidationError(
                _l("The password must have at least %(min)d characters.", min=MIN_LENGTH))
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                _l("The password can have at most %(max)d characters.", max=MAX_LENGTH))
        email = getattr(getattr(form, "email", None), "data", None) or ""
        if is_common(password) or (email and password.strip().lower() in
                                   (email.lower(), email.split("@")[0].lower())):
            raise ValidationError(_l("This password is too common or too easy to guess. "
                                     "Choose another one, for example a short sentence."))


EMAIL_VALIDATORS = [
    required(),
    Length(max=254, message=_l("The e-mail address is too long.")),
    Email(message=_l("Enter a valid e-mail address, for example %(example)s.",
                     example=LazyString(email_example)),
          check_deliverability=False),
]


class ProfileFieldsMixin:
    display_name = StringField(
        _l("Name to show"), filters=[strip],
        validators=[required(), Length(max=80, message=_l("At most 80 characters."))],
        description=_l("Your name or a nickname. It is shown next to your contributions only "
                       "if you allow it below."))
    sector = SelectField(_l("Sector"), validators=[required(_l("Choose your sector."))])
    # RegionCode, not the generic choice check ("Not a valid choice"), refuses a code the
    # profile does not list: its message names the region as the country does.
    region = SelectField(LazyString(region_label),
                         validators=[required(_l("Choose your %(label)s.",
                                                 label=LazyString(region_word))),
                                     RegionCode()], validate_choice=False)
    # No Optional(): it would also let through a blank that is not a choice (" "). The
    # empty choice is in the list, so the choice check alone is right; not sent, or none
    # stored, counts as that empty choice.
    gender = SelectField(
        _l("Gender (optional)"), filters=[none_as_empty],
        description=_l("Only used in aggregate statistics on the participation of women."))
    show_name_publicly = BooleanField(
        _l("Show my name publicly next to my contributions"),
        description=_l('If you leave it unchecked, you appear as "Participant" with your sector.'))

    def _fill_choices(self):
        self.sector.choices = sector_choices(blank=_l("Choose…"))
        self.region.choices = region_choices(blank=_l("Choose…"))
        self.gender.choices = [("", _l("Prefer not to say")), *GENDERS.items()]

    def validate_sector(self, field):
        if field.data not in dict(sector_choices()):
            raise ValidationError(_l("Choose your sector from the list."))


class RegistrationForm(ProfileFieldsMixin, FlaskForm):
    email = EmailField(_l("E-mail"), filters=[normalize_email], validators=EMAIL_VALIDATORS)
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("This field is required.")),
                                    StrongPassword()],
        description=_l("At least %(min)d characters. A short sentence is easy to remember "
                       "and hard to guess.", min=MIN_LENGTH))
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(message=_l("This field is required.")),
                    EqualTo("password", message=_l("The two passwords do not match."))])
    accept_privacy = BooleanField(
        _l("I have read the privacy notice and accept that my personal data is processed as "
           "it describes."),
        validators=[DataRequired(message=_l("You must accept the privacy notice to create "
                                            "an account."))])
    #: Honeypot: hidden from people; bots that fill it are silently dropped. Its name is one
    #: that browsers and password managers do not autofill.
    fax_only = StringField(_l("Leave this field empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fill_choices()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[normalize_email],
                       validators=[required(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[required(), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[normalize_email], validators=EMAIL_VALIDATORS)


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[InputRequired(_l("This field is required.")),
                                         StrongPassword()])
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(_l("This field is required.")),
                    EqualTo("password", message=_l("The two passwords do not match."))])


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[required(), Length(max=MAX_LENGTH)])


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    locale = SelectField(_l("Interface language"), filters=[none_as_empty])  # "": automatic
    email_notifications = BooleanField(
        _l("Send me e-mails about my contributions (for example when they are answered)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fill_choices()
        self.locale.choices = [("", _l("Automatic (browser)")), *LANGUAGE_NAMES.items()]


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[required(), Length(max=MAX_LENGTH)])
    confirm = BooleanField(
        _l("I understand that my account will be deleted and cannot be recovered."),
        validators=[DataRequired(message=_l("Check the box to confirm."))])


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[required(), Length(max=200, message=_l("At most 200 "
                                                                           "characters."))])
    sector = SelectField(_l("Sector"), validators=[required(_l("Choose a sector."))])
    region = SelectField(LazyString(region_label),
                         validators=[required(_l("Choose a %(label)s.",
                                                 label=LazyString(region_word))),
                                     RegionCode()], validate_choice=False)
    website = URLField(
        _l("Website (optional)"), filters=[strip],
        validators=[Optional(), Length(max=300, message=_l("At most 300 characters.")),
                    URL(require_tld=True, message=_l("Enter a full address starting with "
                                                     "https://"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = sector_choices(blank=_l("Choose…"))
        self.region.choices = region_choices(blank=_l("Choose…"))

    def validate_sector(self, field):
        if field.data not in dict(sector_choices()):
            raise ValidationError(_l("Choose a sector from the list."))

    def validate_website(self, field):
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Enter a full address starting with https://"))


class RolesForm(FlaskForm):
    moderator = BooleanField(ROLES["moderator"])
    facilitator = BooleanField(ROLES["facilitator"])
    secretariat = BooleanField(ROLES["secretariat"])
    admin = BooleanField(ROLES["admin"])


class EntityForm(FlaskForm):
    """An organizing entity, as an administrator creates or edits it."""

    name = StringField(_l("Name"), filters=[strip], validators=[required(), Length(max=200)])
    acronym = StringField(_l("Acronym"), filters=[strip], validators=[Optional(),
                                                                       Length(max=40)])
    level = SelectField(_l("Level of government"), validate_choice=False)
    parent = SelectField(_l("Depends on (optional)"), validate_choice=False)
    region = SelectField(_l("%(label)s (optional)", label=LazyString(region_label)),
                         validate_choice=False)
    #: On creation only: the account appointed as the entity's first secretariat.
    secretariat_email = EmailField(
        _l("E-mail of its first technical secretariat (optional)"),
        filters=[normalize_email], validators=[Optional(), Email(), Length(max=254)],
        description=_l("An existing, confirmed account. It can then add the rest of the "
                       "entity's team."))

    def __init__(self, *args, entities=(), **kwargs):
        """:param entities: the entities it may depend on (not itself)."""
        from consulta.core.taxonomy import level_choices

        super().__init__(*args, **kwargs)
        self.level.choices = level_choices(blank=str(_l("Choose…")))
        self.parent.choices = [("", str(_l("None")))] + [(e.slug, e.display_name)
                                                         for e in entities]
        self.region.choices = region_choices(blank=str(_l("None")))
        self.entities = {e.slug: e for e in entities}

    def values(self):
        """What ``entities.create_entity`` and ``update_entity`` take."""
        parent = self.entities.get(self.parent.data or "")
        return {"name": self.name.data, "acronym": self.acronym.data,
                "level": self.level.data, "region": self.region.data or None,
                "parent_id": parent.id if parent is not None else None}

    def validate_level(self, field):
        if field.data not in {code for code, _label in field.choices if code}:
            raise ValidationError(_l("Choose a level of government from the list."))

    def validate_parent(self, field):
        if field.data and field.data not in self.entities:
            raise ValidationError(_l("Choose the parent entity from the list."))

    def validate_region(self, field):
        if field.data:
            RegionCode()(self, field)


class TeamMemberForm(FlaskForm):
    """Add an existing account to an entity's team."""

    email = EmailField(_l("E-mail of the account"), filters=[normalize_email],
                       validators=[required(), Email(), Length(max=254)])
    role = SelectField(_l("Role in the entity's team"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        from .entities import TEAM_ROLES

        super().__init__(*args, **kwargs)
        self.role.choices = [(role, str(ROLES[role])) for role in TEAM_ROLES]

    def validate_role(self, field):
        if field.data not in {code for code, _label in field.choices}:
            raise ValidationError(_l("Choose a role of the entity's team."))
