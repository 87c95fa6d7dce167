"""Summary operations called directly: preview, publication, versions, digest, texts."""

import hashlib
import threading

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

from consulta.audit.models import AuditEntry
from consulta.contributions.models import Contribution
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.moderation.operations import hide_contribution
from consulta.summary.digest import canonical, digest_of, legacy_digest_of, row_digest
from consulta.summary.models import SummaryRow, SummarySnapshot
from consulta.summary.operations import preview_summary, publish_summary, save_summary_texts
from consulta.summary.queries import latest_snapshot, recompute_digest, stored_rows
from consulta.summary.signals import summary_published

from ..conftest import iv_plan_json
from .conftest import consultation_of, contribution, hide_from_another_connection, user


def audit(action):
    """The (actor id, object id, before, after) of each audit entry of ``action``."""
    return [(e.actor_id, e.object_id, e.before, e.after) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def snapshot_count():
    return db.session.scalar(select(func.count()).select_from(SummarySnapshot))


def test_preview_summary_is_what_publishing_would_freeze_and_changes_nothing(
        closed_consultation, in_request):
    consultation = consultation_of(closed_consultation.slug)

    content = preview_summary(consultation)

    assert set(content) == {"introduction_html", "figures", "irm", "timeline",
                            "consultation"}
    assert content["figures"]["contributions"] == {
        "total": 7, "withdrawn": 1, "hidden": 1, "visible": 5, "answered": 3,
        "answered_share": 60.0, "outside_windows": 0}
    irm = {item["key"]: item["verdict"] for item in content["irm"]}
    # As if published: 3 of the 5 visible answered → documentation partly met (not "not
    # met", which an unpublished summary gets).
    assert irm["documentation_and_feedback"] == "partly_met"
    assert content["consultation"]["slug"] == closed_consultation.slug
    assert snapshot_count() == 0 and audit("summary.published") == []
    assert consultation.summary_published_at is None


def test_publish_summary_freezes_the_content_and_every_row(closed_consultation, in_request):
    consultation = consultation_of(closed_consultation.slug)
    expected = preview_summary(consultation)
    secretariat = user(closed_consultation.secretariat)

    snapshot = publish_summary(consultation, actor=secretariat)
    db.session.commit()

    assert (snapshot.version, snapshot.row_count) == (1, 7)
    assert snapshot.published_by_id == secretariat.id
    assert [row["code"] for row in stored_rows(snapshot)] == list(closed_consultation.codes)
    assert snapshot.content["figures"] == expected["figures"]
    assert snapshot.content["irm"] == expected["irm"]
    assert snapshot.content["version"] == 1
    assert consultation.summary_published_at == snapshot.published_at
    assert snapshot.content["timeline"]["first_summary_at"] == \
        snapshot.published_at.isoformat()
    assert recompute_digest(snapshot) == snapshot.digest
    assert audit("summary.published") == [
        (secretariat.id, snapshot.id, None,
         {"version": 1, "rows": 7, "digest": snapshot.digest})]


def test_publishing_reads_every_row_before_it_writes_anything(closed_consultation,
                                                              in_request):
    """On SQLite the first write takes the database's write lock until the commit: the
    rows are read, serialized and hashed before it, so the lock lasts only the inserts."""
    consultation = consultation_of(closed_consultation.slug)
    secretariat = user(closed_consultation.secretariat)
    sent = []

    def listener(conn, cursor, statement, *args):
        sent.append(" ".join(statement.split()))

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        snapshot = publish_summary(consultation, actor=secretariat)
        db.session.flush()
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)

    first_write = next(n for n, sql in enumerate(sent)
                       if sql.split()[0] in ("INSERT", "UPDATE", "DELETE", "COPY"))
    assert any("FROM contributions" in sql for sql in sent[:first_write])
    assert [sql for sql in sent[first_write:] if "FROM contributions" in sql] == []
    assert not [sql for sql in sent if sql.startswith("UPDATE summary_snapshots")]
    db.session.commit()
    assert recompute_digest(snapshot) == snapshot.digest and snapshot.row_count == 7


def statement_threads(run):
    """Run ``run()`` and return the names of the threads that sent a statement about
    contributions, with its result."""
    threads = []

    def listener(conn, cursor, statement, *args):
        if "FROM contributions" in statement:
            threads.append(threading.current_thread().name)

    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = run()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    return set(threads), result


def test_the_figures_are_counted_beside_the_rows_on_a_connection_of_their_own(
        closed_consultation, in_request):
    """Nothing written yet in the transaction: another connection reads the same, so
    the figures are counted in a thread while the rows are read here."""
    consultation = consultation_of(closed_consultation.slug)
    expected = preview_summary(consultation)["figures"]

    threads, snapshot = statement_threads(lambda: publish_summary(
        consultation, actor=user(closed_consultation.secretariat)))
    db.session.commit()

    assert threads == {threading.current_thread().name, "summary-figures"}
    assert snapshot.content["figures"] == expected
    assert recompute_digest(snapshot) == snapshot.digest


def test_a_publication_after_a_change_not_committed_counts_it(closed_consultation,
                                                              in_request):
    """Another connection would not see what this transaction wrote: the figures are
    counted on this one, with the rows, and agree with them."""
    consultation = consultation_of(closed_consultation.slug)
    hide_contribution(contribution(closed_consultation.unanswered),
                      actor=user(closed_consultation.secretariat), reason="offensive")
    db.session.flush()

    threads, snapshot = statement_threads(lambda: publish_summary(
        consultation, actor=user(closed_consultation.secretariat)))
    db.session.commit()

    assert threads == {threading.current_thread().name}
    assert snapshot.content["figures"]["contributions"]["hidden"] == 2
    assert [row["status"] for row in stored_rows(snapshot)].count("hidden:offensive") == 2
    assert recompute_digest(snapshot) == snapshot.digest


def test_the_figures_and_the_rows_are_read_as_of_one_moment(closed_consultation,
                                                           in_request, monkeypatch):
    """A hide committed by someone else after the figures were counted and before the
    rows are read: the published figures and rows still tell of the same contributions
    (both from before the hide, or both from after it), never one of each."""
    import consulta.summary.operations as operations

    consultation = consultation_of(closed_consultation.slug)
    hidden_meanwhile = contribution(closed_consultation.unanswered).id
    committed = threading.Event()
    count_figures, read_rows = operations.compute_figures, operations.iter_row_values

    def figures_then_a_hide(counted):
        figures = count_figures(counted)
        if not committed.is_set():
            hide_from_another_connection(hidden_meanwhile)
            committed.set()
        return figures

    def rows_after_the_hide(counted):
        assert committed.wait(30)
        yield from read_rows(counted)

    monkeypatch.setattr(operations, "compute_figures", figures_then_a_hide)
    monkeypatch.setattr(operations, "iter_row_values", rows_after_the_hide)
    snapshot = publish_summary(consultation, actor=user(closed_consultation.secretariat))
    db.session.commit()

    statuses = [row["status"] for row in stored_rows(snapshot)]
    hidden_rows = sum(status.startswith("hidden") for status in statuses)
    assert snapshot.content["figures"]["contributions"]["hidden"] == hidden_rows
    assert snapshot.content["figures"]["contributions"]["visible"] == \
        len(statuses) - hidden_rows - statuses.count("withdrawn")
    assert db.session.get(Contribution, hidden_meanwhile).hidden_at is not None
    assert recompute_digest(snapshot) == snapshot.digest


def test_a_version_published_meanwhile_is_refused_and_nothing_is_written(
        closed_consultation, publish, in_request, monkeypatch):
    """Two members of the secretariat publish at once: the second to write finds its
    version taken, and gets a refusal that says so, not an error."""
    import consulta.summary.operations as operations

    publish(closed_consultation.slug, closed_consultation.secretariat)
    monkeypatch.setattr(operations, "last_version_number", lambda consultation: 0)

    with pytest.raises(OperationError, match="se publicó mientras se preparaba esta"):
        publish_summary(consultation_of(closed_consultation.slug),
                        actor=user(closed_consultation.secretariat))
    db.session.rollback()
    assert snapshot_count() == 1 and len(audit("summary.published")) == 1


def test_each_row_is_the_public_matrix_row_with_the_effective_response(
        closed_consultation, publish, in_request):
    publish(closed_consultation.slug, closed_consultation.secretariat)
    rows = {row["code"]: row for row in stored_rows(latest_snapshot(
        consultation_of(closed_consultation.slug)))}

    # Grouped comments carry their group's published response.
    assert {rows[code]["outcome"] for code in closed_consultation.grouped} == \
        {"already_covered"}
    assert rows[closed_consultation.proposal]["outcome"] == "not_incorporated"
    assert rows[closed_consultation.unanswered]["outcome"] == ""
    assert rows[closed_consultation.workshop]["channel"] == "workshop"
    hidden = rows[closed_consultation.hidden]
    assert (hidden["status"], hidden["text"]) == ("hidden:offensive", "")
    assert rows[closed_consultation.withdrawn]["status"] == "withdrawn"


def test_publish_summary_is_refused_before_the_consultation_closes(
        app, create_consultation, create_user, in_request):
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=1)
    secretariat = user(create_user(roles=("secretariat",)))

    with pytest.raises(OperationError) as refused:
        publish_summary(consultation_of(slug), actor=secretariat)

    assert refused.value.message == \
        "El resumen se puede publicar una vez que la consulta haya cerrado."
    db.session.rollback()
    assert snapshot_count() == 0 and consultation_of(slug).summary_published_at is None


def test_publish_summary_is_refused_for_a_consultation_never_announced(
        app, create_consultation, create_user, in_request):
    slug = create_consultation(announced=False, opens_in_days=-10, closes_in_days=-1)

    with pytest.raises(OperationError):
        publish_summary(consultation_of(slug), actor=user(create_user(roles=("secretariat",))))

    db.session.rollback()
    assert snapshot_count() == 0


def test_publishing_again_makes_the_next_version_and_keeps_the_first(
        closed_consultation, publish, create_response, in_request):
    slug, secretariat = closed_consultation.slug, closed_consultation.secretariat
    first_version, first_digest = publish(slug, secretariat)
    create_response(closed_consultation.unanswered, outcome="out_of_scope",
                    actor=secretariat, justification="Se revisó el aporte. No corresponde "
                                                     "al plan nacional.")

    version, digest = publish(slug, secretariat)

    assert (first_version, version) == (1, 2) and digest != first_digest
    consultation = consultation_of(slug)
    first, second = latest_snapshot(consultation, 1), latest_snapshot(consultation)
    assert second.version == 2
    assert recompute_digest(first) == first_digest  # the first version did not change
    outcomes = [{row["code"]: row["outcome"] for row in stored_rows(snapshot)}
                for snapshot in (first, second)]
    assert outcomes[0][closed_consultation.unanswered] == ""
    assert outcomes[1][closed_consultation.unanswered] == "out_of_scope"
    assert first.content["figures"]["contributions"]["answered"] == 3
    assert second.content["figures"]["contributions"]["answered"] == 4
    # The first publication stays the date the summary was first published.
    assert consultation.summary_published_at == first.published_at
    assert second.content["timeline"]["first_summary_at"] == first.published_at.isoformat()


def test_the_digest_detects_a_stored_row_or_content_that_changed(
        closed_consultation, publish, in_request):
    publish(closed_consultation.slug, closed_consultation.secretariat)
    snapshot = latest_snapshot(consultation_of(closed_consultation.slug))
    assert recompute_digest(snapshot) == snapshot.digest
    row = db.session.scalar(select(SummaryRow).where(SummaryRow.snapshot_id == snapshot.id,
                                                     SummaryRow.position == 3))

    # Past the ORM (its guard refuses any change), as a hand in the database would.
    db.session.execute(update(SummaryRow.__table__).where(SummaryRow.id == row.id)
                       .values(data={**row.data, "outcome": "incorporated"}))
    assert recompute_digest(snapshot) != snapshot.digest
    db.session.execute(update(SummaryRow.__table__).where(SummaryRow.id == row.id)
                       .values(data=row.data))
    assert recompute_digest(snapshot) == snapshot.digest
    db.session.execute(update(SummarySnapshot.__table__)
                       .where(SummarySnapshot.id == snapshot.id)
                       .values(content={**snapshot.content, "version": 7}))
    db.session.expire(snapshot)
    assert recompute_digest(snapshot) != snapshot.digest


def test_the_digest_is_sha256_of_the_content_and_of_salted_row_digests():
    """Anyone can verify a published digest with a few lines of code: this layout is
    public (``/summary/digest``) and must never change, or versions would no longer
    verify."""
    def sha(text):
        return hashlib.sha256(text.encode()).hexdigest()

    content = {"título": "Ñandú", "b": [1, 2], "a": None}
    rows = [("00" * 16, {"code": "APO-1", "text": "línea", "author": "Ana"}),
            ("ab" * 16, {"code": "APO-2", "text": ""})]
    expected = []
    for salt, row in rows:
        leaves = {f: sha(sha(f"{salt}:{f}") + canonical(row[f])) for f in ("author", "text")
                  if f in row}
        expected.append(sha(canonical({**row, **leaves})))
    text = '{"a":null,"b":[1,2],"título":"Ñandú"}' + "".join("\n" + d for d in expected)

    assert canonical(rows[0][1]) == '{"author":"Ana","code":"APO-1","text":"línea"}'
    assert [row_digest(salt, row) for salt, row in rows] == expected
    assert digest_of(content, iter(expected)) == hashlib.sha256(text.encode()).hexdigest()


def test_the_legacy_digest_is_sha256_of_canonical_json_lines():
    """The digest versions were published with before per-row digests, kept next to
    theirs: it must keep verifying them."""
    content = {"título": "Ñandú", "b": [1, 2], "a": None}
    rows = [{"code": "APO-1", "text": "línea"}, {"code": "APO-2", "text": ""}]
    text = ('{"a":null,"b":[1,2],"título":"Ñandú"}'
            '\n{"code":"APO-1","text":"línea"}\n{"code":"APO-2","text":""}')

    assert legacy_digest_of(content, iter(rows)) == hashlib.sha256(text.encode()).hexdigest()


def test_a_published_summary_cannot_be_changed_through_the_models(
        closed_consultation, publish, in_request):
    publish(closed_consultation.slug, closed_consultation.secretariat)
    snapshot = latest_snapshot(consultation_of(closed_consultation.slug))
    snapshot.row_count = 0
    with pytest.raises(RuntimeError, match="never changes"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(SummaryRow)))
    with pytest.raises(RuntimeError, match="never changes"):
        db.session.flush()


def test_publishing_sends_summary_published_with_the_written_snapshot(
        closed_consultation, in_request):
    received = []

    def receiver(snapshot, **extra):
        received.append((snapshot.id, snapshot.version, snapshot.row_count,
                         recompute_digest(snapshot) == snapshot.digest, extra))

    with summary_published.connected_to(receiver):
        snapshot = publish_summary(consultation_of(closed_consultation.slug),
                                   actor=user(closed_consultation.secretariat))
    db.session.commit()
    assert received == [(snapshot.id, 1, 7, True, {})]


def test_save_summary_texts_keeps_the_introduction_and_the_notes_never_a_verdict(
        closed_consultation, in_request):
    consultation = consultation_of(closed_consultation.slug)
    verdicts = [item["verdict"] for item in preview_summary(consultation)["irm"]]
    secretariat = user(closed_consultation.secretariat)

    save_summary_texts(consultation, actor=secretariat, introduction="Un **resumen**.",
                       notes={"advance_notice": "Se publicó en el diario oficial.",
                              "breadth": "", "documentation_and_feedback": "met"})
    db.session.commit()

    assert consultation.summary_introduction == "Un **resumen**."
    assert consultation.irm_notes == {"advance_notice": "Se publicó en el diario oficial.",
                                      "documentation_and_feedback": "met"}
    content = preview_summary(consultation)
    assert content["introduction_html"] == "<p>Un <strong>resumen</strong>.</p>"
    assert [item["verdict"] for item in content["irm"]] == verdicts
    notes = {item["key"]: item["note"] for item in content["irm"]}
    assert notes["advance_notice"] == "Se publicó en el diario oficial."
    assert notes["breadth"] == ""
    assert audit("summary.texts_saved") == [(
        secretariat.id, consultation.id,
        {"introduction": "", "notes": {}},
        {"introduction": "Un **resumen**.", "notes": consultation.irm_notes})]


@pytest.mark.parametrize("notice_days,expected", [(21, "met"), (3, "partly_met")])
def test_the_advance_notice_verdict_comes_from_the_dates(
        app, create_consultation, create_user, notice_days, expected, in_request):
    slug = create_consultation(plan=iv_plan_json(), opens_in_days=-10, closes_in_days=-1,
                               announced_days_ago=10 + notice_days,
                               forum_name="Comisión Multisectorial",
                               methodology="Talleres y web.")
    secretariat = user(create_user(roles=("secretariat",)))
    consultation = consultation_of(slug)
    save_summary_texts(consultation, actor=secretariat, introduction="Intro.",
                       notes={"advance_notice": "Se publicó en el diario oficial."})

    snapshot = publish_summary(consultation, actor=secretariat)
    db.session.commit()

    irm = {item["key"]: item for item in snapshot.content["irm"]}
    assert irm["advance_notice"]["verdict"] == expected
    assert irm["advance_notice"]["evidence"]["days"] == notice_days
    assert irm["advance_notice"]["note"] == "Se publicó en el diario oficial."
    # A forum's name alone is no evidence that it stands (members, meetings).
    assert irm["consultation_during_implementation"]["verdict"] == "not_met"
    assert irm["process_and_timeline"]["verdict"] == "met"
    # No contributions: nothing to answer, summary published → documentation met.
    assert irm["documentation_and_feedback"]["verdict"] == "met"

