"""Likely personal data in a text: identity and taxpayer numbers, phone numbers, e-mail
and street addresses.

The patterns are data (``consulta/data/personal_data.json``, or the file named by the
``PERSONAL_DATA_FILE`` setting, which a deployment profile points at its country's
copy): each has a ``code``, a ``label`` by language and a ``regex``. What they find is
a *likely* piece of personal data: the participant is warned in the preview and a
moderator decides.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import get_locale

DEFAULT_PERSONAL_DATA_FILE = (Path(__file__).resolve().parent.parent / "data"
                              / "personal_data.json")


@dataclass(frozen=True)
class Pattern:
    code: str
    labels: dict
    regex: re.Pattern

    @property
    def label(self):
        """Its name in the current language (else Spanish, else any)."""
        lang = str(get_locale() or "es")
        return (self.labels.get(lang) or self.labels.get("es")
                or next(iter(self.labels.values()), self.code))


@dataclass(frozen=True)
class Finding:
    """A piece of text that looks like personal data."""

    #: The pattern's code (``dni``, ``phone``...).
    code: str
    #: The text found, exactly as written.
    text: str


@lru_cache(maxsize=4)
def _load(path):
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    patterns = []
    for item in data["patterns"]:
        label = item.get("label") or item["code"]
        patterns.append(Pattern(
            code=item["code"], labels=label if isinstance(label, dict) else {"es": label},
            regex=re.compile(item["regex"], re.IGNORECASE)))
    return tuple(patterns)


def patterns():
    """The configured patterns, in their order."""
    return _load(str(current_app.config.get("PERSONAL_DATA_FILE")
                     or DEFAULT_PERSONAL_DATA_FILE))


def label(code):
    """The name of a kind of personal data in the current language (the code if
    unknown)."""
    for pattern in patterns():
        if pattern.code == code:
            return pattern.label
    return code


def find_personal_data(texts):
    """The likely personal data in some texts, each piece once, in the order found.

    A piece is reported under the first pattern that finds it; a piece inside a piece
    already found (an identity number inside a tax number) is not reported again.

    :param texts: strings (None and empty ones are skipped).
    """
    found, spans = [], []
    for text in texts:
        if not text:
            continue
        taken = []
        for pattern in patterns():
            for match in pattern.regex.finditer(text):
                start, end = match.span()
                piece = match.group().strip()
                if not piece or any(s < end and start < e for s, e in taken):
                    continue
                taken.append((start, end))
                finding = Finding(pattern.code, piece)
                if finding.text not in {f.text for f in found}:
                    found.append(finding)
        spans.append(taken)
    return found
