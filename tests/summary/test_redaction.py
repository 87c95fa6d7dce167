"""Personal data redacted from every output of every published summary version: after a
contribution is hidden, a fragment masked, an account erased or the consent to show a
name withdrawn, with a public log and a digest that still verifies."""

import hashlib
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from consulta.accounts.models import User
from consulta.accounts.operations import delete_account, update_profile
from consulta.contributions.models import Contribution
from consulta.contributions.operations import correct_offline_contribution, erase_offline_author
from consulta.extensions import db
from consulta.moderation.operations import hide_contribution, mask_contribution
from consulta.summary.constants import REDACTED
from consulta.summary.models import SummaryRedaction, SummaryRow, SummarySnapshot
from consulta.summary.queries import latest_snapshot, recompute_digest

from ..conftest import TEST_PASSWORD
from .conftest import consultation_of, contribution, pdf_text, user

DNI = "40123456"
OFFLINE_NAME = "Carmen Huaman"
#: The author names shown with consent before the redactions (authors 0 and 1).
NAMES = ("Rosa Quispe", "Luis Torres")
PROPOSAL_TEXT = "Lo que cambia cuando se cumple."


@pytest.fixture
def published(app, closed_consultation, publish):
    """The closed consultation with two authors showing their names, a DNI in a comment
    and a typed-in author who agreed to show theirs, published twice (v1, v2) → the
    fixture and {version: digest}."""
    c = closed_consultation
    with app.app_context():
        for ref, name in zip(c.authors[:2], NAMES, strict=True):
            db.session.execute(update(User).where(User.id == ref.id).values(
                display_name=name, show_name_publicly=True))
        db.session.execute(update(Contribution).where(
            Contribution.tracking_code == c.unanswered).values(
            body=f"Mi DNI es {DNI}, sin respuesta."))
        db.session.execute(update(Contribution).where(
            Contribution.tracking_code == c.workshop).values(
            author_name=OFFLINE_NAME, author_name_public=True))
        db.session.commit()
        db.session.remove()
    digests = dict([publish(c.slug, c.secretariat), publish(c.slug, c.secretariat)])
    return c, digests


def _moderator(app, create_user):
    return create_user(roles=("moderator",))


def hide(app, c, moderator):
    hide_contribution(contribution(c.proposal), actor=user(moderator), reason="third_party_data")


def mask(app, c, moderator):
    mask_contribution(contribution(c.unanswered), actor=user(moderator), fragment=DNI)


def erase(app, c, moderator):
    delete_account(user(c.authors[0]), TEST_PASSWORD)


def withdraw_name(app, c, moderator):
    update_profile(user(c.authors[1]), show_name_publicly=False)


def withdraw_offline_name(app, c, moderator):
    correct_offline_contribution(contribution(c.workshop), moderator=user(moderator),
                                 values={}, details={"author_name_public": False})


def erase_offline_author_data(app, c, moderator):
    erase_offline_author(contribution(c.workshop), actor=user(moderator))


#: Each kind of redaction: (operation, the secret it removes, the row's code attribute,
#: the fields redacted, the reason logged).
KINDS = {
    "hidden": (hide, PROPOSAL_TEXT, "proposal", {"title", "text"}, "hidden"),
    "masked": (mask, DNI, "unanswered", {"text"}, "masked"),
    "erased": (erase, NAMES[0], None, {"author"}, "account_erased"),
    "name_withdrawn": (withdraw_name, NAMES[1], None, {"author"}, "name_withdrawn"),
    "offline_name_withdrawn": (withdraw_offline_name, OFFLINE_NAME, "workshop", {"author"},
                               "name_withdrawn"),
    "offline_author_erased": (erase_offline_author_data, OFFLINE_NAME, "workshop", {"author"},
                              "author_erased"),
}


def outputs(client, slug, version):
    """Every public output of a version, as text: page, print view, API summary and
    matrix, CSV, XLSX, PDF in each language."""
    base = f"/consultations/{slug}/summary"
    texts = {}
    client = client.application.test_client()  # no language cookie of an earlier call
    english = client.application.test_client().get(f"{base}?version={version}",
                                                   headers={"Accept-Language": "en"})
    texts["page_en"] = english.get_data(as_text=True)
    for name, url in (("page", f"{base}?version={version}"),
                      ("print", f"{base}/v{version}/print"),
                      ("api", f"/api/v1/consultations/{slug}/summary?version={version}"),
                      ("matrix", f"/api/v1/consultations/{slug}/summary/v{version}/matrix"),
                      ("csv", f"{base}/v{version}.csv")):
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        texts[name] = response.get_data(as_text=True)
    workbook = load_workbook(io.BytesIO(client.get(f"{base}/v{version}.xlsx").data))
    texts["xlsx"] = "\n".join(" ".join(str(v) for v in row if v is not None)
                              for row in workbook.active.iter_rows(values_only=True))
    for language in ("es", "en"):
        response = client.application.test_client().get(
            f"{base}/v{version}.pdf?lang={language}")
        assert response.status_code == 200
        texts[f"pdf_{language}"] = pdf_text(response.data)
    return texts


def verify_from_the_api(client, slug, version):
    """The version's digest recomputed as /summary/digest says, from the API alone."""
    def sha(text):
        return hashlib.sha256(text.encode()).hexdigest()

    def canonical(value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    summary = client.get(f"/api/v1/consultations/{slug}/summary?version={version}").json
    matrix = client.get(f"/api/v1/consultations/{slug}/summary/v{version}/matrix"
                        "?per_page=100").json
    logged = {}
    for entry in summary["redactions"]:
        logged.setdefault(entry["position"], set()).add(entry["field"])
    sealed_fields = ("author", "organization", "title", "text", "justification",
                     "referred_to")
    digest = hashlib.sha256(canonical(summary["content"]).encode())
    for row, seal in zip(matrix["rows"], matrix["row_digests"], strict=True):
        if seal["salt"] is not None:
            salts = {f: sha(f"{seal['salt']}:{f}") for f in sealed_fields}
            leaves = {}
        else:
            assert set(seal["seal"]["leaves"]) <= logged[seal["position"]]
            salts, leaves = seal["seal"]["salts"], seal["seal"]["leaves"]
        row_leaves = {f: leaves[f] if f in leaves else sha(salts[f] + canonical(row[f]))
                      for f in sealed_fields if f in row}
        row_digest = sha(canonical({**row, **row_leaves}))
        assert row_digest == seal["digest"]
        digest.update(b"\n" + row_digest.encode())
    return digest.hexdigest()


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_output_of_every_version_is_redacted_with_a_log_and_the_digest_verifies(
        app, published, create_user, kind):
    c, digests = published
    operation, secret, code_of, fields, reason = KINDS[kind]
    moderator = create_user(roles=("moderator",))
    client = app.test_client()
    before = {v: outputs(client, c.slug, v) for v in digests}
    for version, texts in before.items():  # shown before, in every output
        missing = [name for name, text in texts.items() if secret not in text]
        assert missing == ["api"], (version, kind)  # the content: no matrix row

    with app.test_request_context():
        operation(app, c, moderator)
        db.session.commit()
        db.session.remove()

    code = getattr(c, code_of) if code_of else None
    for version, digest in digests.items():
        texts = outputs(client, c.slug, version)
        for name, text in texts.items():
            assert secret not in text, (version, name)
        for name in ("csv", "xlsx", "matrix", "pdf_es"):
            assert REDACTED in texts[name], (version, name)
        assert "[redactado: datos personales]" in texts["page"]
        assert "[redacted: personal data]" in texts["page_en"]
        assert "[redacted: personal data]" in texts["pdf_en"]
        # The public log: when, row, field, reason; never the content.
        log = json.loads(texts["api"])["redactions"]
        assert {entry["field"] for entry in log} == fields
        assert {entry["reason"] for entry in log} == {reason}
        if code:
            assert {entry["code"] for entry in log} == {code}
        assert secret not in json.dumps(log)
        assert "Registro de redacciones" in texts["page"]
        assert "Registro de redacciones" in texts["pdf_es"]
        # The digest as published still verifies, from the API alone and the database.
        assert verify_from_the_api(client, c.slug, version) == digest
        with app.app_context():
            snapshot = latest_snapshot(consultation_of(c.slug), version)
            assert snapshot.digest == digest
            assert recompute_digest(snapshot) == digest
    with app.app_context():  # nothing of it stays in the database's published rows
        stored = db.session.scalars(select(SummaryRow.data)).all()
        assert secret not in json.dumps(stored, ensure_ascii=False)


def test_all_redactions_together_keep_every_digest_and_log_each_field(
        app, published, create_user):
    c, digests = published
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        for operation, *_rest in KINDS.values():
            operation(app, c, moderator)
        db.session.commit()
        # Hidden and masked again: nothing more to redact, nothing more logged.
        count = len(db.session.scalars(select(SummaryRedaction)).all())
        mask_contribution(contribution(c.proposal), actor=user(moderator),
                          fragment="Una propuesta")
        db.session.commit()
        assert len(db.session.scalars(select(SummaryRedaction)).all()) == count
        # Five rows of each of the two versions; hidden adds a second field.
        assert count == 2 * 6
        for version, digest in digests.items():
            snapshot = latest_snapshot(consultation_of(c.slug), version)
            assert recompute_digest(snapshot) == digest


def _tamper(snapshot, position, **changes):
    row = db.session.scalar(select(SummaryRow).where(SummaryRow.snapshot_id == snapshot.id,
                                                     SummaryRow.position == position))
    db.session.execute(update(SummaryRow.__table__).where(SummaryRow.id == row.id)
                       .values(data={**row.data, **changes}))
    return row


@pytest.mark.parametrize("kind", list(KINDS))
def test_changing_a_field_not_redacted_fails_the_digest_after_a_redaction(
        app, published, create_user, kind):
    c, _digests = published
    operation, _secret, _code, fields, _reason = KINDS[kind]
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        operation(app, c, moderator)
        db.session.commit()
        snapshot = latest_snapshot(consultation_of(c.slug), 1)
        redacted = db.session.scalar(select(SummaryRedaction.position).where(
            SummaryRedaction.snapshot_id == snapshot.id))
        assert recompute_digest(snapshot) == snapshot.digest
        # In the redacted row, every field but the redacted ones is still checked.
        original = db.session.scalar(select(SummaryRow.data).where(
            SummaryRow.snapshot_id == snapshot.id, SummaryRow.position == redacted))
        for key in ("date", "outcome", "sector", "organization", "title", "author"):
            if key in fields:
                continue
            _tamper(snapshot, redacted, **{key: "cambiado"})
            assert recompute_digest(snapshot) != snapshot.digest, key
            _tamper(snapshot, redacted, **{key: original[key]})
        assert recompute_digest(snapshot) == snapshot.digest
        # Any other row, any field.
        other = 1 if redacted != 1 else 2
        _tamper(snapshot, other, text="cambiado")
        assert recompute_digest(snapshot) != snapshot.digest
        db.session.rollback()
        # Dropping a row's salt without a logged redaction fails too.
        db.session.execute(update(SummaryRow.__table__).where(
            SummaryRow.snapshot_id == snapshot.id, SummaryRow.position == other)
            .values(salt=None, seal={"salts": {}, "leaves": {"text": "0" * 64}}))
        assert recompute_digest(snapshot) != snapshot.digest
        db.session.rollback()


def test_a_pdf_made_before_a_redaction_is_never_served_after_it(
        app, published, create_user, pdf_folder):
    c, _digests = published
    moderator = create_user(roles=("moderator",))
    client = app.test_client()
    first = client.get(f"/consultations/{c.slug}/summary/v1.pdf?lang=es").data
    assert DNI in pdf_text(first)
    made = sorted(p.name for p in pdf_folder.glob("*.pdf"))
    with app.test_request_context():
        mask(app, c, moderator)
        db.session.commit()
    assert not [p for p in pdf_folder.glob("*.pdf") if p.name in made]
    again = client.get(f"/consultations/{c.slug}/summary/v1.pdf?lang=es").data
    assert DNI not in pdf_text(again) and REDACTED in pdf_text(again)


def test_a_redaction_changes_nothing_when_no_published_row_holds_the_data(
        app, closed_consultation, create_user):
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        mask_contribution(contribution(closed_consultation.unanswered),
                          actor=user(moderator), fragment="respuesta")
        update_profile(user(closed_consultation.authors[2]), show_name_publicly=False)
        db.session.commit()
        assert db.session.scalars(select(SummaryRedaction)).all() == []
        assert db.session.scalars(select(SummarySnapshot)).all() == []


def test_the_digest_method_page_is_public_and_linked_from_the_summary(app, published):
    c, _digests = published
    client = app.test_client()
    page = client.get(f"/consultations/{c.slug}/summary").get_data(as_text=True)
    assert 'href="/summary/digest"' in page
    method = client.get("/summary/digest")
    assert method.status_code == 200
    assert "SHA-256" in method.get_data(as_text=True)
