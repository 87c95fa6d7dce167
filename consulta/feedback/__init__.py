"""Feedback: the secretariat's reasoned response to every contribution or group, its
review and publication, the contribution matrix, and the authors told."""

from consulta.audit.changes import label_values
from consulta.contributions.signals import list_extensions
from consulta.moderation.signals import contribution_grouped

from .constants import OUTCOME_ICONS, OUTCOMES, STATUSES
from .notifications import tell_authors, tell_new_group_member
from .queries import list_extension
from .signals import response_published
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(OUTCOMES=OUTCOMES, OUTCOME_ICONS=OUTCOME_ICONS,
                                 RESPONSE_STATUSES=STATUSES)
    list_extensions.connect(list_extension)
    response_published.connect(tell_authors)
    contribution_grouped.connect(tell_new_group_member)
    label_values("outcome", OUTCOMES)
    label_values("status", STATUSES)
