"""Consultations: their timeline, components, the versioned draft plan and its
commitments, and the events (workshops, work tables) held for them."""

from consulta.accounts.signals import entity_renamed
from consulta.audit.changes import label_values
from consulta.core.cache import forget_pages
from consulta.core.dates import utcnow
from consulta.core.signals import home_page

from .cli import import_plan_command
from .constants import CHANNELS, EVENT_KINDS, PRINCIPLES, SCOPES, STATUSES
from .models import commitment_anchor
from .queries import consultations_by_status
from .signals import consultation_changed
from .views import bp
from .views.entities import bp as entities_bp


def _forget_pages(consultation, **_extra):
    forget_pages(consultation.slug)


def _on_entity_renamed(entity, **_extra):
    """Its consultations display the entity's new name (frozen summaries keep theirs)."""
    from consulta.extensions import db

    from .models import Consultation

    for consultation in db.session.scalars(
            db.select(Consultation).where(Consultation.entity_id == entity.id)):
        consultation.organizer = entity.name
        forget_pages(consultation.slug)


def _on_the_home_page(_sender, **_extra):
    """The home page leads to the consultations open now, else to the next one."""
    now = utcnow()
    groups = consultations_by_status(now=now)
    return {"open_now": groups["open"],
            "coming": [(c, (c.next_window(now) or c).opens_at) for c in groups["announced"][:1]]}


def init_app(app):
    app.register_blueprint(bp)
    app.register_blueprint(entities_bp)
    home_page.connect(_on_the_home_page)
    app.jinja_env.globals.update(SCOPES=SCOPES, CHANNELS=CHANNELS, PRINCIPLES=PRINCIPLES,
                                 CONSULTATION_STATUSES=STATUSES, EVENT_KINDS=EVENT_KINDS,
                                 commitment_anchor=commitment_anchor)
    app.cli.add_command(import_plan_command)
    consultation_changed.connect(_forget_pages)
    entity_renamed.connect(_on_entity_renamed)
    label_values("channel", CHANNELS)
    label_values("principles", PRINCIPLES)
