"""Suggest contributions that say the same thing, so grouping does not rely on memory.

Candidates come from the database's full-text index, then are ranked in Python by cosine
similarity of TF-IDF weighted Spanish stems (accents and stop words handled by
consulta.core.search).

On SQLite the candidates are the latest contributions that share any of the document's
main words, plus the latest that hold all of its most distinctive ones (of any age), read
with their stems from the index (``contributions_fts`` stores them): two index walks in
rowid order that stop when they have enough, so the cost does not grow with the
consultation. FTS5's ``bm25`` ranking, used before, counts every row holding each query
word to weigh it: 10–15 ms at 50,000 contributions, growing with them. On PostgreSQL
they are the latest that share any of its main words (one walk of the primary key).

Counting each candidate's stems was half of the Python work (400 candidates of some 50
stems each, every view): the counts are kept per worker by the candidate's indexed text
(``_stem_counts``), and the latest contributions are candidates of most pages.
"""

import math
import sys
from collections import Counter
from functools import cache
from itertools import chain

from flask import current_app
from sqlalchemy import bindparam, column, select, table, text
from sqlalchemy.orm import joinedload

from consulta.contributions.models import Contribution
from consulta.contributions.operations import search_document_for
from consulta.contributions.queries import is_visible
from consulta.core import search
from consulta.extensions import db

MAX_QUERY_TERMS = 16
#: PostgreSQL: the latest matches compared, at most.
MAX_CANDIDATES = 300
#: SQLite: the latest matches of any of the main words compared, at most...
RECENT_CANDIDATES = 250
#: ...and the latest holding all of the DISTINCTIVE_TERMS most distinctive words.
DISTINCTIVE_CANDIDATES = 150
DISTINCTIVE_TERMS = 3
MIN_SCORE = 0.08
#: How many candidates' stem counts a worker keeps (some 4 KB each); when full, the
#: older half is forgotten.
COUNTS_KEPT = 4000

_FTS = table(search.FTS_TABLE, column("rowid"), column("content"))


def _vector(document):
    return Counter(search.stems(document))


def _stem_counts(rows, stemmed):
    """``{id: {stem: count}}`` of candidate ``rows`` ``(id, text)``: their indexed stems
    (``stemmed``, SQLite) or stored search documents (PostgreSQL), counted once per worker.

    Kept by the text itself (an edited contribution has another text, so nothing is ever
    stale) for up to ``COUNTS_KEPT`` texts; the counts are shared between requests and
    never changed. Stems are interned: the same few thousand words in every count.
    """
    kept = current_app.extensions.setdefault("consulta_similarity_counts", {})
    vectors = {}
    for cid, text_value in rows:
        text_value = text_value or ""
        counts = kept.get((stemmed, text_value))
        if counts is None:
            words = text_value.split() if stemmed else search.stems_of_prepared(text_value)
            counts = Counter(map(sys.intern, words))
            if len(kept) >= COUNTS_KEPT:
                for key in list(kept)[:COUNTS_KEPT // 2]:  # list(): one step, no Python
                    kept.pop(key, None)                   # code runs while it copies
            kept[(stemmed, text_value)] = counts
        vectors[cid] = counts
    return vectors


def _fts_query(terms, operator):
    return f" {operator} ".join('"{}"'.format(t.replace('"', "")) for t in terms)


#: The latest visible contributions of a consultation matching an FTS5 query, with
#: their indexed stems: built once (each classification page asks it twice).
_INDEXED = (
    select(_FTS.c.rowid, _FTS.c.content)
    .join(Contribution, Contribution.id == _FTS.c.rowid)
    .where(text(f"{search.FTS_TABLE} MATCH :similar"),
           Contribution.consultation_id == bindparam("consultation"),
           Contribution.id != bindparam("contribution"), is_visible())
    .order_by(_FTS.c.rowid.desc()).limit(bindparam("limit")))


#: PostgreSQL: the latest visible contributions of a consultation matching a tsquery,
#: with their search documents, built once. The latest, as on SQLite: without an order,
#: the rows read were wherever a sequential scan began (PostgreSQL synchronizes the
#: scans of large tables), so each view of a page suggested others, and a scan could
#: walk most of the table (0.2 s); walking the primary key back stops at the limit.
_MATCHING = (
    select(Contribution.id, Contribution.search_document)
    .where(Contribution.consultation_id == bindparam("consultation"),
           Contribution.id != bindparam("contribution"), is_visible(),
           text("contributions.search_vector @@ to_tsquery('spanish', :similar)"))
    .order_by(Contribution.id.desc()).limit(bindparam("limit")))


@cache
def _suggested():
    """The suggested contributions with their groups (the page names them), built once
    (at the first call: loader options need every model mapped)."""
    return select(Contribution).where(
        Contribution.id.in_(bindparam("ids", expanding=True))).options(
        joinedload(Contribution.group))


def _indexed(contribution, terms, operator, limit):
    """``[(id, stems)]``: the latest visible contributions of the same consultation whose
    indexed stems match ``terms`` joined by ``operator`` ("OR", "AND")."""
    return db.session.execute(_INDEXED, {
        "similar": _fts_query(terms, operator), "consultation": contribution.consultation_id,
        "contribution": contribution.id, "limit": limit}).all()


def _candidates(contribution, vector, terms):
    """``{id: Counter of stems}`` of the contributions to compare ``contribution`` with."""
    session = db.session
    if search.is_postgresql(session):
        words = [w for w in search.prepare(" ".join(terms)).split() if w]
        if not words:
            return {}
        tsquery = " | ".join(f"'{w}'" for w in words if "'" not in w)
        rows = session.execute(_MATCHING, {
            "similar": tsquery, "consultation": contribution.consultation_id,
            "contribution": contribution.id, "limit": MAX_CANDIDATES}).all()
        return _stem_counts(rows, stemmed=False)
    recent = _indexed(contribution, terms, "OR", RECENT_CANDIDATES)
    vectors = _stem_counts(recent, stemmed=True)
    if len(recent) == RECENT_CANDIDATES:
        # More match than were read: older ones holding its most distinctive words too
        # (weighed by how rare they are among the recent ones).
        idf = _idf(vector, vectors.values())
        distinctive = sorted(vector, key=lambda t: (-vector[t] * idf[t], t))
        older = [(cid, stems) for cid, stems in _indexed(
            contribution, distinctive[:DISTINCTIVE_TERMS], "AND", DISTINCTIVE_CANDIDATES)
            if cid not in vectors]
        vectors.update(_stem_counts(older, stemmed=True))
    return vectors


def _idf(vector, others):
    """``{stem: inverse document frequency}`` among ``vector`` and ``others``."""
    others = list(others)
    frequency = Counter(vector.keys())
    frequency.update(chain.from_iterable(others))  # each count's stems, in one call
    documents = 1 + len(others)
    # A few hundred documents: the frequencies take a few dozen values, each logged once.
    logs = {n: math.log(1 + documents / n) for n in set(frequency.values())}
    return {t: logs[n] for t, n in frequency.items()}


def similar_contributions(contribution, limit=5):
    """Contributions of the same consultation that say much the same, most similar first.

    Hidden and withdrawn ones are left out. Candidates are compared through their
    indexed stems (SQLite) or stored search document (PostgreSQL); only the ``limit``
    best are loaded.

    :param contribution: the contribution to compare the others with.
    :param limit: how many to return at most.
    :return: ``[(contribution, score)]``, scores between 0 and 1.
    """
    vector = _vector(search_document_for(contribution))
    if not vector:
        return []
    # The distinctive words of this contribution are the query.
    terms = [term for term, _count in vector.most_common(MAX_QUERY_TERMS)]
    vectors = _candidates(contribution, vector, terms)
    if not vectors:
        return []
    idf = _idf(vector, vectors.values())
    target = {t: n * idf[t] for t, n in vector.items()}
    norm = math.sqrt(sum(w * w for w in target.values()))
    scored = []
    in_target = target.get
    for cid, other in vectors.items():
        dot = squares = 0.0
        for t, n in other.items():
            weight = n * idf[t]
            squares += weight * weight
            shared = in_target(t)
            if shared is not None:
                dot += shared * weight
        if not squares:
            continue
        score = dot / (norm * math.sqrt(squares))
        if score >= MIN_SCORE:
            scored.append((cid, round(score, 3)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    best = scored[:limit]
    loaded = {c.id: c for c in db.session.scalars(
        _suggested(), {"ids": [cid for cid, _s in best]})}
    return [(loaded[cid], score) for cid, score in best]
