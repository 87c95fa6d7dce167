"""Loading a contribution by its tracking code (or answering 404)."""

from flask import abort
from flask_login import current_user

from consulta.consultations.access import can_see

from .queries import contribution_by_code


def is_staff():
    """The current user moderates or answers contributions (sees voided records)."""
    return current_user.is_authenticated and (current_user.has_role("moderator")
                                              or current_user.has_role("secretariat"))


def get_contribution(code):
    """A contribution by tracking code, if its consultation is visible (404 otherwise).
    A voided record (typed in by mistake) exists for staff only."""
    contribution = contribution_by_code(code)
    if contribution is None or not can_see(contribution.consultation):
        abort(404)
    if contribution.is_voided and not is_staff():
        abort(404)
    return contribution
