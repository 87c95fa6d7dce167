"""Accounts: registration, log-in and sessions, profile and personal data, roles,
organizations and their members."""

from flask_login import current_user

from consulta.core.cache import forget_every_page
from consulta.core.permissions import ANY_ENTITY, can
from consulta.extensions import login_manager

from .cli import create_admin_command
from .constants import LANGUAGE_NAMES, ROLES
from .sessions import init_staff_sessions
from .signals import public_identity_changed
from .views import bp


def _forget_every_page(_sender, **_extra):
    """A name public pages show changed: they may be on any consultation's pages."""
    forget_every_page()


def _current_user_can(roles, obj=ANY_ENTITY):
    """In templates: ``can("secretariat", consultation)`` (see core/permissions.py)."""
    return can(current_user, roles, obj)


def init_app(app):
    app.register_blueprint(bp)
    login_manager.login_view = "accounts.login"
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, ROLES=ROLES,
                                 can=_current_user_can)
    init_staff_sessions(app)
    app.cli.add_command(create_admin_command)
    public_identity_changed.connect(_forget_every_page)
