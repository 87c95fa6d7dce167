"""What every part's forms share: filters, validators, fields and the confirm form.

Labels and messages are lazy (``_l``): forms are declared at import time, before any
request says which language to use.
"""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from .taxonomy import REGION_NOT_LISTED, region_codes

MONTH_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")  # paper sheets often give only a year
#: Dates the forms accept: far wider than any consultation, narrow enough that a typo
#: (0202, 20266) is caught and that converting to UTC or adding a day never overflows.
MIN_YEAR, MAX_YEAR = 1900, 2200


# --- filters -----------------------------------------------------------------------

def strip(value):
    return value.strip() if isinstance(value, str) else value


def none_as_empty(value):
    return "" if value is None else value


def lines(value):
    """The non-empty lines of a text, stripped: "a\\n\\n b " → ["a", "b"]."""
    return [line.strip() for line in (value or "").split("\n") if line.strip()]


# --- validators --------------------------------------------------------------------

def required(message=None):
    # "is None", not "or": a lazy message is evaluated only when shown, in a request.
    return DataRequired(message=message if message is not None else
                        _l("This field is required."))


def max_length(n):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def plausible_date(form, field):
    if field.data and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise ValidationError(_l("Enter a date between the years %(min)d and %(max)d.",
                                 min=MIN_YEAR, max=MAX_YEAR))


def validate_month(form, field):
    if field.data and not MONTH_RE.match(field.data):
        raise ValidationError(_l("Use the form YYYY-MM, for example 2026-03."))


class RegionCode:
    """A region of the deployment's list (``consulta.core.taxonomy``)."""

    def __call__(self, form, field):
        if field.data not in region_codes():
            raise ValidationError(REGION_NOT_LISTED)


# --- fields and forms --------------------------------------------------------------

class LinesField(TextAreaField):
    """A list typed one item per line. A stored list (an edited row) is shown the same
    way, also when the field is missing from a post and keeps the stored value."""

    def process_data(self, value):
        if isinstance(value, list | tuple):
            value = "\n".join(str(item) for item in value)
        super().process_data(value)



class LongSelect(Select):
    """WTForms' ``<select>`` widget, its options written in one pass: the same HTML, for
    lists of a few hundred options (a national plan's commitments) where writing each
    option through ``html_params`` and ``Markup`` costs milliseconds a page. Choices
    given as ``KeptChoices`` are written once for all requests."""

    def __call__(self, field, **kwargs):
        kept = isinstance(field.choices, KeptChoices)
        if self.multiple or (not kept and field.has_groups()):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        if kept:
            html.append(field.choices.options(field))
        else:
            for choice in field.iter_choices():
                if choice.render_kw:
                    html.append(self.render_option(choice))
                    continue
                html.append(_option(choice.value, choice.label, choice.selected))
        html.append("</select>")
        # Every value and label is escaped by _option; html_params escapes the attributes.
        return Markup("".join(html))  # noqa: S704


def _option(value, label, selected):
    """One ``<option>`` as ``LongSelect`` writes it (as WTForms would)."""
    text = str(value) if isinstance(value, bool) else value
    return (f'<option {"selected " if selected else ""}value="{escape(text)}">'
            f"{escape(label or value)}</option>")


class KeptChoices(list):
    """The ``(value, label)`` choices of a ``LongSelect`` kept from one request to the
    next (``consultations.sheets.kept_while_published``: per language, labels may be
    translated), with their ``<option>``s written once: a render then writes only which
    one is selected (200 commitments cost 1–2 ms a page to write). Never changed once
    made; values are distinct."""

    _OPEN = "<option "

    def __init__(self, choices):
        super().__init__(choices)
        self._written = None

    def options(self, field):
        """The options, the one whose value is ``field.data`` (coerced by the field, as
        WTForms compares) selected."""
        if self._written is None:  # two threads at once write the same: harmless
            parts, starts, length = [], {}, 0
            for value, label in self:
                starts.setdefault(field.coerce(value), length)
                parts.append(_option(value, label, False))
                length += len(parts[-1])
            self._written = ("".join(parts), starts)
        html, starts = self._written
        start = starts.get(field.data) if isinstance(field.data, int | str | None) else None
        if start is None:
            return html
        cut = start + len(self._OPEN)
        return f"{html[:cut]}selected {html[cut:]}"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubForm(FlaskForm):
    """A row inside a FieldList: no token of its own, but translated messages."""

    class Meta:
        csrf = False


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change state."""
