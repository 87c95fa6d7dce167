from flask import Blueprint

bp = Blueprint("contributions", __name__)

from . import authors, offline, participate, public  # noqa: E402, F401  (routes register on bp)
