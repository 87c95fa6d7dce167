"""The digest that seals a published summary: SHA-256 over canonical JSON.

One definition, used to seal a version as it is written (``operations.publish_summary``)
and to verify it later from what is stored (``queries.recompute_digest``). How it is
computed is public (``/summary/digest``, and the README):

1. each row's digest: SHA-256 of its salt (32 hex characters) followed by the row's
   canonical JSON (sorted keys, no spaces, UTF-8), hex;
2. the version's digest: SHA-256 of the content's canonical JSON, then for each row
   in order a line break and its digest (64 hex characters).

When a field of a row is redacted (``redaction.py``), the row keeps the digest it was
published with and loses its salt: every other row can still be checked against its
digest, and the version's digest against all of them, while nobody can confirm a guess
of what was redacted (without the salt, a guess gives no known digest).
"""

import hashlib
import json
import secrets

_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(data):
    """The canonical JSON text of ``data``: sorted keys, no spaces, UTF-8 kept as is.

    :param data: a JSON-ready value (the content of a summary, or one of its rows).
    """
    return _CANONICAL.encode(data)


def new_salt():
    """A random salt for a row's digest (128 bits, hex)."""
    return secrets.token_hex(16)


def row_digest(salt, row_text):
    """The hex digest of one row: SHA-256 of its salt followed by its canonical JSON.

    :param salt: the row's salt (hex text).
    :param row_text: the row's canonical JSON text (see ``canonical``).
    """
    return hashlib.sha256((salt + row_text).encode()).hexdigest()


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
