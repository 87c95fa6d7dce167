"""Suggest contributions that say the same thing, so grouping does not rely on memory.

Candidates come from the database's full-text index (any of the document's main
words), then are ranked in Python by cosine similarity of TF-IDF weighted Spanish
stems (accents and stop words handled by consulta.core.search).
"""

import math
from collections import Counter

from sqlalchemy import select, text
from sqlalchemy.orm import joinedload

from consulta.contributions.models import Contribution
from consulta.contributions.operations import search_document_for
from consulta.contributions.queries import is_visible
from consulta.core import search
from consulta.extensions import db

MAX_QUERY_TERMS = 16
MAX_CANDIDATES = 300
#: The matches ranked for candidates, at most (the latest ones; see ``_candidates``).
RANKED_MATCHES = 2000
MIN_SCORE = 0.08


def _vector(document):
    return Counter(search.stems(document))


def _candidates(contribution, terms):
    """``[(id, search_document)]`` of the best full-text candidates: two columns, no
    contribution loaded (only the few suggested are, once ranked)."""
    session = db.session
    base = (Contribution.consultation_id == contribution.consultation_id,
            Contribution.id != contribution.id, is_visible())
    columns = select(Contribution.id, Contribution.search_document)
    if search.is_postgresql(session):
        words = [w for w in search.prepare(" ".join(terms)).split() if w]
        if not words:
            return []
        tsquery = " | ".join(f"'{w}'" for w in words if "'" not in w)
        clause = text("contributions.search_vector @@ to_tsquery('spanish', :similar)") \
            .bindparams(similar=tsquery)
        return session.execute(columns.where(*base, clause).limit(MAX_CANDIDATES)).all()
    fts_query = " OR ".join('"{}"'.format(t.replace('"', "")) for t in terms)
    # Best-ranked candidates of this consultation only (others must not crowd them out),
    # ranked among its latest RANKED_MATCHES matches: common words match most of a
    # national consultation, and ranking every match cost 0.4 s at 50,000.
    matching = session.execute(
        text("SELECT m.id FROM (SELECT f.rowid AS id, f.rank AS rank "
             "FROM contributions_fts AS f JOIN contributions AS c ON c.id = f.rowid "
             "WHERE contributions_fts MATCH :q AND c.consultation_id = :consultation "
             "ORDER BY f.rowid DESC LIMIT :pool) AS m ORDER BY m.rank LIMIT :limit"),
        {"q": fts_query, "consultation": contribution.consultation_id,
         "pool": RANKED_MATCHES, "limit": MAX_CANDIDATES}).scalars().all()
    if not matching:
        return []
    return session.execute(columns.where(*base, Contribution.id.in_(matching))).all()


def similar_contributions(contribution, limit=5):
    """Contributions of the same consultation that say much the same, most similar first.

    Hidden and withdrawn ones are left out. Candidates are compared through their stored
    search document (already prepared: only stemmed, from a cache); only the ``limit``
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
    candidates = _candidates(contribution, terms)
    if not candidates:
        return []
    vectors = {cid: Counter(search.stems_of_prepared(document or ""))
               for cid, document in candidates}
    documents = len(vectors) + 1
    frequency = Counter()
    for v in [vector, *vectors.values()]:
        frequency.update(set(v))

    def weighted(v):
        return {t: n * math.log(1 + documents / frequency[t]) for t, n in v.items()}

    target = weighted(vector)
    norm = math.sqrt(sum(w * w for w in target.values()))
    scored = []
    for cid, other_vector in vectors.items():
        other = weighted(other_vector)
        other_norm = math.sqrt(sum(w * w for w in other.values()))
        if not other_norm:
            continue
        score = sum(w * other.get(t, 0) for t, w in target.items()) / (norm * other_norm)
        if score >= MIN_SCORE:
            scored.append((cid, round(score, 3)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    best = scored[:limit]
    loaded = {c.id: c for c in db.session.scalars(
        select(Contribution).where(Contribution.id.in_([cid for cid, _s in best]))
        .options(joinedload(Contribution.group)))}
    return [(loaded[cid], score) for cid, score in best]
