"""E-mail through an outbox table.

Every message is first stored in ``outbox_messages`` in the same transaction as
the change that caused it, so nothing acknowledged is lost. After the commit it
is delivered (in a background thread unless MAIL_SEND_ASYNC is off): through
SMTP when MAIL_SERVER is set, otherwise written to the log. A failure is logged
and left for ``flask --app wsgi send-mail`` to retry. Each message is claimed
with a conditional UPDATE before sending, so concurrent retries never send it
twice.
"""

import logging
import smtplib
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import ForeignKey, Integer, String, Text, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from consulta.core.dates import utcnow
from consulta.core.models import UTCDateTime, enum_check
from consulta.extensions import db

log = logging.getLogger(__name__)

STATUSES = ("pending", "sending", "sent", "failed")
#: A message stuck in "sending" this long (worker killed mid-send) may be retried.
STALE_CLAIM = timedelta(minutes=15)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (enum_check("status", STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    #: The account the message is for, if any (its messages go when the account is deleted).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def queue_mail(recipient, subject, template, *, user=None, locale=None, **context):
    """Store a message in the outbox; it is delivered once the transaction commits.

    :param subject: a (lazy) gettext string, rendered in ``locale``.
    :param template: name of ``templates/mail/<template>.txt``.
    :param user: the account the message is for, if any.
    :param locale: language of the message; defaults to the user's or Spanish.
    """
    locale = locale or (user.locale if user is not None else None) or "es"
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", user=user, **context)
        subject = str(subject)
    message = OutboxMessage(
        recipient=recipient, user_id=user.id if user is not None else None,
        subject=subject[:300], body=body,
    )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault("outbox_new", []).append(message.id)
    return message


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session):
    ids = session.info.pop("outbox_new", None)
    if not ids:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return  # no app: `send-mail` will deliver them
    if app.config.get("MAIL_SEND_ASYNC"):
        thread = threading.Thread(target=_deliver_in_thread, args=(app, ids), daemon=True)
        thread.start()
    else:
        deliver(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop("outbox_new", None)


def _deliver_in_thread(app, ids):
    with app.app_context():
        deliver(ids)


def deliver(ids):
    """Try to send the given messages now; return how many were sent."""
    sent = 0
    for message_id in ids:
        try:
            sent += _deliver_one(message_id)
        except Exception:  # never let mail break the caller
            log.exception("mail: unexpected error delivering message %s", message_id)
    return sent


def _deliver_one(message_id):
    config = current_app.config
    with Session(db.engine) as session:
        claimed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status.in_(("pending", "failed")),
                OutboxMessage.attempts < config["MAIL_MAX_ATTEMPTS"],
            )
            .values(status="sending", claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        ).rowcount
        session.commit()
        if not claimed:
            return 0
        message = session.get(OutboxMessage, message_id)
        try:
            _send(message)
        except Exception as exc:  # SMTP errors, timeouts, refused connections
            log.warning("mail: sending message %s failed (attempt %s): %s",
                        message.id, message.attempts, exc)
            message.status = "failed"
            message.last_error = str(exc)[:500]
            session.commit()
            return 0
        message.status = "sent"
        message.sent_at = utcnow()
        message.last_error = None
        session.commit()
        return 1


def _send(message):
    config = current_app.config
    if not config["MAIL_SERVER"]:
        if config["CONSULTA_ENV"] == "production":
            log.info("mail (no MAIL_SERVER set) to message %s: %s", message.id, message.subject)
        else:
            log.info("mail to %s\nSubject: %s\n\n%s", message.recipient, message.subject,
                     message.body)
        return
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2]
                                     .strip("> ") or None)
    email.set_content(message.body)
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                    timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def deliver_pending():
    """Retry every message not yet sent (the `send-mail` command). Returns (sent, left)."""
    stale = utcnow() - STALE_CLAIM
    with Session(db.engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < stale)
            .values(status="failed", last_error="claim expired (worker stopped while sending)")
        )
        session.commit()
        ids = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status.in_(("pending", "failed")),
                   OutboxMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"])
            .order_by(OutboxMessage.id)
        ).all()
    sent = deliver(ids)
    return sent, len(ids) - sent
