"""Bulk actions on "all N matching the filter": confirmed first, then checked again.

A list offers three scopes for its bulk actions: the ticked rows, every row of the page
shown, and every row matching the filter (on every page). The last one goes through a
confirmation page that states how many rows it touches; the confirmation carries a
digest of those rows' ids, and the action runs only if the filter still matches exactly
those rows. When something changed in between (a colleague classified one, a new one
arrived), nothing is done and the confirmation page is shown again with the new count.
"""

import hashlib

from flask import flash

#: The scopes of a bulk action, as the radio buttons of a list send them.
SCOPES = ("selected", "page", "filter")

#: The most rows one bulk action may touch: beyond it, narrow the filter.
BULK_LIMIT = 1000


def read_scope(form):
    """The scope a bulk form asks for (``"selected"`` unless it says otherwise)."""
    scope = form.get("scope")
    return scope if scope in SCOPES else "selected"


def ids_digest(ids):
    """A short digest of a set of row ids, whatever their order."""
    text = ",".join(str(i) for i in sorted(set(ids)))
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


def form_ids(form, name):
    """The integer ids a form sends under ``name`` (what is not a number is left out)."""
    return form.getlist(name, type=int)


def check_filter_scope(ids, confirmed, *, nothing, too_many, changed):
    """Decide what a bulk action on "all matching the filter" does with ``ids`` (from a
    query limited to ``BULK_LIMIT`` + 1 rows) and the digest the form ``confirmed``.

    :param nothing: the message when no row matches (flashed as an error).
    :param too_many: the message when more than ``BULK_LIMIT`` rows match (an error).
    :param changed: the message when the rows changed since the confirmation (a warning).
    :return: ``("refused", None)`` (a message was flashed: go back to the list),
        ``("confirm", digest)`` (show the confirmation page) or ``("act", digest)``.
    """
    if not ids:
        flash(nothing, "error")
        return "refused", None
    if len(ids) > BULK_LIMIT:
        flash(too_many, "error")
        return "refused", None
    digest = ids_digest(ids)
    if confirmed == digest:
        return "act", digest
    if confirmed:  # confirmed for other rows: say so, and ask again
        flash(changed, "warning")
    return "confirm", digest
