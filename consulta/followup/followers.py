"""Followers: people told of what happens to a consultation or to a commitment of the
final plan.

A consultation's followers hear of a new phase starting (``send-follow-notices``, from
cron), a change of its dates, the summary and the final plan; a commitment's followers
hear of each published progress report. One message per follower and event, in the
follower's language, each with a one-click unsubscribe link.

An account follows with one click. Anyone else gives an address and follows once its
owner opens the confirmation link (double opt-in: a signed token that expires; nothing
else is sent before). The form answers the same whatever the address: whether it
already follows is said only to the mailbox (a confirmation again, or "you already
follow this"), at most once an hour per follow, so the site cannot be used to flood a
stranger's mailbox or to learn who follows what.

Each message carries its unsubscribe link in its text and as the ``List-Unsubscribe``
and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` headers (RFC 2369, RFC 8058),
so the mailbox's own button stops the follow with one POST (see ``follow_views``).

None of the operations commits: the view or the command that calls them does.
"""

import hashlib
import hmac
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import click
from flask import current_app, has_request_context, url_for
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, delete, event, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from consulta.consultations.models import Commitment, Consultation, Phase, PlanVersion
from consulta.core.cache import forget_pages
from consulta.core.dates import local_today, utcnow
from consulta.core.mail import queue_mail
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.finalplan.models import FinalPlan

from .constants import MILESTONE_STATUSES
from .models import Follower, PhaseNotice

#: A confirmation (or "you already follow this") message goes at most this often per
#: follow, whatever the form receives.
CONFIRMATION_INTERVAL = timedelta(hours=1)
CONFIRM_SALT = "consulta.follow-confirm"
# --- what can be followed -------------------------------------------------------------

def followable_consultation(slug):
    """The public consultation ``slug``, or None (unknown or not announced)."""
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug,
                                                        Consultation.is_public))


def followable_commitment(commitment_id):
    """The commitment ``commitment_id`` if it belongs to a published final plan (of a
    public consultation), else None."""
    return db.session.scalar(
        select(Commitment)
        .join(FinalPlan, FinalPlan.plan_version_id == Commitment.plan_version_id)
        .join(Consultation, Consultation.id == FinalPlan.consultation_id)
        .where(Commitment.id == commitment_id, FinalPlan.published_at.is_not(None),
               Consultation.is_public))


def is_consultation(target):
    return isinstance(target, Consultation)


def consultation_of(target):
    return target if is_consultation(target) else target.plan_version.consultation


def _of_target(target):
    if is_consultation(target):
        return Follower.consultation_id == target.id
    return Follower.commitment_id == target.id


def _target_values(target):
    if is_consultation(target):
        return {"consultation_id": target.id}
    return {"commitment_id": target.id}


def target_of(follower):
    return follower.consultation or follower.commitment


def follower_count(target):
    """How many follow ``target`` (confirmed follows): the only thing shown publicly."""
    return db.session.scalar(select(func.count(Follower.id))
                             .where(_of_target(target), Follower.confirmed_at.is_not(None)))


def box_state(target, user=None):
    """(how many follow ``target``, whether the account ``user`` does), in one query."""
    confirmed = case((Follower.confirmed_at.is_not(None), 1), else_=0)
    theirs = case((Follower.user_id == user.id, 1), else_=0) if user is not None else 0
    count, mine = db.session.execute(
        select(func.coalesce(func.sum(confirmed), 0), func.coalesce(func.sum(theirs), 0))
        .where(_of_target(target))).one()
    return count, bool(mine)


def follows(target, user=None):
    """Whether the account ``user`` follows ``target`` (what ``box_state`` says of it)."""
    if user is None:
        return False
    return db.session.scalar(select(exists().where(_of_target(target),
                                                   Follower.user_id == user.id)))


def follow_of(target, user):
    """The follow of ``target`` by the account ``user``, or None."""
    return db.session.scalar(select(Follower).where(_of_target(target),
                                                    Follower.user_id == user.id))


def follows_of(user):
    """The account's follows, oldest first."""
    return db.session.scalars(
        select(Follower).where(Follower.user_id == user.id).order_by(Follower.id)
        .options(selectinload(Follower.consultation),
                 selectinload(Follower.commitment).selectinload(Commitment.plan_version)
                 .selectinload(PlanVersion.consultation))).all()


def follower_by_key(key):
    """The follow whose unsubscribe link holds ``key``, or None."""
    if not key or len(key) > 64:
        return None
    return db.session.scalar(select(Follower).where(Follower.unsubscribe_key == key))


def _new_key():
    return secrets.token_urlsafe(32)


def _forget_pages_of(target):
    forget_pages(consultation_of(target).slug)


# --- following ------------------------------------------------------------------------

def follow(target, *, user, locale=None):
    """The account ``user`` follows ``target`` (a public consultation, or a commitment of a
    published final plan), at once. Refused when it already does.

    :param target: a ``Consultation`` or a ``Commitment``.
    :param user: the logged-in account.
    :param locale: the language of the page, for the messages while the account chooses
        none (its own setting wins).
    """
    if follow_of(target, user) is not None:
        raise OperationError(_l("You already follow this."))
    now = utcnow()
    follower = Follower(**_target_values(target), user_id=user.id,
                        locale=user.locale or locale or "es", created_at=now,
                        confirmed_at=now,
                        unsubscribe_key=_new_key())
    db.session.add(follower)
    db.session.flush()
    _forget_pages_of(target)  # the count of followers changed
    return follower


def stop_following(target, *, user):
    """The account ``user`` no longer follows ``target``. Refused when it did not.

    :param target: a ``Consultation`` or a ``Commitment``.
    :param user: the logged-in account.
    """
    follower = follow_of(target, user)
    if follower is None:
        raise OperationError(_l("You do not follow this."))
    unsubscribe(follower)


def request_follow(target, *, email, locale):
    """Someone without an account asks that ``email`` follow ``target``.

    A new address gets a confirmation message (nothing else is sent to it until it is
    confirmed). An address already asking or following gets, at most once an hour, the
    confirmation again or a message saying that it already follows. The caller answers
    the same whatever happened: the page never tells whether an address follows.

    :param target: a ``Consultation`` or a ``Commitment``.
    :param email: the address typed (already checked as an address).
    :param locale: the language of the page, for the messages.
    :return: what happened, for tests and logs: ``"confirmation_sent"``,
        ``"already_following_sent"`` or ``"nothing_sent"``.
    """
    email = email.strip().lower()
    now = utcnow()
    follower = db.session.scalar(select(Follower).where(_of_target(target),
                                                        Follower.email == email))
    if follower is None:
        follower = Follower(**_target_values(target), email=email, locale=locale,
                            created_at=now, confirmation_sent_at=now,
                            unsubscribe_key=_new_key())
        db.session.add(follower)
        db.session.flush()
        _send_confirmation(follower, target)
        return "confirmation_sent"
    if follower.confirmation_sent_at is not None and \
            now - follower.confirmation_sent_at < CONFIRMATION_INTERVAL:
        return "nothing_sent"
    follower.confirmation_sent_at = now
    if follower.is_confirmed:
        # The language stays the one its owner confirmed: a stranger does not choose it.
        _queue(follower, target, _l('You already follow "%(title)s"', title=title_of(target)),
               "follow_already")
        return "already_following_sent"
    follower.locale = locale
    _send_confirmation(follower, target)
    return "confirmation_sent"


def confirm_follow(follower):
    """The owner of the address confirmed: from now on it is told. False if it already
    was.

    :param follower: the follow named by the confirmation link.
    """
    if follower.is_confirmed:
        return False
    follower.confirmed_at = utcnow()
    _forget_pages_of(target_of(follower))
    return True


def unsubscribe(follower):
    """Stop the follow (its row goes: nothing is kept of the address).

    :param follower: the follow named by an unsubscribe link or the account's button.
    """
    target = target_of(follower)
    db.session.delete(follower)
    db.session.flush()
    _forget_pages_of(target)


def purge_unconfirmed(now=None):
    """Delete the follows never confirmed whose last link has expired; returns how many."""
    now = now or utcnow()
    age = timedelta(seconds=current_app.config["FOLLOW_CONFIRMATION_MAX_AGE"])
    return db.session.execute(delete(Follower).where(
        Follower.confirmed_at.is_(None), Follower.confirmation_sent_at < now - age)).rowcount


# --- confirmation links -----------------------------------------------------------------

class InvalidFollowToken(Exception):
    """The link was changed, is for something else, or its follow is gone."""


class ExpiredFollowToken(InvalidFollowToken):
    pass


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def _fingerprint(value):
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_confirmation_token(follower):
    # Bound to the follow's key: a follow stopped and asked again gets a new key, and the
    # old link does not confirm it.
    return _serializer().dumps({"f": follower.id, "k": _fingerprint(follower.unsubscribe_key)})


def follower_for_confirmation(token):
    """The follow a confirmation link names; ``ExpiredFollowToken`` or
    ``InvalidFollowToken`` otherwise."""
    try:
        data = _serializer().loads(token, max_age=current_app.config[
            "FOLLOW_CONFIRMATION_MAX_AGE"])
    except SignatureExpired as exc:
        raise ExpiredFollowToken() from exc
    except BadSignature as exc:
        raise InvalidFollowToken() from exc
    if not isinstance(data, dict) or not isinstance(data.get("f"), int) \
            or not isinstance(data.get("k"), str):
        raise InvalidFollowToken()
    follower = db.session.get(Follower, data["f"])
    if follower is None or not hmac.compare_digest(
            data["k"], _fingerprint(follower.unsubscribe_key)):
        raise InvalidFollowToken()
    return follower


# --- messages ---------------------------------------------------------------------------

def site_url():
    """The site's address for links queued outside a request."""
    config = current_app.config
    if config.get("FOLLOW_SITE_URL"):
        return config["FOLLOW_SITE_URL"]
    hosts = config.get("TRUSTED_HOSTS") or ["localhost"]
    return f"{config.get('PREFERRED_URL_SCHEME', 'http')}://{hosts[0]}/"


@contextmanager
def links(base_url=None):
    """A request context for absolute links, unless one is there already."""
    if has_request_context() and base_url is None:
        yield
        return
    with current_app.test_request_context(base_url=base_url or site_url()):
        yield


def title_of(target):
    if is_consultation(target):
        return target.title
    return f"{target.number}. {target.title}"


def target_url(target, *, external=True):
    """The public page of what is followed: the consultation's, or the commitment's
    follow-up page (its progress and reports, where its follow box is)."""
    consultation = consultation_of(target)
    if is_consultation(target):
        return url_for("consultations.detail", slug=consultation.slug, _external=external)
    return url_for("followup.commitment", slug=consultation.slug, commitment_id=target.id,
                   _external=external)


def _recipient(follower):
    """(address, account, language) to write to, or None (an account deleted, without a
    confirmed address)."""
    user = follower.user
    if user is None:
        return follower.email, None, follower.locale
    if not user.is_active or not user.email or not user.is_confirmed:
        return None
    return user.email, user, user.locale or follower.locale


def _queue(follower, target, subject, template, **context):
    found = _recipient(follower)
    if found is None:
        return None
    address, user, locale = found
    with links():
        return queue_mail(
            address, subject, template, user=user, locale=locale, follower=follower,
            target=target, target_title=title_of(target),
            is_consultation=is_consultation(target),
            consultation=consultation_of(target), target_url=target_url(target),
            unsubscribe_url=url_for("follow.unsubscribe", key=follower.unsubscribe_key,
                                    _external=True), **context)


def _send_confirmation(follower, target):
    with links():
        confirm_url = url_for("follow.confirm", token=make_confirmation_token(follower),
                              _external=True)
    _queue(follower, target, _l('Confirm that you want to follow "%(title)s"',
                                title=title_of(target)),
           "follow_confirm", confirm_url=confirm_url,
           max_age_hours=max(1, current_app.config["FOLLOW_CONFIRMATION_MAX_AGE"] // 3600))


def tell_followers(target, subject, template, *, skip=(), **context):
    """Queue one message per confirmed follower of ``target`` (one per address, when an
    address follows both with its account and without); returns how many.

    :param target: a ``Consultation`` or a ``Commitment``.
    :param subject: a lazy string, rendered in each follower's language.
    :param template: ``templates/mail/<template>.txt``; it gets the follower, the target,
        its URL, the unsubscribe URL and ``context``.
    :param skip: addresses (lower-cased) told of the same news another way.
    """
    followers = db.session.scalars(
        select(Follower).where(_of_target(target), Follower.confirmed_at.is_not(None))
        .order_by(Follower.id).options(selectinload(Follower.user))).all()
    told = set(skip)
    for follower in followers:
        found = _recipient(follower)
        if found is None or found[0].lower() in told:
            continue
        told.add(found[0].lower())
        _queue(follower, target, subject, template, **context)
    return len(told) - len(set(skip))


# --- what followers are told of (receivers) ----------------------------------------------

def tell_report_published(report, **_extra):
    """Receiver of ``followup.signals.report_published``: the commitment's followers."""
    commitment = report.commitment
    with links():
        report_url = url_for("followup.report", slug=consultation_of(commitment).slug,
                             report_id=report.id, _external=True)
    return tell_followers(
        commitment, _l('New progress report on "%(title)s"', title=title_of(commitment)),
        "follow_report_published", report=report, commitment=commitment,
        statuses=MILESTONE_STATUSES, report_url=report_url)


def tell_summary_published(snapshot, **_extra):
    """Receiver of ``summary.signals.summary_published``: the consultation's followers."""
    consultation = snapshot.consultation
    subject = (_l('The summary of "%(title)s" is published', title=consultation.title)
               if snapshot.version == 1 else
               _l('A new version of the summary of "%(title)s" is published',
                  title=consultation.title))
    return tell_followers(consultation, subject, "follow_summary_published",
                          snapshot=snapshot)


def tell_final_plan_published(final_plan, notify=True, told=(), **_extra):
    """Receiver of ``finalplan.signals.final_plan_published``: the consultation's
    followers, unless nobody is told of that plan (one of the past); not those ``told``
    already, as contributors, what became of their contributions (one message each)."""
    if not notify:
        return 0
    consultation = final_plan.consultation
    return tell_followers(
        consultation, _l('The final plan of "%(title)s" is published', title=consultation.title),
        "follow_final_plan_published", skip={address.lower() for address in told},
        final_plan=final_plan)


#: Consultations whose dates changed in the current transaction: {id: [reasons]}. Told
#: once, when it commits (a change of both opening and closing is one message).
_DATES_CHANGED = "follow_dates_changed"


def note_dates_changed(consultation, reason="", **_extra):
    """Receiver of ``consultations.signals.dates_changed``."""
    reasons = db.session.info.setdefault(_DATES_CHANGED, {}).setdefault(consultation.id, [])
    if reason and reason not in reasons:
        reasons.append(reason)


@event.listens_for(Session, "before_commit")
def _tell_dates_changed(session):
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_DATES_CHANGED, None)
    for consultation_id, reasons in (pending or {}).items():
        consultation = session.get(Consultation, consultation_id)
        tell_followers(consultation, _l('The dates of "%(title)s" have changed',
                                        title=consultation.title),
                       "follow_dates_changed", reasons=reasons,
                       windows=sorted(consultation.windows, key=lambda w: (w.opens_at, w.id)))


@event.listens_for(Session, "after_rollback")
def _forget_dates_changed(session):
    if not session.in_nested_transaction():
        session.info.pop(_DATES_CHANGED, None)


@dataclass
class NoticeReport:
    phases: int = 0
    messages: int = 0
    purged: int = 0


def phases_to_tell(today=None):
    """The phases of public consultations (not recorded after the fact) that have
    started, in the last ``FOLLOW_PHASE_NOTICE_DAYS`` days, and were not told yet."""
    today = today or local_today()
    since = today - timedelta(days=current_app.config["FOLLOW_PHASE_NOTICE_DAYS"])
    return db.session.scalars(
        select(Phase).join(Consultation, Consultation.id == Phase.consultation_id)
        .where(Consultation.is_public, Consultation.recorded_after_at.is_(None),
               Phase.starts_on <= today, Phase.starts_on > since,
               ~exists().where(PhaseNotice.phase_id == Phase.id))
        .order_by(Phase.starts_on, Phase.id)).all()


def send_follow_notices(today=None):
    """What ``send-follow-notices`` does: tell the followers of each consultation whose
    phase started since the last run (each start once, remembered in
    ``PhaseNotice``), and forget the follows never confirmed whose link expired.

    :param today: the local day (default: today).
    :return: a ``NoticeReport``.
    """
    report = NoticeReport()
    for phase in phases_to_tell(today):
        consultation = phase.consultation
        told = tell_followers(consultation, _l('"%(title)s": the phase "%(phase)s" begins',
                                               title=consultation.title, phase=phase.name),
                              "follow_phase_started", phase=phase)
        db.session.add(PhaseNotice(phase_id=phase.id, starts_on=phase.starts_on, told=told))
        report.phases += 1
        report.messages += told
    db.session.flush()
    report.purged = purge_unconfirmed()
    return report


# --- personal data --------------------------------------------------------------------

def _theirs(user_id, email):
    condition = Follower.user_id == user_id
    if email:
        condition = or_(condition, Follower.email == email.strip().lower())
    return condition


def follows_in_export(user, **_extra):
    """Receiver of ``accounts.signals.data_export``: the account's follows, and those of
    its address made without logging in."""
    followers = db.session.scalars(select(Follower).where(_theirs(user.id, user.email))
                                   .order_by(Follower.id)).all()
    return {"follows": [{
        "consultation": consultation_of(target_of(f)).slug,
        "commitment": (None if f.commitment is None else
                       {"number": f.commitment.number, "title": f.commitment.title}),
        "with": "account" if f.user_id else "address",
        "email": f.email,
        "language": f.locale,
        "created_at": f.created_at.isoformat(),
        "confirmed_at": f.confirmed_at.isoformat() if f.confirmed_at else None,
    } for f in followers]}


def erase_follows(user, email=None, **_extra):
    """Receiver of ``accounts.signals.account_erased``: the account's follows go, and
    those of the address it had."""
    db.session.execute(delete(Follower).where(_theirs(user.id, email)))


# --- the command ------------------------------------------------------------------------

@click.command("send-follow-notices")
@click.option("--base-url", default=None,
              help="The site's address for links in the messages (default: FOLLOW_SITE_URL, "
                   "else PREFERRED_URL_SCHEME and the first of TRUSTED_HOSTS).")
@with_appcontext
def send_follow_notices_command(base_url):
    """Tell the followers of each consultation whose phase started since the last run
    (each start once), and forget follows never confirmed whose link expired. Run it from
    cron, for example every hour, next to send-mail."""
    with links(base_url or site_url()):
        report = send_follow_notices()
        db.session.commit()
    click.echo(f"{report.phases} phase start(s) told in {report.messages} message(s); "
               f"{report.purged} unconfirmed follow(s) forgotten.")
