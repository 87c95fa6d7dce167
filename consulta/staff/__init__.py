"""The staff's start page: what awaits moderators and the secretariat, by consultation."""

from .views import bp


def init_app(app):
    app.register_blueprint(bp)
