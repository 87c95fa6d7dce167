"""The digest that seals a published summary: SHA-256 over canonical JSON.

One definition, used to seal a version as it is written (``operations.publish_summary``)
and to verify it later from what is stored (``queries.recompute_digest``). How it is
computed is public (``/summary/digest``, and the README):

1. each field of a row that may hold personal data (``SEALED_FIELDS``) has a salt,
   SHA-256 of the row's random salt, ":" and the field's name, and a leaf, SHA-256 of
   that salt followed by the field's canonical JSON (sorted keys, no spaces, UTF-8);
2. each row's digest: SHA-256 of the row's canonical JSON with those fields replaced
   by their leaves;
3. the version's digest: SHA-256 of the content's canonical JSON, then for each row
   in order a line break and its digest (64 hex characters).

When a field of a row is redacted (``redaction.py``), the row loses its salt and
publishes instead the salts of its other fields and the leaves of the redacted ones
(its "seal"): anyone can still recompute the row's digest as published, so every field
not redacted, in every row, is checked; nobody can confirm a guess of what was
redacted (its leaf's salt is never published).
"""

import functools
import hashlib
import json
import operator
import secrets
from json.encoder import encode_basestring

_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(data):
    """The canonical JSON text of ``data``: sorted keys, no spaces, UTF-8 kept as is.

    :param data: a JSON-ready value (the content of a summary, or one of its rows).
    """
    return _CANONICAL.encode(data)


#: The fields of a row that may hold personal data, and may be redacted: each enters
#: the row's digest through a salted digest of its own ("leaf"), so that one can be
#: redacted while the others are still checked.
SEALED_FIELDS = ("author", "organization", "title", "text", "justification",
                 "referred_to")


def new_salt():
    """A random salt for a row's digest (128 bits, hex)."""
    return secrets.token_hex(16)


def field_salt(salt, field):
    """The salt of one field of a row: SHA-256 of the row's salt, a colon and the
    field's name (hex). Given for a field once its row is redacted; it reveals neither
    the row's salt nor another field's.

    :param salt: the row's salt.
    :param field: a name of ``SEALED_FIELDS``.
    """
    return hashlib.sha256(f"{salt}:{field}".encode()).hexdigest()


def leaf(salt_of_field, value):
    """The digest of one field's value: SHA-256 of its salt and its canonical JSON."""
    return hashlib.sha256((salt_of_field + canonical(value)).encode()).hexdigest()


def _sealed_digest(row, leaves):
    sealed = {**row, **{f: leaves[f] for f in SEALED_FIELDS if f in row}}
    return hashlib.sha256(canonical(sealed).encode()).hexdigest()


def row_digest(salt, row):
    """The hex digest of one row: SHA-256 of the row's canonical JSON with each field of
    ``SEALED_FIELDS`` replaced by its leaf (``leaf(field_salt(salt, field), value)``).

    :param salt: the row's salt (hex text).
    :param row: the row (a dict) as published.
    """
    return sealed_row(salt, row)[1]


def sealed_row(salt, row):
    """The row's canonical JSON and its digest (``row_digest``), each value encoded once
    (``row_sealer``).

    :param salt: the row's salt (hex text).
    :param row: the row (a dict) as published.
    :return: ``(canonical JSON text, hex digest)``.
    """
    return row_sealer(tuple(row))(salt, tuple(row.values()))


@functools.lru_cache(maxsize=64)
def row_sealer(keys):
    """A function ``(salt, values) -> (canonical JSON text, hex digest)`` for rows with
    these keys, their values given in the same order: what ``canonical`` and the
    definition of ``row_digest`` give for the dict of those keys and values (the tests
    compare them with it). Every row of a matrix has the same keys: one sealer for all.

    Built from the canonical text of each value: a dict's canonical JSON is ``{`` +
    ``"key":value`` for each key in sorted order, joined by commas, + ``}``; the keys
    are written once into a template, and each value is encoded once for both the row's
    text and its sealed text. Encoding every row twice and each sealed field a third
    time, through the encoder's machinery each time, was a third of publishing 50,000
    rows; a dict per row and the joins of its items another fifth.

    :param keys: the row's keys (a tuple), in the order its values will come.
    """
    if not all(type(key) is str for key in keys):
        # A key that is not a plain string: the encoder converts and sorts those its
        # own way.
        def seal_by_encoder(salt, values):
            row = dict(zip(keys, values, strict=True))
            return canonical(row), _sealed_digest(
                row, {f: leaf(field_salt(salt, f), row[f]) for f in SEALED_FIELDS if f in row})
        return seal_by_encoder
    order = sorted(range(len(keys)), key=keys.__getitem__)
    template = "{" + ",".join(encode_basestring(keys[i]).replace("%", "%%") + ":%s"
                              for i in order) + "}"
    if len(order) > 1:
        in_order = operator.itemgetter(*order)
    else:
        def in_order(values):
            return tuple(values[i] for i in order)
    # For each sealed field, its place in the sorted order and the bytes after the
    # row's salt in its salt (":field").
    sealed = tuple((position, f":{keys[i]}".encode())
                   for position, i in enumerate(order) if keys[i] in SEALED_FIELDS)
    sha256 = hashlib.sha256

    def seal(salt, values):
        encoded = [encode_basestring(value) if type(value) is str else _value_json(value)
                   for value in in_order(values)]
        text = template % tuple(encoded)
        salt_bytes = salt.encode()
        for position, salt_suffix in sealed:
            # The field's leaf: SHA-256 of its salt and its value's canonical JSON.
            encoded[position] = '"' + sha256((
                sha256(salt_bytes + salt_suffix).hexdigest()
                + encoded[position]).encode()).hexdigest() + '"'
        return text, sha256((template % tuple(encoded)).encode()).hexdigest()

    return seal


def _value_json(value):
    """``canonical(value)`` for a value that is not a string: the encoder's text for the
    integers, nulls and lists of integers of a row written directly (the encoder's own
    set-up cost more than the encoding), anything else through the encoder."""
    kind = type(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if kind is list and all(type(item) is int for item in value):
        return "[" + ",".join(map(int.__repr__, value)) + "]"
    return _CANONICAL.encode(value)


def seal_digest(row, seal):
    """The digest of a redacted row from what is public: its fields now, the salts of
    the fields not redacted and the leaves of the redacted ones (``seal``).

    :param row: the row as stored now.
    :param seal: ``{"salts": {field: salt}, "leaves": {field: leaf}}``.
    """
    salts, leaves = seal.get("salts") or {}, seal.get("leaves") or {}
    return _sealed_digest(row, {
        f: leaves[f] if f in leaves else leaf(salts.get(f, ""), row[f])
        for f in SEALED_FIELDS if f in row})


def redaction_seal(salt, seal, original, fields):
    """The seal of a row whose ``fields`` are redacted (now or again): their leaves from
    the values as published, the salts of the others.

    :param salt: the row's salt, or None when it was redacted before (``seal`` then).
    :param seal: its seal from an earlier redaction, or None.
    :param original: the row before this redaction.
    :param fields: the fields redacted now.
    """
    seal = seal or {}
    salts = dict(seal.get("salts") or {})
    leaves = dict(seal.get("leaves") or {})
    if salt is not None:
        salts = {f: field_salt(salt, f) for f in SEALED_FIELDS if f in original}
    for field in fields:
        if field in salts:
            leaves[field] = leaf(salts.pop(field), original[field])
    return {"salts": salts, "leaves": leaves}


class SummaryDigest:
    """SHA-256 over the canonical content, then each row's digest after a newline.

    (Versions published before per-row digests were sealed with each row's canonical
    text in place of its digest: ``legacy_digest_of``.)

    :param content: the content of the summary (figures, checklist, timeline...).
    """

    def __init__(self, content):
        self._sha = hashlib.sha256(canonical(content).encode())

    def add(self, row_text):
        """Add the next row, in order.

        :param row_text: the row's digest (``row_digest``); its canonical JSON text for
            the legacy digest.
        """
        self._sha.update(b"\n")
        self._sha.update(row_text.encode())

    def add_lines(self, lines):
        """Add the next rows' digests at once, as ``add`` one by one would.

        :param lines: UTF-8 bytes: each row's digest after a newline.
        """
        self._sha.update(lines)

    def hexdigest(self):
        return self._sha.hexdigest()


def digest_of(content, row_digests):
    """The hex digest of a version from its content and its rows' digests.

    :param content: the content of the summary, as published.
    :param row_digests: the rows' digests in order (an iterator is fine: read once).
    """
    digest = SummaryDigest(content)
    for value in row_digests:
        digest.add(value)
    return digest.hexdigest()


def legacy_digest_of(content, rows):
    """The digest versions were published with before per-row digests: SHA-256 of the
    content and each row's canonical JSON.

    :param content: the content of the summary.
    :param rows: its rows in order, as dicts (an iterator is fine: read once).
    """
    digest = SummaryDigest(content)
    for row in rows:
        digest.add(canonical(row))
    return digest.hexdigest()
