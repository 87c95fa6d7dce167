"""Contributions: proposals and comments sent on the web or typed in from offline
channels, their supports, the public lists and the search."""

from consulta.audit.changes import label_values
from consulta.consultations.signals import plan_page, windows_changing

from .constants import HIDE_REASONS, KINDS
from .notifications import send_receipt
from .queries import count_left_outside, counts_by_commitment
from .signals import contribution_submitted
from .views import bp


def _counts_on_the_plan(consultation, **_extra):
    """The plan page shows, under each commitment, how many contributions concern it."""
    return {"counts": counts_by_commitment(consultation)}


def _left_outside_windows(consultation, *, channel, before, after, **_extra):
    """A change of participation windows asks how many contributions it would orphan."""
    return count_left_outside(consultation, channel=channel, before=before, after=after)


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(CONTRIBUTION_KINDS=KINDS, HIDE_REASONS=HIDE_REASONS)
    contribution_submitted.connect(send_receipt)
    plan_page.connect(_counts_on_the_plan)
    windows_changing.connect(_left_outside_windows)
    label_values("kind", KINDS)
    label_values("reason", HIDE_REASONS)
