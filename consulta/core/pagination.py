import sqlalchemy as sa
from flask import request
from flask_sqlalchemy.pagination import Pagination, SelectPagination

from consulta.extensions import db

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
#: Public lists count their rows up to this many, then say "more than"; a filtered or
#: searched list, whose count has to test each row, up to FILTERED_COUNT_CAP (as
#: large search sites do: refine the search to see past it).
COUNT_CAP = 10_000
FILTERED_COUNT_CAP = 1_000


def paginate(query, per_page=DEFAULT_PER_PAGE, *, param="page", total=None):
    """Paginate a select() from the ``page`` query parameter (bad values give page 1).

    :param param: the query parameter holding the page number, for a page that shows
        two lists paged apart (each has its own).
    :param total: the number of rows when the page already knows it (counted with
        other figures), so that it is not counted again.
    """
    page = request.args.get(param, type=int) or 1
    pagination = db.paginate(query, page=max(page, 1), per_page=per_page,
                             max_per_page=MAX_PER_PAGE, error_out=False,
                             count=total is None)
    if total is not None:
        pagination.total = total
    return pagination


class RowPagination(SelectPagination):
    """A page of a select() of columns: the rows themselves, no ORM object hydrated; the
    total counted without the columns (a correlated count per row is never run to count
    the rows)."""

    def _query_items(self):
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())

    def _query_count(self):
        sub = self._query_args["select"].order_by(None).with_only_columns(
            sa.literal_column("1"), maintain_column_froms=True).subquery()
        return self._query_args["session"].execute(
            sa.select(sa.func.count()).select_from(sub)).scalar()


def paginate_rows(query, per_page=DEFAULT_PER_PAGE, *, param="page"):
    """As ``paginate``, for a select() of columns (a list that needs no ORM object).

    :param param: the query parameter holding the page number.
    """
    page = request.args.get(param, type=int) or 1
    return RowPagination(select=query, session=db.session(), page=max(page, 1),
                         per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False)


def paginate_ids(ids_query, load, per_page=DEFAULT_PER_PAGE, *, param="page"):
    """A page of objects found by a select() of their ids: the ids are sorted, paged and
    counted alone, then ``load(ids)`` fetches the page's objects (with their relations),
    kept in the ids' order. For a list whose order has no index: the database then sorts
    narrow rows instead of every row joined to what the page shows.

    :param ids_query: a select() of one id column, filtered and ordered.
    :param load: ``load(ids)`` → the objects with those ids (any order).
    :param param: the query parameter holding the page number.
    """
    page = paginate_rows(ids_query, per_page, param=param)
    ids = [row[0] for row in page.items]
    loaded = {item.id: item for item in load(ids)} if ids else {}
    page.items = [loaded[i] for i in ids if i in loaded]
    return page


class ListPagination(Pagination):
    """A page of a list already in memory (computed whole, such as the traceability of
    a final plan)."""

    def _query_items(self):
        items = self._query_args["items"]
        return items[self._query_offset:self._query_offset + self.per_page]

    def _query_count(self):
        return len(self._query_args["items"])


def paginate_list(items, per_page=DEFAULT_PER_PAGE, *, param="page"):
    """As ``paginate``, for a list (bad page numbers give page 1; past the end, empty).

    :param param: the query parameter holding the page number.
    """
    page = request.args.get(param, type=int) or 1
    return ListPagination(items=items, page=max(page, 1), per_page=per_page,
                          max_per_page=MAX_PER_PAGE, error_out=False)


class CountedPagination(Pagination):
    """A page of rows that carry their list's total (``count(*) OVER ()``): sorted,
    cut and counted in one query; only a page past the end counts apart."""

    def _query_items(self):
        self._rows = self._query_args["rows"](self._query_offset, self.per_page)
        return self._rows

    def _query_count(self):
        return self._rows[0].total if self._rows else self._query_args["count_apart"]()


def paginate_counted(rows, count_apart, per_page=DEFAULT_PER_PAGE, *, param="page"):
    """A page from ``rows(offset, limit)``, rows each with a ``total`` column (the
    whole list's count, by a window function); ``count_apart()`` counts when the page
    asked for is past the end (it has no rows to say it).

    :param param: the query parameter holding the page number.
    """
    page = request.args.get(param, type=int) or 1
    return CountedPagination(rows=rows, count_apart=count_apart, page=max(page, 1),
                             per_page=per_page, max_per_page=per_page, error_out=False)
