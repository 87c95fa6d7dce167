"""Operations of offline participation: a contribution recorded together with its
author, and the author without e-mail told of the answer. None commits."""

from flask_babel import lazy_gettext as _l

from consulta.audit.operations import record
from consulta.contributions.operations import record_offline_contribution
from consulta.contributions.queries import contribution_by_token
from consulta.core.dates import local_today, utcnow
from consulta.core.operations import OperationError


def record_assisted_contribution(consultation, *, facilitator, kind, channel, values,
                                 author_name, name_public, contact_channel=None,
                                 contact=None, author_email=None, sector=None, region=None,
                                 event_id=None, commitment_id=None, submission_token=None,
                                 received_outside_window=False):
    """A facilitator (or a moderator) records a contribution together with the person
    who makes it, at a service point, a workshop or on the phone: received today, with
    the person's name and their explicit answer about publishing it, and how they want
    to be told of the answer when they have no e-mail. Audited as typed in, and as
    recorded with the person. Returns the contribution (idempotent on
    ``submission_token``).

    :param consultation: the consultation, public.
    :param facilitator: the staff member recording it.
    :param kind: "proposal" or "comment".
    :param channel: how it came (``contributions.constants.OFFLINE_CHANNELS``).
    :param values: the proposal sheet (``contributions.operations.SHEET_FIELDS``) and
        ``component_id``.
    :param author_name: the person's name (required).
    :param name_public: True or False, the person's explicit answer (None: not asked,
        refused).
    :param contact_channel: "sms", "phone" or "post", or None.
    :param contact: the phone number or address for ``contact_channel``.
    :param author_email: the person's e-mail, if they have one.
    :param sector: the person's sector, if stated.
    :param region: the person's region, if stated.
    :param event_id: the event where it was recorded, if any.
    :param commitment_id: the commitment a comment is about.
    :param submission_token: the form's idempotency token.
    :param received_outside_window: today lies outside every window of the channel and
        the facilitator confirms it.
    """
    author_name = " ".join((author_name or "").split())
    if not author_name:
        raise OperationError(_l("Write the person's name."))
    if name_public not in (True, False):
        raise OperationError(_l("Ask the person whether their name may be published, and "
                                "record the answer."))
    existing = contribution_by_token(submission_token)
    if existing is not None:  # the same form sent twice: what the first one made
        return existing
    contribution = record_offline_contribution(
        consultation, moderator=facilitator, kind=kind, channel=channel, values=values,
        event_id=event_id, received_on=local_today(), author_name=author_name,
        author_name_public=name_public, author_email=author_email, sector=sector,
        region=region, commitment_id=commitment_id, submission_token=submission_token,
        received_outside_window=received_outside_window,
        author_contact_channel=contact_channel, author_contact=contact)
    record("contribution.recorded_with_person", contribution, actor=facilitator,
           consultation_id=consultation.id,
           after={"code": contribution.tracking_code, "name_public": bool(name_public),
                  "contact_channel": contribution.author_contact_channel})
    return contribution


def mark_author_told(contribution, *, actor):
    """The secretariat marks that the author without e-mail was told of the published
    response (by SMS, phone or letter): the day is kept and audited (not the number).

    :param contribution: a contribution whose author asked to be told, with a published
        response.
    :param actor: the member of the secretariat who told them (or saw it done).
    """
    if not contribution.author_contact_channel:
        raise OperationError(_l("The author of this contribution did not ask to be told by "
                                "SMS, phone or letter."))
    if contribution.published_response is None:
        raise OperationError(_l("This contribution has no published response yet."))
    before = contribution.author_told_at
    contribution.author_told_at = utcnow()
    contribution.author_told_by_id = actor.id
    record("contribution.author_told", contribution, actor=actor,
           consultation_id=contribution.consultation_id,
           before={"told_at": before.isoformat() if before else None},
           after={"told_at": contribution.author_told_at.isoformat(),
                  "channel": contribution.author_contact_channel})
