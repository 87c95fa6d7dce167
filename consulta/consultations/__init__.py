"""Consultations: their timeline, components, the versioned draft plan and its
commitments, and the events (workshops, work tables) held for them."""

from consulta.audit.changes import label_values

from .cli import import_plan_command
from .constants import CHANNELS, EVENT_KINDS, PRINCIPLES, SCOPES, STATUSES
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(SCOPES=SCOPES, CHANNELS=CHANNELS, PRINCIPLES=PRINCIPLES,
                                 CONSULTATION_STATUSES=STATUSES, EVENT_KINDS=EVENT_KINDS)
    app.cli.add_command(import_plan_command)
    label_values("channel", CHANNELS)
    label_values("principles", PRINCIPLES)
