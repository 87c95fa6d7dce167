from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import admin, auth, organizations, profile  # noqa: E402, F401  (routes register on bp)
