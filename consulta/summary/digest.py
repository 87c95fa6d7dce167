"""The digest that seals a published summary: SHA-256 over canonical JSON.

One definition, used to seal a version as it is written (``operations.publish_summary``)
and to verify it later from what is stored (``queries.recompute_digest``).
"""

import hashlib
import json

_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(data):
    """The canonical JSON text of ``data``: sorted keys, no spaces, UTF-8 kept as is.

    :param data: a JSON-ready value (the content of a summary, or one of its rows).
    """
    return _CANONICAL.encode(data)


class SummaryDigest:
    """SHA-256 over the canonical content, then each row's canonical text after a newline.

    :param content: the content of the summary (figures, checklist, timeline...).
    """

    def __init__(self, content):
        self._sha = hashlib.sha256(canonical(content).encode())

    def add(self, row_text):
        """Add the next row, in order.

        :param row_text: the row's canonical JSON text (see ``canonical``).
        """
        self._sha.update(b"\n")
        self._sha.update(row_text.encode())

    def hexdigest(self):
        return self._sha.hexdigest()


def digest_of(content, rows):
    """The hex digest of a summary's content and rows.

    :param content: the content of the summary.
    :param rows: its rows in order, as dicts (an iterator is fine: read once).
    """
    digest = SummaryDigest(content)
    for row in rows:
        digest.add(canonical(row))
    return digest.hexdigest()
