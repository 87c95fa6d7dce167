"""The one permission check for non-public views.

Anonymous visitors are sent to log in and brought back afterwards; logged-in
users without the role get the 403 page.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

from consulta.extensions import login_manager


def role_required(*roles):
    """Require a logged-in account holding one of ``roles`` (none: any account)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


#: Any logged-in account.
login_required = role_required()
