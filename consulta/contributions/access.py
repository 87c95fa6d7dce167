"""Loading a contribution by its tracking code (or answering 404)."""

from flask import abort

from consulta.consultations.access import can_see

from .queries import contribution_by_code


def get_contribution(code):
    """A contribution by tracking code, if its consultation is visible (404 otherwise)."""
    contribution = contribution_by_code(code)
    if contribution is None or not can_see(contribution.consultation):
        abort(404)
    return contribution
