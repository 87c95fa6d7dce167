from flask import Blueprint

bp = Blueprint("consultations", __name__)

from . import manage, public  # noqa: E402, F401  (routes register on bp)
