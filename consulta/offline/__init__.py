"""Offline participation: taking part without internet or e-mail.

Moderators import what arrived on paper from a spreadsheet; facilitators record a
contribution together with the person making it and print their receipt; anyone
follows a contribution by its tracking code at /track; the secretariat sees whom to
tell of a published response by SMS, phone or letter; workshops print the draft plan,
a blank proposal sheet and how to take part.
"""

from consulta.contributions.constants import CONTACT_CHANNELS

from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(CONTACT_CHANNELS=CONTACT_CHANNELS)
