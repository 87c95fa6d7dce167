"""Full-text search with Spanish in mind, in the database's own engine.

Both databases see the same preprocessed document: words lower-cased, with a light
Spanish plural rule applied ("mujeres" → "mujer", "compromisos" → "compromiso"), so
that singular and plural match even where the Snowball stemmer treats them apart,
and accents removed, so that a query typed without them still matches.

- PostgreSQL keeps ``to_tsvector('spanish', search_document)`` in a stored generated
  column, ``search_vector``, with a GIN index (made by a migration; no model column):
  the Spanish configuration stems and drops stop words.
- SQLite keeps a FTS5 table (``contributions_fts``, rowid = contribution id) with the
  document stemmed in Python by the same Snowball Spanish stemmer and unaccented by
  FTS5's ``unicode61 remove_diacritics 2`` tokenizer.

A query is prepared the same way, so "participacion" finds "participación".
"""

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer
from sqlalchemy import ColumnElement, exists, func, literal_column, select, table, text
from sqlalchemy import column as table_column

WORD_RE = re.compile(r"\w+", re.UNICODE)
VOWELS = set("aeiouáéíóúü")
FTS_TABLE = "contributions_fts"
#: Above this many matches, a search walks the listing in page order (see match()).
DENSE_MATCHES = 2000
#: The newest rows of the index a search's density is estimated from (``_probe_pays``).
RECENT_ROWS = 1000
#: What probing one listed row for a match costs, over what setting one match aside
#: for the walk costs (``_probe_pays``): 23 µs and 0.12 µs on SQLite (FTS5, 50,000 rows).
PROBE_COST = 190
#: The fewest of the list's own rows among the newest ``RECENT_ROWS`` that estimate how
#: densely its walk meets matches; with fewer, a search does not probe.
PROBE_SAMPLE = 200
#: Words too common to help a search (PostgreSQL's Spanish configuration drops its own).
_STOP_WORDS_TEXT = (
    "a al algo ante con contra de del desde e el en entre es esta este esto la las le les lo "
    "los mas me mi muy ni no nos o os para pero por que se si sin sobre su sus te tu un una "
    "uno unos unas y ya")
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def _singular(word):
    """Strip a Spanish plural ending: países → país, mujeres → mujer, casas → casa.

    A singular ending in a stressed vowel and s (país, autobús) is left alone.
    """
    if len(word) > 4 and word.endswith("es") and (word[-3] in "íú" or word[-3] not in VOWELS):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and word[-2] in "aeiou":
        return word[:-1]
    return word


def prepare(text_value):
    """Lower-case, singular, unaccented words: what both databases index and search.

    Unaccented before the database sees it, so that "participacion" typed without
    accent meets "participación" (PostgreSQL's stemmer only knows the accented suffix).
    """
    return " ".join(_unaccent(_singular(w)) for w in WORD_RE.findall((text_value or "").lower()))


@lru_cache(maxsize=200_000)
def _unaccent(word):
    return "".join(ch for ch in unicodedata.normalize("NFKD", word)
                   if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=200_000)
def _stem(word):
    """One word's stem, remembered: a language has far fewer words than its texts."""
    return _stemmer().stemWord(word)


def stems(text_value):
    """Stemmed, unaccented, stop-word-free tokens (SQLite's FTS5 content and queries)."""
    return [_stem(w) for w in prepare(text_value).split() if w not in STOP_WORDS]


def stems_of_prepared(document):
    """``stems`` of a text already ``prepare``-d (a stored ``search_document``): the same
    tokens without preparing the text again, so comparing stored documents costs a
    split and cached stem lookups."""
    return [_stem(w) for w in document.split() if w not in STOP_WORDS]


def is_postgresql(session):
    return session.get_bind().dialect.name == "postgresql"


def index_document(session, row_id, document):
    """Keep SQLite's search index up to date for one row (call after insert or update).

    :param session: the session the row was written in.
    :param row_id: the contribution's id.
    :param document: the raw text (not ``prepare``-d: preparing twice is not idempotent).
    """
    if is_postgresql(session):
        return  # the expression index follows the column by itself
    session.execute(text("DELETE FROM contributions_fts WHERE rowid = :id"), {"id": row_id})
    session.execute(text("INSERT INTO contributions_fts (rowid, content) VALUES (:id, :content)"),
                    {"id": row_id, "content": " ".join(stems(document))})


class Match(NamedTuple):
    """How a search restricts a list (``match_for_page``): clauses built once per way of
    reading the matches (``way``), their values bound at execution (``values``)."""

    #: The WHERE clause of the page of rows listed.
    page: ColumnElement
    #: The WHERE clause of their count (the page's, unless the page probes its rows).
    count: ColumnElement
    #: SQLite: the matching rows of the index (a subquery with ``id``), to drive a count
    #: of rows filtered by nothing else from (``id + 0`` keeps it first); else None.
    rows: object
    #: How the matches are read: "postgresql", or on SQLite "ids", "walk" or "probe".
    way: str
    #: The values of the clauses' bound parameters.
    values: dict


#: The search index as a table, for a probe of one row (``match_for_page``).
_FTS = table(FTS_TABLE, table_column("rowid"))


def match(session, column, id_column, query_text):
    """A WHERE clause: rows whose document matches every word of ``query_text``.

    Returns None when the query has no searchable word.
    """
    found = match_for_page(session, id_column, query_text)
    return None if found is None else bound(found, id_column).page


def match_for_page(session, id_column, query_text, reach=None, scope=None):
    """How a search restricts a list whose page ends ``reach`` rows in: a ``Match``, or
    None when the query has no searchable word.

    On SQLite the page's clause is chosen by what the search matches: few matches are
    looked up by id; many are set aside and the listing is walked in page order until
    the page is full; when a walk meets a match in most rows it reads (a common word),
    each row read is probed for a match instead (``_probe_pays``), which stops with the
    page where setting the matches aside costs in proportion to them all (3.2 ms at
    50,000 rows, 1.1 probing). A count never probes: it reads past the page. How densely
    the walk meets matches is read from the list's own rows among the newest of the
    table (``scope``): a word common in another consultation and absent from this one
    would make a probe read every row of this one.

    :param session: the session.
    :param id_column: the listed rows' id (the index's rowid).
    :param query_text: what the visitor typed.
    :param reach: how many rows in the page ends (offset + page size); None: no probe.
    :param scope: ``(clause, values)``: the condition of the rows the list walks, built
        once, and the values of its bound parameters; None: no probe.
    """
    tokens = stems(query_text)
    if not tokens:  # nothing searchable (empty, or only words like "de la"): no filter
        return None
    if is_postgresql(session):
        return clauses_for(id_column, "postgresql")._replace(
            values={"pg_query": prepare(query_text)})
    # Each token quoted: nothing the user types is read as FTS5 syntax.
    values = {"fts_query": " ".join('"{}"'.format(token.replace('"', "")) for token in tokens)}
    # Counted up to one past the threshold: only which side of it matters (a common
    # word's 100,000 matches at 200,000 rows took 10 ms to count, now a constant 0.2);
    # with the matches among the newest rows and the newest id, which estimate how
    # densely a walk meets them.
    if reach is None or scope is None:
        found, recent, last = session.execute(_density(id_column), values).one()
        listed = listed_matches = 0
    else:
        found, recent, last, listed, listed_matches = session.execute(
            _density(id_column, scope[0]), {**scope[1], **values}).one()
    if found <= DENSE_MATCHES:
        way = "ids"
    elif listed >= PROBE_SAMPLE and _probe_pays(recent, last or 0, reach,
                                                 listed_matches / listed):
        way = "probe"
    else:
        way = "walk"
    return clauses_for(id_column, way)._replace(values=values)


#: The condition of a search on SQLite, its words bound at execution.
_MATCHED = text(f"{FTS_TABLE} MATCH :fts_query")


@lru_cache(maxsize=256)
def _density(id_column, scope=None):
    """The statement of ``match_for_page``'s facts on SQLite: the matches counted up to
    one past ``DENSE_MATCHES``, the matches among the newest ``RECENT_ROWS`` rows of the
    table, the newest id; with a ``scope``, the rows among those newest that it takes
    and how many of them match (each match of the newest looked up by id: at most
    ``RECENT_ROWS``). Built once per scope: its values are bound at execution."""
    newest = select(func.max(id_column)).scalar_subquery()
    facts = [
        select(func.count()).select_from(
            select(_FTS.c.rowid).where(_MATCHED).limit(DENSE_MATCHES + 1).subquery())
        .scalar_subquery(),
        select(func.count()).select_from(_FTS)
        .where(_MATCHED, _FTS.c.rowid > newest - RECENT_ROWS).scalar_subquery(),
        newest]
    if scope is not None:
        rows = id_column.expression.table
        recent = select(_FTS.c.rowid.label("id")).where(
            _MATCHED, _FTS.c.rowid > newest - RECENT_ROWS).subquery()
        facts += [
            select(func.count()).select_from(rows)
            .where(scope, id_column > newest - RECENT_ROWS).scalar_subquery(),
            select(func.count()).select_from(recent)
            .join(rows, id_column == recent.c.id + 0).where(scope).scalar_subquery()]
    return select(*facts)


@lru_cache(maxsize=64)
def clauses_for(id_column, way):
    """The clauses of a search read this way (a ``Match`` without values), built once:
    the statements made of them are then built once too, and found in SQLAlchemy's
    compiled cache without their keys computed again for each search."""
    return _clauses(id_column, way, {})


def bound(found, id_column):
    """The clauses of ``found`` (``match_for_page``) with their values in them, for a
    statement built for one request."""
    return _clauses(id_column, found.way, found.values)


def _clauses(id_column, way, values):
    if way == "postgresql":
        clause = text("contributions.search_vector @@ plainto_tsquery('spanish', :pg_query)")
        clause = clause.bindparams(**values) if values else clause
        return Match(clause, clause, None, way, values)
    matched = _MATCHED.bindparams(**values) if values else _MATCHED
    matching = select(_FTS.c.rowid).where(matched)
    rows = select(_FTS.c.rowid.label("id")).where(matched).subquery()
    if way == "ids":
        clause = id_column.in_(matching)
        return Match(clause, clause, rows, way, values)
    # A common word ("transparencia" in an open-government consultation) matches
    # a large share of the rows. Looking each match up by id and sorting them all
    # costs in proportion to the matches (135 ms at 50,000 rows); "id + 0" keeps
    # SQLite from driving the query by the id list, so it walks the listing index
    # in page order and stops after a page of matches (13 ms). Few matches keep
    # the id lookups, which then cost less than the walk.
    walk = (id_column + 0).in_(matching)
    if way == "probe":
        probe = exists(select(literal_column("1")).select_from(_FTS)
                       .where(matched, _FTS.c.rowid == id_column))
        return Match(probe, walk, rows, way, values)
    return Match(walk, walk, rows, way, values)


def _probe_pays(recent, last, reach, density):
    """Whether probing each row a walk reads costs less than setting every match aside.

    The walk meets matches at ``density`` (the share of the list's newest rows that
    match): probing reads ``reach / density`` rows at ``PROBE_COST`` each. Setting the
    matches aside costs one each: the newest rows' matches (``recent`` of
    ``RECENT_ROWS``) times the rows of the index (the newest id, ``last``). In one
    consultation, with ``d`` the density of both, probing pays when
    ``d² · last > reach · PROBE_COST``.
    """
    return density > 0 and reach * PROBE_COST * RECENT_ROWS < density * recent * last
