"""E-mails to the authors of the contributions a response answers."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from consulta.core.mail import queue_mail


def answered_by(response):
    """The contributions whose answer ``response`` is (``Contribution.response``): its
    contribution, or the members of its group without a published answer of their own."""
    if response.contribution is not None:
        return [response.contribution]
    return [c for c in response.group.members if c.response is response]


def notify_authors(response, version, only=None):
    """E-mail every author whose contribution ``response`` answers (an account that
    accepts notifications, or the address of an offline contribution), once each;
    hidden contributions and voided records are left out.

    :param response: the response just published.
    :param version: its published version the e-mail tells about.
    :param only: tell only the authors of these contributions (default: every one it
        answers, see ``answered_by``).
    """
    sent = set()
    for contribution in only if only is not None else answered_by(response):
        if contribution.is_hidden or contribution.is_voided:
            continue
        author = contribution.author
        if author is not None:
            if not author.is_active or not author.email_notifications or not author.email:
                continue
            recipient = author.email
        else:
            recipient = contribution.author_email
        if not recipient or (recipient, contribution.id) in sent:
            continue
        sent.add((recipient, contribution.id))
        queue_mail(recipient,
                   _l("Your contribution %(code)s has been answered",
                      code=contribution.tracking_code) if version.number == 1 else
                   _l("The response to your contribution %(code)s was updated",
                      code=contribution.tracking_code),
                   "response_published", user=author, contribution=contribution,
                   version=version,
                   url=url_for("contributions.detail", code=contribution.tracking_code,
                               _external=True))


def _what_the_author_reads(version):
    return (version.outcome, version.justification, version.referred_to or "",
            sorted(c["number"] for c in version.incorporated_in or []))


def changes_nothing_told(version):
    """Whether ``version`` says exactly what the published version before it said (the
    same outcome, justification, entity and commitment numbers): an "updated" e-mail
    would then be news of nothing.

    :param version: a ``ResponseVersion`` just published.
    """
    earlier = [v for v in version.response.versions if v.number < version.number]
    return bool(earlier) and _what_the_author_reads(
        max(earlier, key=lambda v: v.number)) == _what_the_author_reads(version)


def tell_authors(response, version, notify=True, **_extra):
    """Receiver of ``response_published``: the authors are told, unless the new version
    changes nothing they would read."""
    if notify and not changes_nothing_told(version):
        notify_authors(response, version)


def tell_new_group_member(contribution, group, had_answer, **_extra):
    """Receiver of ``contribution_grouped``: a contribution that had no answer and joins a
    group answered publicly now has one (the group's); its author is told."""
    version = contribution.published_response
    if not had_answer and version is not None:
        notify_authors(contribution.response, version, only=[contribution])
