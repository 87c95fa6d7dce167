from flask import request

from consulta.extensions import db

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def paginate(query, per_page=DEFAULT_PER_PAGE):
    """Paginate a select() from the ``page`` query parameter (bad values give page 1)."""
    page = request.args.get("page", type=int) or 1
    return db.paginate(query, page=max(page, 1), per_page=per_page, max_per_page=MAX_PER_PAGE,
                       error_out=False)
