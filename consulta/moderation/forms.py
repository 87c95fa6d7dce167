from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from consulta.consultations.constants import PRINCIPLES
from consulta.consultations.sheets import kept_while_published
from consulta.contributions.constants import HIDE_REASONS
from consulta.core.forms import KeptChoices, LongSelect, MultiCheckboxField, strip
from consulta.core.request_input import database_int

from .operations import normalize_tags
from .queries import commitments_to_classify


def commitment_choices(commitments):
    """The choices of the commitment a contribution concerns: none, then ``(id, number,
    title)`` rows as "number. title"."""
    return [(0, _l("None"))] + [(c.id, f"{c.number}. {c.title[:90]}") for c in commitments]


def classification_commitments(consultation):
    """The commitment choices of the classification form (every published version of the
    plan, newest first), kept with their HTML per worker and language until a version is
    published: the page neither loads the 200 commitments of a national plan nor
    writes their options again."""
    return kept_while_published(
        consultation, "classification commitments",
        lambda: KeptChoices(commitment_choices(commitments_to_classify(consultation))))


class ClassificationFields:
    component = SelectField(_l("Component"), coerce=database_int, validate_choice=False, default=0,
                            widget=LongSelect())
    commitment = SelectField(_l("Commitment it concerns"), coerce=database_int,
                             validate_choice=False, default=0, widget=LongSelect())
    new_commitment = BooleanField(_l("It proposes a new commitment"))
    principles = MultiCheckboxField(_l("Principles"), choices=list(PRINCIPLES.items()))
    tags = StringField(_l("Tags"), filters=[strip], validators=[Length(max=500)],
                       description=_l("Separated by commas. Existing tags are suggested as "
                                      "you type."))

    def fill_choices(self, consultation, commitments):
        """:param commitments: ``(id, number, title)`` rows, or their choices as
        ``classification_commitments`` keeps them."""
        self.component.choices = [(0, _l("Not classified"))] + [
            (c.id, c.name) for c in consultation.components]
        self.commitment.choices = commitments if isinstance(commitments, KeptChoices) \
            else commitment_choices(commitments)

    def validate_component(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a component from the list."))

    def validate_commitment(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a commitment from the list."))

    def values(self):
        return {"component_id": self.component.data or None,
                "commitment_id": self.commitment.data or None,
                "is_new_commitment": self.new_commitment.data,
                "principles": self.principles.data or [],
                "tags": normalize_tags(self.tags.data)}


class ClassifyForm(ClassificationFields, FlaskForm):
    version = IntegerField(validators=[Optional()])


class BulkClassifyForm(ClassificationFields, FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Same names as the one-by-one form, but other ids: the queue's filter above it
        # has its own "component" and "commitment", and a label must point to one field.
        for field in self:
            field.id = f"bulk-{field.name}"


class HideForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=[("", _l("Choose…")), *HIDE_REASONS.items()],
                         widget=LongSelect(),
                         validators=[DataRequired(_l("Choose a reason."))])
    note = TextAreaField(_l("Note shown with the reason (optional)"), filters=[strip],
                         validators=[Length(max=1000)])


class MaskForm(FlaskForm):
    fragment = StringField(_l("Text to mask (copy it exactly)"), filters=[strip],
                           validators=[DataRequired(_l("Copy the text to mask.")),
                                       Length(max=500)])


class GroupForm(FlaskForm):
    title = StringField(_l("Title of the group"), filters=[strip],
                        validators=[DataRequired(_l("Give the group a title.")),
                                    Length(max=300)])
    summary = TextAreaField(_l("Summary in the moderators' words"), filters=[strip],
                            validators=[Length(max=5000)])


class JoinGroupForm(FlaskForm):
    group = SelectField(_l("Add to an existing group"), coerce=database_int, validate_choice=False,
                        widget=LongSelect())
    target = HiddenField()
