"""What is published and sealed is byte for byte what the straightforward definition
gives: the fast paths of ``digest.py`` and ``operations.py`` against reference code
kept here as it was first written (one canonical-JSON encoding per use, a digest per
field), on tricky values and on a publication end to end.

A published summary is a frozen record quoted by the IRM and the press: a change of one
byte in how rows are serialized or hashed would make every version published before it
fail to verify.
"""

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Text, cast, select, update

from consulta.consultations.models import Consultation
from consulta.contributions.models import Contribution
from consulta.extensions import db
from consulta.feedback.models import ResponseVersion
from consulta.moderation.operations import hide_contribution, mask_contribution
from consulta.summary.constants import REDACTED
from consulta.summary.digest import SEALED_FIELDS, canonical, row_digest, sealed_row
from consulta.summary.matrix import iter_rows
from consulta.summary.models import SummaryRow
from consulta.summary.operations import publish_summary
from consulta.summary.queries import latest_snapshot, recompute_digest

from .conftest import consultation_of, contribution, user

# --- the reference: the definition, written the straightforward way ------------------

def reference_canonical(data):
    """Canonical JSON as published since the first version: sorted keys, no spaces,
    UTF-8 kept as is."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def reference_row_digest(salt, row):
    """SHA-256 of the row's canonical JSON with each sealed field replaced by its leaf:
    SHA-256 of the field's salt (SHA-256 of "salt:field") and its canonical JSON."""
    leaves = {field: sha(sha(f"{salt}:{field}") + reference_canonical(row[field]))
              for field in SEALED_FIELDS if field in row}
    return sha(reference_canonical({**row, **leaves}))


def reference_digest(content, row_digests):
    return sha(reference_canonical(content) + "".join("\n" + d for d in row_digests))


# --- rows of every shape ---------------------------------------------------------------

TRICKY_TEXTS = [
    "", "a", "Participación ciudadana en Áncash, Ñuñoa y Cusco",
    "Emojis 👩🏽‍⚖️ 🇵🇪 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and a lone surrogate-free astral char 𐍈",
    'Comillas "dobles", \'simples\', «latinas» y “tipográficas”; barra \\ y /',
    "Líneas\nnuevas\r\ny\ttabuladores\x0bverticales\x0c",
    "Control \x00\x01\x1f\x7f\x80\x9f y separadores \u2028\u2029",
    "Combinadas: e\u0301 y precompuesta: é; RTL: \u202eabc\u202c; BOM: \ufeff",
    "</script><script>alert(1)</script> & &amp; <b>",
    REDACTED, f"Antes {REDACTED} después",
    "x" * 5000,
]

TRICKY_VALUES = [
    None, True, False, 0, -1, 7, 2**70, -(2**64), 0.0, -0.0, 0.1, 60.0, 100.0, 1e100,
    1.5e-300, 123456789.123456789, math.inf, -math.inf, math.nan,
    [], [1, 2, 10], ["b", "a"], {}, {"b": 1, "a": [None, "ñ"], "A": {"z": "", "é": 0}},
    {"fewer_than": 5}, {"withheld": 5},
]


def matrix_row(**values):
    row = {"code": "APO-2026-000001", "date": "2026-10-05", "kind": "comment",
           "channel": "web", "author": "Ana Pérez", "organization": "", "sector": "citizen",
           "region": "cusco", "component": "Eje 1", "commitment": 3, "title": "",
           "text": "Un texto.", "status": "visible", "outcome": "incorporated",
           "justification": "Se incorpora.", "incorporated_in": [3, 12],
           "referred_to": "", "response_date": "2026-11-02", "response_version": 1,
           "received_on": "2026-10-05", "recorded_at": "2026-10-05T10:11:12-05:00"}
    row.update(values)
    return row


def tricky_rows():
    rows = [matrix_row()]
    for text in TRICKY_TEXTS:
        for field in ("author", "text", "status", "code"):
            rows.append(matrix_row(**{field: text}))
    for value in TRICKY_VALUES:
        for field in ("commitment", "title", "incorporated_in", "response_version"):
            rows.append(matrix_row(**{field: value}))
    # Rows frozen before a column existed, or with a column added since; keys that
    # sort around the sealed ones, upper case first, accents last.
    rows.append({k: v for k, v in matrix_row().items() if k not in ("author", "text")})
    rows.append({**matrix_row(), "Zeta": 1, "ábaco": "x", "a": None, "text ": "espacio"})
    rows.append({"code": "APO-1"})
    rows.append({"text": "solo"})
    # Keys that a template of the keys would read as placeholders.
    rows.append({**matrix_row(), "100%": "%s", "%(text)s": "%d %%", "%": None})
    rows.append({})
    return rows


@pytest.mark.parametrize("row", tricky_rows())
def test_sealed_row_is_the_reference_canonical_json_and_row_digest(row):
    salt = "0123456789abcdef" * 2

    text, digest = sealed_row(salt, row)

    assert text == reference_canonical(row)
    assert text == canonical(row)
    assert digest == reference_row_digest(salt, row)
    assert row_digest(salt, row) == digest


def test_sealed_row_takes_keys_that_are_not_strings_the_encoders_way():
    """JSON keys are strings: the encoder sorts numbers as numbers, then writes 10 as
    "10" (after "2", where a sort of the texts would put it first). The fast path leaves
    such a row to the encoder."""
    row = {10: "diez", 2: "dos", 3.5: "tres y medio"}
    salt = "ab" * 16

    assert sealed_row(salt, row) == (reference_canonical(row),
                                     reference_row_digest(salt, row))


def test_sealed_row_follows_each_salt():
    row = matrix_row()

    digests = {sealed_row(salt, row)[1] for salt in ("00" * 16, "01" * 16, "ff" * 16, "")}

    assert digests == {reference_row_digest(salt, row)
                       for salt in ("00" * 16, "01" * 16, "ff" * 16, "")}
    assert len(digests) == 4


# --- a publication end to end ------------------------------------------------------------

def stored(snapshot):
    """Each stored row of a version: (its JSON text as stored, digest, salt)."""
    return db.session.execute(
        select(cast(SummaryRow.data, Text), SummaryRow.digest, SummaryRow.salt)
        .where(SummaryRow.snapshot_id == snapshot.id).order_by(SummaryRow.position)).all()


def utc(*args):
    return datetime(*args, tzinfo=UTC)


#: Received moments around Madrid's changes of time in 2026 (CET → CEST on 29 March at
#: 01:00 UTC, back on 25 October at 01:00 UTC) and around local midnight.
MOMENTS = [utc(2026, 3, 29, 0, 59, 59, 999999), utc(2026, 3, 29, 1, 0, 0),
           utc(2026, 10, 25, 0, 59, 59), utc(2026, 10, 25, 1, 0, 0, 1),
           utc(2026, 10, 25, 23, 0, 0), utc(2026, 12, 31, 23, 30),
           utc(2026, 7, 1, 21, 59, 59, 500000), utc(2026, 10, 25, 22, 59, 59)]


@pytest.fixture
def tricky_consultation(app, closed_consultation, create_contribution, create_user,
                        monkeypatch):
    """The closed consultation in Madrid's zone (a zone that changes its time), with its
    contributions' texts, names and dates made of the values above, one masked."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", "Europe/Madrid")
    slug = closed_consultation.slug
    with app.test_request_context():
        consultation = consultation_of(slug)
        consultation.title = 'Consulta "Ñandú" 🇵🇪 \\ </script>'
        consultation.summary_introduction = "Texto *con* «comillas» y 😀.\n\n- uno\n- dos"
        for number, code in enumerate(closed_consultation.codes):
            moment = MOMENTS[number % len(MOMENTS)]
            text = TRICKY_TEXTS[(number + 2) % len(TRICKY_TEXTS)].replace("\x00", "")
            db.session.execute(update(Contribution).where(Contribution.tracking_code == code)
                               .values(body=text, received_at=moment,
                                       created_at=moment + timedelta(hours=number),
                                       author_name=f"Autor «{number}» 👩🏽‍⚖️"))
        db.session.execute(update(ResponseVersion).values(
            published_at=utc(2026, 10, 25, 0, 30, 0, 250000),
            justification='Respuesta con "comillas", \\barras\\ y\nlíneas 😀.'))
        db.session.commit()
        masked = contribution(closed_consultation.unanswered)
        masked.body = "Mi correo es ana@example.org, llámame 😀."
        mask_contribution(masked, actor=user(create_user(roles=("moderator",))),
                          fragment="ana@example.org")
        db.session.commit()
        db.session.remove()
    return closed_consultation


def test_a_publication_stores_and_seals_the_reference_bytes(app, tricky_consultation,
                                                            in_request):
    consultation = consultation_of(tricky_consultation.slug)
    rows = list(iter_rows(consultation))  # the rows as the matrix builds them now
    assert {row["received_on"] for row in rows} >= {"2026-03-29", "2026-10-25",
                                                    "2026-10-26", "2027-01-01"}
    texts = "".join(row["text"] for row in rows)
    assert "llámame 😀" in texts and "ana@example.org" not in texts  # masked

    snapshot = publish_summary(consultation, actor=user(tricky_consultation.secretariat))
    db.session.commit()
    db.session.expire_all()
    snapshot = latest_snapshot(consultation)

    written = stored(snapshot)
    assert [text for text, _digest, _salt in written] == [reference_canonical(row)
                                                          for row in rows]
    expected = [reference_row_digest(salt, row)
                for (_text, _digest, salt), row in zip(written, rows, strict=True)]
    assert [digest for _text, digest, _salt in written] == expected
    assert snapshot.digest == reference_digest(snapshot.content, expected)
    assert recompute_digest(snapshot) == snapshot.digest
    # What the content froze: suppressed gender figures of a small group, floats,
    # the consultation's tricky title.
    assert snapshot.content["figures"]["women"]["count"] == {"fewer_than": 5}
    assert snapshot.content["figures"]["contributions"]["answered_share"] == 60.0
    assert snapshot.content["consultation"]["title"] == db.session.get(
        Consultation, consultation.id).title


def test_the_matrix_writes_each_moment_as_its_local_day_and_time(app, tricky_consultation,
                                                                in_request):
    """The days and moments of the rows are the stored moments converted one by one, on
    every database (the matrix reads them as UTC text: SQLite's, PostgreSQL's to_char)."""
    zone = ZoneInfo("Europe/Madrid")
    consultation = consultation_of(tricky_consultation.slug)
    rows = {row["code"]: row for row in iter_rows(consultation)}

    stored_moments = db.session.execute(
        select(Contribution.tracking_code, Contribution.received_at, Contribution.created_at)
        .where(Contribution.consultation_id == consultation.id)).all()
    assert len(stored_moments) == len(rows) == len(tricky_consultation.codes)
    for code, received_at, created_at in stored_moments:
        local = received_at.astimezone(zone)
        assert (rows[code]["date"], rows[code]["received_on"]) == (local.date().isoformat(),) * 2
        assert rows[code]["recorded_at"] == \
            created_at.astimezone(zone).replace(microsecond=0).isoformat()
    # Every response version was published at 00:30:00.25 UTC on the day Madrid's summer
    # time ends (02:30 CEST).
    assert {row["response_date"] for row in rows.values() if row["outcome"]} == {"2026-10-25"}
    assert {row["response_date"] for row in rows.values() if not row["outcome"]} == {""}


def test_a_version_redacted_after_it_was_published_verifies_as_the_reference_says(
        app, tricky_consultation, in_request):
    consultation = consultation_of(tricky_consultation.slug)
    first = publish_summary(consultation, actor=user(tricky_consultation.secretariat))
    db.session.commit()
    published = {"digest": first.digest, "rows": stored(first)}

    hide_contribution(contribution(tricky_consultation.grouped[0]),
                      actor=user(tricky_consultation.secretariat), reason="offensive")
    db.session.commit()
    db.session.expire_all()
    first = latest_snapshot(consultation, version=1)

    # Its digest and rows' digests are those it was published with, and still verify.
    assert first.digest == published["digest"]
    after = stored(first)
    assert [d for _t, d, _s in after] == [d for _t, d, _s in published["rows"]]
    assert sum(salt is None for _t, _d, salt in after) == 1
    assert recompute_digest(first) == first.digest

    second = publish_summary(consultation, actor=user(tricky_consultation.secretariat))
    db.session.commit()
    db.session.expire_all()
    second = latest_snapshot(consultation)
    rows = [json.loads(text) for text, _d, _s in stored(second)]
    expected = [reference_row_digest(salt, row)
                for (_t, _d, salt), row in zip(stored(second), rows, strict=True)]
    assert second.digest == reference_digest(second.content, expected)
    assert recompute_digest(second) == second.digest
