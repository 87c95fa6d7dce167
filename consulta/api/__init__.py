"""The read-only open-data API under /api/v1/, described by its OpenAPI document."""

from .views import bp


def init_app(app):
    app.register_blueprint(bp)
