"""Accounts: registration, log-in and sessions, profile and personal data, roles,
organizations and their members."""

from consulta.extensions import login_manager

from .cli import create_admin_command
from .constants import LANGUAGE_NAMES, ROLES
from .sessions import init_staff_sessions
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    login_manager.login_view = "accounts.login"
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, ROLES=ROLES)
    init_staff_sessions(app)
    app.cli.add_command(create_admin_command)
