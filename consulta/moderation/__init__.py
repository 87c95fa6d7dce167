"""Moderation (systematization): classify, group, hide and mask contributions."""

from consulta.consultations.signals import consultation_page
from consulta.core.cache import cached_figures, forget_pages

from .notifications import tell_author_hidden, tell_author_unhidden
from .queries import moderation_counts
from .signals import (
    contribution_grouped,
    contribution_hidden,
    contribution_moderated,
    contribution_unhidden,
    group_saved,
)
from .views import bp


def _figures_on_the_consultation(consultation, **_extra):
    """A public consultation's page shows what was received, by state."""
    if not consultation.is_public:
        return None
    return {"figures": cached_figures("moderation", lambda: moderation_counts(consultation),
                                      scope=consultation.slug)}


def _forget_pages(contribution_or_group, **_extra):
    """What moderation does shows on the consultation's public pages at once."""
    forget_pages(contribution_or_group.consultation.slug)


def init_app(app):
    app.register_blueprint(bp)
    consultation_page.connect(_figures_on_the_consultation)
    contribution_hidden.connect(tell_author_hidden)
    contribution_unhidden.connect(tell_author_unhidden)
    for signal in (contribution_hidden, contribution_unhidden, contribution_grouped,
                   contribution_moderated, group_saved):
        signal.connect(_forget_pages)
