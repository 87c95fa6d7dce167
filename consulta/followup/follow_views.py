"""Following a consultation or a commitment: the one-click button of an account, the
address form with its confirmation link, the unsubscribe page, and the account's list."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from consulta.consultations.models import Commitment, Consultation
from consulta.core.cache import keep_facts
from consulta.core.forms import ConfirmForm
from consulta.core.logs import clean, security_log
from consulta.core.mail import after_response
from consulta.core.permissions import login_required
from consulta.core.transaction import attempt
from consulta.extensions import csrf, db, limiter

from . import followers
from .follow_forms import FollowForm

bp = Blueprint("follow", __name__, url_prefix="/follow")


def _limit(name):
    return lambda: current_app.config[name]


def _address_key():
    """Rate-limit key for the address typed in the form (not the IP)."""
    return "follow:" + (request.form.get("email") or "").strip().lower()[:254]


def _consultation_or_404(slug):
    consultation = followers.followable_consultation(slug)
    if consultation is None:
        abort(404)
    return consultation


def _commitment_or_404(commitment_id):
    commitment = followers.followable_commitment(commitment_id)
    if commitment is None:
        abort(404)
    return commitment


def _request_follow_job(kind, target_id, email, locale):
    """Apart from the request (``after_response``): its cost says nothing of whether the
    address follows already."""
    target = db.session.get(Consultation if kind == "consultation" else Commitment, target_id)
    try:
        followers.request_follow(target, email=email, locale=locale)
        db.session.commit()
    except IntegrityError:
        # The same address asked twice at once: the other request saved it and sent the
        # message; this one has nothing to add.
        db.session.rollback()


def _follow_page(target, kind):
    form = FollowForm()
    if not current_user.is_authenticated and form.validate_on_submit():
        if form.website.data:
            security_log.info("follow honeypot filled from %s; dropped",
                              clean(request.remote_addr))
        else:
            after_response(_request_follow_job, kind, target.id, form.email.data,
                           str(get_locale()))
        return render_template("followup/follow/check_email.html", target=target,
                               is_consultation=followers.is_consultation(target),
                               target_url=followers.target_url(target, external=False))
    count, following = followers.box_state(
        target, current_user if current_user.is_authenticated else None)
    return render_template(
        "followup/follow/follow.html", form=form, target=target, kind=kind,
        is_consultation=followers.is_consultation(target), following=following,
        count=count,
        target_url=followers.target_url(target, external=False),
        title=followers.title_of(target))


def _account_button(target):
    """The one-click follow or stop of a logged-in account; back to what it follows."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if request.form.get("action") == "stop":
            with attempt(_("You no longer follow this.")):
                followers.stop_following(target, user=current_user)
        else:
            with attempt(_("You follow this now: you will receive an e-mail at each "
                           "novelty.")):
                followers.follow(target, user=current_user, locale=str(get_locale()))
    if request.form.get("back") == "mine":
        return redirect(url_for("follow.mine"))
    return redirect(followers.target_url(target, external=False))


@bp.route("/consultations/<slug>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_FOLLOW_IP"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_FOLLOW_ADDRESS"), key_func=_address_key, methods=["POST"])
def consultation(slug):
    return _follow_page(_consultation_or_404(slug), "consultation")


@bp.route("/commitments/<int:commitment_id>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_FOLLOW_IP"), methods=["POST"])
@limiter.limit(_limit("RATELIMIT_FOLLOW_ADDRESS"), key_func=_address_key, methods=["POST"])
def commitment(commitment_id):
    return _follow_page(_commitment_or_404(commitment_id), "commitment")


@bp.route("/consultations/<slug>/account", methods=["POST"])
@login_required
def consultation_account(slug):
    return _account_button(_consultation_or_404(slug))


@bp.route("/commitments/<int:commitment_id>/account", methods=["POST"])
@login_required
def commitment_account(commitment_id):
    return _account_button(_commitment_or_404(commitment_id))


@bp.route("/mine")
@login_required
def mine():
    follows = followers.follows_of(current_user)
    return render_template(
        "followup/follow/mine.html",
        follows=[{"follower": f, "target": followers.target_of(f),
                  "title": followers.title_of(followers.target_of(f)),
                  "is_consultation": f.consultation_id is not None,
                  "url": followers.target_url(followers.target_of(f), external=False)}
                 for f in follows])


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    try:
        follower = followers.follower_for_confirmation(token)
    except followers.ExpiredFollowToken:
        return render_template("followup/follow/bad_link.html", expired=True), 400
    except followers.InvalidFollowToken:
        return render_template("followup/follow/bad_link.html", expired=False), 400
    target = followers.target_of(follower)
    form = ConfirmForm()
    done = False
    if form.validate_on_submit():
        with attempt() as done:
            followers.confirm_follow(follower)
    return render_template("followup/follow/confirm.html", form=form, target=target,
                           title=followers.title_of(target), done=bool(done),
                           already=follower.is_confirmed and not done,
                           is_consultation=followers.is_consultation(target),
                           target_url=followers.target_url(target, external=False))


def _one_click():
    """The POST a mail client sends from its own "unsubscribe" button (RFC 8058)."""
    return request.method == "POST" and \
        request.form.get("List-Unsubscribe") == "One-Click"


@bp.route("/unsubscribe/<key>", methods=["GET", "POST"])
# The one-click POST comes from a mail client, with no session nor token: the key in the
# URL (a secret of 256 bits, written only in the follower's messages) is its proof. A
# browser's POST still needs the form's CSRF token (ConfirmForm checks its own).
@csrf.exempt
def unsubscribe(key):
    follower = followers.follower_by_key(key)
    if follower is None:
        return render_template("followup/follow/unsubscribe.html", unknown=True), 404
    target = followers.target_of(follower)
    title = followers.title_of(target)
    target_url = followers.target_url(target, external=False)
    form = ConfirmForm()
    if _one_click() or form.validate_on_submit():
        with attempt() as done:
            followers.unsubscribe(follower)
        if done:
            return render_template("followup/follow/unsubscribe.html", done=True,
                                   title=title, target_url=target_url)
    return render_template("followup/follow/unsubscribe.html", form=form, title=title,
                           target_url=target_url,
                           is_consultation=followers.is_consultation(target))


# --- the follow box other pages show (through their signals) ----------------------------

def follow_box(target, facts=None):
    """The "follow" box of ``target``: the count of followers and, for an account, the
    one-click button; for anyone else a link to the address form (the page stays the same
    for every anonymous visitor, so the page cache keeps it: no CSRF token in it).

    The count is kept with a page kept for participants (``keep_facts``; a follow that
    changes it forgets the consultation's pages): in that page's ``facts`` only whether
    this visitor follows is asked."""
    user = current_user if current_user.is_authenticated else None
    kind = "consultation" if followers.is_consultation(target) else "commitment"
    fact = f"followers:{kind}:{target.id}"
    if facts is not None and fact in facts:
        count, following = facts[fact], followers.follows(target, user)
    else:
        count, following = followers.box_state(target, user)
        keep_facts(**{fact: count})
    if kind == "consultation":
        page_url = url_for("follow.consultation", slug=target.slug)
        account_url = url_for("follow.consultation_account", slug=target.slug)
    else:
        page_url = url_for("follow.commitment", commitment_id=target.id)
        account_url = url_for("follow.commitment_account", commitment_id=target.id)
    # An autoescaped template's output: safe to mark as such.
    html = render_template(
        "followup/follow/_box.html", target=target, kind=kind, following=following,
        count=count, page_url=page_url, account_url=account_url)
    # Between personal markers: a page kept for participants keeps the rest of itself
    # and puts each visitor's own box in its place (core.cache).
    return Markup(f"<!--personal:follow-->{html}<!--/personal:follow-->")  # noqa: S704  # nosec B704


def box_on_the_consultation(consultation, facts=None, **_extra):
    """Receiver of ``consultation_personal``: ``follow_box`` (public consultations only);
    ``facts``: those kept with the page, when its personal parts are rendered into it."""
    if not consultation.is_public:
        return None
    return {"follow_box": follow_box(consultation, facts)}


def box_on_the_commitment(commitment, **_extra):
    """Receiver of ``followup.signals.commitment_page``."""
    return follow_box(commitment)


def box_on_the_tracking_page(final_plan, **_extra):
    """Receiver of ``followup.signals.tracking_page``: following the consultation (each
    commitment is followed from its own page)."""
    return follow_box(final_plan.consultation)


def box_on_the_report(report, **_extra):
    """Receiver of ``followup.signals.report_page``: following the report's commitment
    (to hear of the next ones)."""
    return follow_box(report.commitment)
