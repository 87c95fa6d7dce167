"""The audit log: who did what, when, with the values before and after. Append-only."""

from .constants import ACTIONS


def init_app(app):
    app.jinja_env.globals["AUDIT_ACTIONS"] = ACTIONS
