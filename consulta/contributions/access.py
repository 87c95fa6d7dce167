"""Loading a contribution by its tracking code (or answering 404)."""

from flask import abort, g
from flask_login import current_user

from consulta.consultations.access import can_see, protected_consultation
from consulta.core.permissions import can

from .queries import contribution_by_code


def is_staff(contribution=None):
    """The current user moderates or answers contributions (of this contribution's
    entity): sees voided records."""
    return can(current_user, ("moderator", "secretariat"), contribution.consultation) \
        if contribution is not None else current_user.is_authenticated and \
        current_user.holds_role("moderator", "secretariat")


def get_contribution(code, *, lean=False):
    """A contribution by tracking code, if its consultation is visible (404 otherwise).
    A voided record (typed in by mistake) exists for its entity's staff only.

    Loaded once per request (the permission check of the view loaded it already);
    ``lean``: with its consultation only, not what its page shows of it."""
    loaded = g.setdefault("contributions_by_code", {})
    key = (code, "lean") if lean else code
    if key not in loaded:
        loaded[key] = contribution_by_code(code, lean=lean)
    contribution = loaded[key]
    if contribution is None or not can_see(contribution.consultation):
        abort(404)
    if contribution.is_voided and not is_staff(contribution):
        abort(404)
    return contribution


def protected_object(slug=None, code=None, **_arguments):
    """For ``role_required(..., on=protected_object)``: the route's contribution, else
    its consultation."""
    return get_contribution(code) if code is not None else protected_consultation(slug)
