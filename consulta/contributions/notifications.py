"""E-mails about contributions, sent when the operations' signals say so."""

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from consulta.core.mail import queue_mail


def send_receipt(contribution, notify=True, **_extra):
    """The receipt of a web contribution: its tracking code and how to correct it."""
    author = contribution.author
    if not notify or author is None or not author.email:
        return
    queue_mail(author.email, _l("We received your contribution %(code)s",
                                code=contribution.tracking_code),
               "contribution_received", user=author, contribution=contribution,
               consultation=contribution.consultation,
               url=url_for("contributions.detail", code=contribution.tracking_code,
                           _external=True),
               edit_minutes=current_app.config["CONTRIBUTION_EDIT_MINUTES"])
