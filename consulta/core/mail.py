"""E-mail through an outbox table.

Every message is first stored in ``outbox_messages`` in the same transaction as
the change that caused it, so nothing acknowledged is lost. After the commit it
is delivered (in a background thread unless MAIL_SEND_ASYNC is off): through
SMTP when MAIL_SERVER is set, otherwise written to the log. A failure is logged
and left for ``flask --app wsgi send-mail`` to retry, up to MAIL_MAX_ATTEMPTS
attempts in all; a message that fails its last attempt is "given up": logged at
error level, reported by ``send-mail`` (exit code 2), counted by /health and listed
on the administrators' outbox page, where it can be retried. Each message is claimed
with a conditional UPDATE before sending, so concurrent retries never send it
twice, and each run counts only what it claimed.
"""

import logging
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template, request
from flask_babel import force_locale
from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    and_,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
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
    #: Where the recipient stops these messages with one click (mail to followers):
    #: sent as the ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers (RFC 2369,
    #: RFC 8058), which large mailbox providers require of bulk mail.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))


def queue_mail(recipient, subject, template, *, user=None, locale=None, unsubscribe_url=None,
               **context):
    """Store a message in the outbox; it is delivered once the transaction commits.

    :param recipient: the address it goes to.
    :param subject: a (lazy) gettext string, rendered in ``locale``.
    :param template: name of ``templates/mail/<template>.txt``.
    :param user: the account the message is for, if any.
    :param locale: language of the message; defaults to the user's or Spanish.
    :param unsubscribe_url: the absolute URL that stops messages like this one, for mail
        sent to a list (followers): the template gets it too, and the message carries
        the one-click unsubscribe headers. The URL must accept a POST without a CSRF
        token (the mail client sends ``List-Unsubscribe=One-Click`` with no session).
    """
    locale = locale or (user.locale if user is not None else None) or "es"
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", user=user,
                               unsubscribe_url=unsubscribe_url, **context)
        # One line: a subject may carry a name people typed, and a header cannot hold a
        # line break (the message could never be sent).
        subject = " ".join(str(subject).split())
    message = OutboxMessage(
        recipient=recipient, user_id=user.id if user is not None else None,
        subject=subject[:300], body=body, unsubscribe_url=unsubscribe_url,
    )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault("outbox_new", []).append(message.id)
    return message


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint was released: the transaction, and the messages, go on
    ids = session.info.pop("outbox_new", None)
    if not ids:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return  # no app: `send-mail` will deliver them
    if app.config.get("MAIL_SEND_ASYNC"):
        _executor.submit(_deliver_in_thread, app, ids)
    else:
        deliver(ids)


#: A small bounded pool: a slow mail server delays mail, never requests or the DB pool.
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="consulta-mail")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    if session.in_nested_transaction():
        return  # only a savepoint: messages queued before it are still to be sent
    session.info.pop("outbox_new", None)


def after_response(job, *args):
    """Run ``job(*args)`` apart from the request, which answers without waiting for it:
    mail work whose cost would otherwise tell who has an account (a reset link is
    queued only for a known address). The job commits what it changes.

    With ``MAIL_SEND_ASYNC`` on (production) it runs in the mail threads, inside a
    request context for the same site address (links in the e-mail are absolute);
    off (tests), right away in this thread. Returns the future, or None.

    :param job: a function of ``args``.
    """
    app = current_app._get_current_object()
    if not app.config.get("MAIL_SEND_ASYNC"):
        job(*args)
        return None
    base_url = request.url_root

    def run():
        with app.test_request_context(base_url=base_url):
            try:
                job(*args)
            except Exception:  # the request has been answered: only the log can tell
                log.exception("mail: background job %s failed", getattr(job, "__name__", job))
                db.session.rollback()
            finally:
                db.session.remove()

    return _executor.submit(run)


def _deliver_in_thread(app, ids):
    with app.app_context():
        deliver(ids)


def deliver(ids):
    """Try to send the given messages now; return how many were sent.

    A message already sent, being sent by another worker, or out of attempts is left
    alone; a failure is logged and left for ``send-mail``.

    :param ids: ids of outbox messages.
    """
    return _deliver_all(ids).sent


@dataclass
class DeliveryReport:
    """What one delivery run did with the messages it was given, and what waits after it.

    Counts are this run's own: a message another run claimed first is ``taken``, never
    counted as sent or as waiting by this one.
    """
    sent: int = 0
    #: Failed this time, to be retried by a later run.
    failed: int = 0
    #: Failed for the last allowed time (MAIL_MAX_ATTEMPTS): nobody will retry them.
    gave_up: int = 0
    #: Claimed by another run (or already sent) before this one could.
    taken: int = 0
    #: After the run: messages waiting to be sent, in the whole outbox.
    waiting: int = 0
    #: After the run: messages given up, in the whole outbox (until staff retry them).
    given_up: int = 0


def _deliver_all(ids):
    report = DeliveryReport()
    for message_id in ids:
        try:
            outcome = _deliver_one(message_id)
        except Exception:  # never let mail break the caller
            log.exception("mail: unexpected error delivering message %s", message_id)
            outcome = "failed"
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _deliver_one(message_id):
    config = current_app.config
    if not config["MAIL_SERVER"] and config["CONSULTA_ENV"] == "production":
        return "taken"  # left in the outbox until a mail server is configured
    # Claim the message, copy it and let the connection go before talking to SMTP.
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
        message = session.get(OutboxMessage, message_id) if claimed else None
        if message is not None:
            session.expunge(message)
        session.commit()
    if message is None:
        return "taken"
    try:
        _send(message)
    except Exception as exc:  # SMTP errors, timeouts, refused connections
        _mark(message_id, status="failed", last_error=str(exc)[:500])
        if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            # Nobody retries it any more: say so loudly (cron mails errors; staff see it
            # on the outbox page and can retry it there).
            log.error("mail: gave up on message %s (%r) after %s attempts: %s",
                      message.id, message.subject, message.attempts, exc)
            return "gave_up"
        log.warning("mail: sending message %s failed (attempt %s of %s): %s",
                    message.id, message.attempts, config["MAIL_MAX_ATTEMPTS"], exc)
        return "failed"
    _mark(message_id, status="sent", sent_at=utcnow(), last_error=None)
    return "sent"


def _mark(message_id, **values):
    with Session(db.engine) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(**values))
        session.commit()


class _MailPolicy(EmailPolicy):
    """The standard policy, except that a ``List-Unsubscribe`` header is written on one
    line as it is: folded, the standard policy would turn a URL longer than a line into
    RFC 2047 encoded words, which no mail client reads as a URL."""

    _UNFOLDED = frozenset({"list-unsubscribe"})

    def _unfolded(self, name, value):
        return name.lower() in self._UNFOLDED and str(value).isascii()

    def fold(self, name, value):
        if self._unfolded(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if self._unfolded(name, value):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


_POLICY = _MailPolicy()


def build_message(message):
    """The e-mail as sent: plain text only, so what people wrote can never be markup.

    A message with an unsubscribe URL carries it as ``List-Unsubscribe`` with
    ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058): the mailbox's own
    "unsubscribe" button then POSTs to it, without opening the message."""
    config = current_app.config
    email = EmailMessage(policy=_POLICY)
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2]
                                     .strip("> ") or None)
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    return email


def _send(message):
    config = current_app.config
    if not config["MAIL_SERVER"]:
        log.info("mail to %s\nSubject: %s\n\n%s", message.recipient, message.subject,
                 message.body)
        return
    email = build_message(message)
    context = ssl.create_default_context()  # verify the server's certificate
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"],
                                timeout=config["MAIL_TIMEOUT"], context=context)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                            timeout=config["MAIL_TIMEOUT"])
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def waiting_condition():
    """Messages still to be sent: not sent, and with attempts left."""
    return or_(and_(OutboxMessage.status.in_(("pending", "failed")),
                    OutboxMessage.attempts < current_app.config["MAIL_MAX_ATTEMPTS"]),
               OutboxMessage.status == "sending")


def given_up_condition():
    """Messages nobody will retry: failed as many times as MAIL_MAX_ATTEMPTS allows."""
    return ((OutboxMessage.status == "failed")
            & (OutboxMessage.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]))


def outbox_backlog(session=None):
    """``{"waiting": n, "oldest_waiting": datetime or None, "given_up": n}``, for /health
    and the staff's outbox page."""
    session = session or db.session
    waiting, oldest = session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
        .where(waiting_condition())).one()
    given_up = session.scalar(select(func.count(OutboxMessage.id))
                              .where(given_up_condition()))
    return {"waiting": waiting, "oldest_waiting": oldest, "given_up": given_up}


def deliver_pending():
    """Retry every message not yet sent (the `send-mail` command). Returns a
    ``DeliveryReport``: this run's own counts, then what waits in the whole outbox.

    Sent messages older than MAIL_RETENTION_DAYS are deleted: they hold addresses and
    (expired) links that nobody needs any more.
    """
    now = utcnow()
    stale = now - STALE_CLAIM
    with Session(db.engine) as session:
        session.execute(delete(OutboxMessage).where(
            OutboxMessage.status == "sent",
            OutboxMessage.sent_at < now - timedelta(
                days=current_app.config["MAIL_RETENTION_DAYS"])))
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
    report = _deliver_all(ids)
    with Session(db.engine) as session:
        backlog = outbox_backlog(session)
    report.waiting, report.given_up = backlog["waiting"], backlog["given_up"]
    return report
