"""Feedback: the secretariat's reasoned response to every contribution or group, its
review and publication, the contribution matrix, and the authors told."""

from consulta.audit.changes import label_values
from consulta.consultations.models import Consultation
from consulta.contributions.signals import contribution_changed, list_extensions
from consulta.core.cache import forget_pages
from consulta.extensions import db
from consulta.moderation.signals import contribution_grouped, contribution_moderated

from .constants import OUTCOME_ICONS, OUTCOMES, STATUSES
from .notifications import tell_authors, tell_new_group_member
from .operations import refresh_answered_of
from .queries import list_extension
from .signals import response_published
from .views import bp


def _forget_pages(response, **_extra):
    """A published response shows on the consultation's public pages at once."""
    forget_pages(db.session.get(Consultation, response.consultation_id).slug)


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(OUTCOMES=OUTCOMES, OUTCOME_ICONS=OUTCOME_ICONS,
                                 RESPONSE_STATUSES=STATUSES)
    list_extensions.connect(list_extension)
    response_published.connect(tell_authors)
    response_published.connect(_forget_pages)
    contribution_grouped.connect(tell_new_group_member)
    # The stored "answered" follows a contribution into and out of groups (ungrouping
    # is a moderation; voiding takes a record out of its group).
    for signal in (contribution_grouped, contribution_moderated, contribution_changed):
        signal.connect(refresh_answered_of)
    label_values("outcome", OUTCOMES)
    label_values("status", STATUSES)
