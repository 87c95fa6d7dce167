"""An audit entry's ``before`` and ``after`` as rows a person reads: one row per value,
"field: before → after", with the field's name in the reader's language."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from consulta.core.i18n import format_number, format_when
from consulta.core.taxonomy import region_name, sector_label

from .constants import FIELDS

#: Marks a side that does not hold the value (created, or removed).
ABSENT = object()


@dataclass
class Change:
    #: The key in the entry's JSON.
    key: str
    #: The field's name in the reader's language.
    label: str
    before: Any
    after: Any

    @property
    def has_before(self):
        return self.before is not ABSENT

    @property
    def has_after(self):
        return self.after is not ABSENT


def field_label(key):
    """The readable name of a value of the log."""
    label = FIELDS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


def entry_changes(entry):
    """The values an audit entry records, one ``Change`` per key, in the order the
    operation wrote them; values equal before and after are left out (they did not
    change). A ``before`` or ``after`` that is not a mapping is shown under "value".

    :param entry: an ``AuditEntry``.
    """
    before = _as_mapping(entry.before)
    after = _as_mapping(entry.after)
    keys = list(before) + [key for key in after if key not in before]
    changes = []
    for key in keys:
        old, new = before.get(key, ABSENT), after.get(key, ABSENT)
        if old is not ABSENT and new is not ABSENT and old == new:
            continue
        changes.append(Change(key, field_label(key), old, new))
    return changes


def _as_mapping(value):
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return {"value": value}


#: ``{key: {code: label}}``: how the coded values of the log read (a channel, an
#: outcome...). Each part registers its own codes (``label_values``) in its init_app.
VALUE_LABELS = {}


def label_values(key, labels):
    """Say how the codes recorded under ``key`` read (``labels``: ``{code: label}``)."""
    VALUE_LABELS[key] = labels


def display(key, value, names=None):
    """A value of the log as text in the reader's language.

    :param key: the key it is recorded under.
    :param value: the JSON value.
    :param names: ``{key: {id: name}}`` for the ids of this consultation's objects (its
        components, commitments, groups, events).
    """
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    labels = {**VALUE_LABELS.get(key, {}), **(names or {}).get(key, {})}
    if isinstance(value, list):
        return ", ".join(display(key, item, names) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k, labels)}: {display(key + '.', v, names)}"
                         for k, v in value.items())
    if isinstance(value, str):
        moment = _moment(value)
        if moment is not None:
            return moment
    if key == "region" and isinstance(value, str):
        return region_name(value) or value
    if key == "sector" and isinstance(value, str):  # the profile's sectors
        return sector_label(value)
    return _label(value, labels)


def _label(value, labels):
    label = labels.get(value)
    if label is None and isinstance(value, int) and not isinstance(value, bool) and labels:
        return f"#{value}"  # an object of the consultation, deleted since
    return str(label) if label is not None else (
        format_number(value) if isinstance(value, (int, float)) else str(value))


def _moment(text):
    """An ISO 8601 date or date-time as the reader reads it; None if ``text`` is not one."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return format_date(date.fromisoformat(text), "long")
        except ValueError:
            return None
    if len(text) > 18 and text[4] == "-" and text[10] == "T":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return format_when(moment)
    return None
