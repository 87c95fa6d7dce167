"""E-mails to the author of a contribution that moderators hid or showed again."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from consulta.contributions.constants import HIDE_REASONS
from consulta.core.mail import queue_mail

from .queries import author_address


def _tell_author(contribution, *, hidden):
    recipient = author_address(contribution)
    if recipient is None:
        return
    author = contribution.author
    queue_mail(recipient,
               _l("Your contribution %(code)s was hidden", code=contribution.tracking_code)
               if hidden else
               _l("Your contribution %(code)s is visible again",
                  code=contribution.tracking_code),
               "contribution_hidden", user=author, contribution=contribution, hidden=hidden,
               reason=HIDE_REASONS.get(contribution.hidden_reason) if hidden else None,
               url=url_for("contributions.detail", code=contribution.tracking_code,
                           _external=True))


def tell_author_hidden(contribution, **_extra):
    """Receiver of ``contribution_hidden``."""
    _tell_author(contribution, hidden=True)


def tell_author_unhidden(contribution, **_extra):
    """Receiver of ``contribution_unhidden``."""
    _tell_author(contribution, hidden=False)
