"""Contributions: proposals and comments sent on the web or typed in from offline
channels, their supports, the public lists and the search."""

from consulta.accounts.signals import data_export
from consulta.audit.changes import label_values
from consulta.consultations.signals import plan_page, windows_changing
from consulta.core.cache import cached_figures, forget_pages, register_page_scope

from .constants import HIDE_REASONS, KINDS
from .notifications import send_receipt
from .queries import (
    consultation_slug_of,
    count_left_outside,
    counts_by_commitment,
    export_contributions_of,
)
from .signals import contribution_changed, contribution_submitted, event_saved
from .views import bp


def _counts_on_the_plan(consultation, **_extra):
    """The plan page shows, under each commitment, how many contributions concern it:
    a count of every contribution, kept as the public figures are (until the next
    change of the consultation's pages, never for staff)."""
    return {"counts": cached_figures("plan-counts", lambda: counts_by_commitment(consultation),
                                     scope=consultation.slug)}


def _left_outside_windows(consultation, *, channel, before, after, **_extra):
    """A change of participation windows asks how many contributions it would orphan."""
    return count_left_outside(consultation, channel=channel, before=before, after=after)


def _contributions_in_the_export(user, **_extra):
    """"Download my data" holds the person's contributions and supports."""
    return export_contributions_of(user)


def _forget_pages_of_contribution(contribution, **_extra):
    forget_pages(contribution.consultation.slug)


def _forget_pages_of_consultation(consultation, **_extra):
    forget_pages(consultation.slug)


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(CONTRIBUTION_KINDS=KINDS, HIDE_REASONS=HIDE_REASONS)
    contribution_submitted.connect(send_receipt)
    plan_page.connect(_counts_on_the_plan)
    windows_changing.connect(_left_outside_windows)
    data_export.connect(_contributions_in_the_export)
    # The page cache: a contribution's page belongs to its consultation.
    register_page_scope("code", consultation_slug_of)
    for signal in (contribution_submitted, contribution_changed):
        signal.connect(_forget_pages_of_contribution)
    event_saved.connect(_forget_pages_of_consultation)
    label_values("kind", KINDS)
    label_values("reason", HIDE_REASONS)
