from flask import get_template_attribute
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from consulta.consultations.constants import PRINCIPLES
from consulta.consultations.queries import commitment_choices as latest_commitment_choices
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


class QueueCommitments(KeptChoices):
    """The commitment choices of the queue (its filter and its bulk form offer the latest
    published version's), with the filter's ``<option>``s also written once."""

    def __init__(self, choices):
        super().__init__(choices)
        self._filter = None

    def filter_options(self, selected):
        """The filter's options (no "None"; labels cut to 60 characters, as Jinja's
        ``truncate``), the one whose value is ``selected`` (an id, or None) selected."""
        if self._filter is None:
            self._filter = str(get_template_attribute(
                "moderation/_queue_commitment_filter.html", "options")(self))
        html = self._filter
        if selected is not None:
            html = html.replace(f'<option value="{selected}">',
                                f'<option value="{selected}" selected>', 1)
        return Markup(html)  # noqa: S704 (written by the template, escaped)


def queue_commitments(consultation):
    """The commitment choices of the queue (the latest published version of the plan),
    kept with their HTML per worker and language until a version is published: the page
    writes 200 commitments' options twice (filter and bulk form) otherwise."""
    return kept_while_published(
        consultation, "queue commitments",
        lambda: QueueCommitments(commitment_choices(latest_commitment_choices(consultation))))


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
