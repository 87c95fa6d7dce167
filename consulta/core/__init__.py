"""The ground floor: what every part stands on, and nothing above it.

Dates and time zones, sanitizing, the deployment's taxonomy (regions, sectors),
pagination, permissions, the operations' errors, the form helpers, signals, the
mail outbox, the page cache, error pages, security headers, backups, and the
pages that belong to no part (home, privacy notice, health, language switch).
Nothing here imports a domain part (``tests/test_layering.py`` checks it).
"""

from .cli import register_commands
from .errors import register_error_handlers
from .i18n import escape_lazy_strings, register_filters
from .security import SessionInterface, set_security_headers
from .templating import register_template_globals
from .views import bp


def init_app(app):
    app.session_interface = SessionInterface()
    app.register_blueprint(bp)
    register_template_globals(app)
    register_filters(app)
    escape_lazy_strings()
    register_error_handlers(app)
    app.after_request(set_security_headers)  # on every page, from the cache or not
    register_commands(app)
