"""Progress reports through the operations: draft → review → published, frozen once
published, four eyes, and every refused input (message in Spanish, nothing changed)."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage

from consulta.core.dates import local_today
from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.followup import operations
from consulta.followup.models import Document, DocumentBlob, ProgressReport, ReportEvidence
from consulta.followup.signals import report_published

from .conftest import PDF, commitment, entries, milestones, reports, user


def upload(data, name="informe.pdf"):
    return FileStorage(stream=BytesIO(data), filename=name, content_type="application/pdf")


def statuses(ids, *rows):
    """{milestone id: {"status", "percent", "reason"}} from (status, percent, reason) rows."""
    return {ident: {"status": status, "percent": percent, "reason": reason}
            for ident, (status, percent, reason) in zip(ids, rows, strict=True)}


def test_a_report_goes_from_draft_through_review_to_published(
        followed, secretariat, seed, make_reporter, create_user, in_request):
    seeded = seed(followed)
    ids = seeded["milestones"]
    reporter = make_reporter(followed["commitments"][1])
    target = commitment(followed["slug"], 1)
    sent = []

    def receiver(sender, **kwargs):
        sent.append(sender)

    report_published.connect(receiver)
    try:
        report = operations.start_report(target, actor=user(reporter))
        assert (report.number, report.state, report.as_of) == (1, "draft", local_today())
        assert [(r.status, r.percent) for r in report.milestones] == [("not_started", 0)] * 2
        operations.save_report(
            report, actor=user(reporter), as_of=local_today() - timedelta(days=2),
            narrative="Se **diseñó** el observatorio.",
            milestones=statuses(ids, ("completed", "", ""), ("in_progress", "40", "")),
            indicators={seeded["indicator"]: {"value": "1.200,5", "note": "Cifra de junio"}})
        operations.add_link(report, actor=user(reporter), title="Acta",
                            url="https://example.pe/acta")
        evidence = operations.add_document(report, actor=user(reporter), title="",
                                           file_storage=upload(PDF))
        operations.submit_report(report, actor=user(reporter))
        db.session.commit()
        assert report.state == "review" and report.submitted_by_id == reporter.id
        assert evidence.title == "informe.pdf"

        operations.publish_report(report, actor=user(secretariat))
        db.session.commit()
    finally:
        report_published.disconnect(receiver)

    assert sent == [report]
    assert report.state == "published" and report.published_by_id == secretariat.id
    first, second = milestones(target.id)
    assert (first.current_status, first.current_percent) == ("completed", 100)
    assert (second.current_status, second.current_percent) == ("in_progress", 40)
    assert second.current_as_of == local_today() - timedelta(days=2)
    assert report.indicator_values[0].value == Decimal("1200.5")
    assert [e.url or e.document.filename for e in report.evidence] == [
        "https://example.pe/acta", "informe.pdf"]
    published = entries("report.published")[0]
    assert published.after["milestones"] == {str(ids[0]): "completed 100%",
                                             str(ids[1]): "in_progress 40%"}
    assert published.before["milestones"][str(ids[0])] == "not_started 0%"
    assert [e.action for e in entries("report.saved")] == ["report.saved"]


def test_a_published_report_never_changes(followed, secretariat, seed, make_report, in_request):
    seed(followed)
    report_id = make_report(followed["commitments"][1], secretariat, publish_by=secretariat)
    report = db.session.get(ProgressReport, report_id)
    evidence_count = len(report.evidence)
    for attempt in (
            lambda: operations.save_report(report, actor=user(secretariat),
                                           as_of=report.as_of, narrative="Otra cosa"),
            lambda: operations.add_link(report, actor=user(secretariat), title="",
                                        url="https://example.pe"),
            lambda: operations.add_document(report, actor=user(secretariat), title="",
                                            file_storage=upload(PDF)),
            lambda: operations.submit_report(report, actor=user(secretariat))):
        with pytest.raises(OperationError, match="está publicado y ya no puede cambiar"):
            attempt()
    with pytest.raises(OperationError, match="ya está publicado"):
        operations.publish_report(report, actor=user(secretariat))
    db.session.rollback()
    report = db.session.get(ProgressReport, report_id)
    assert report.narrative == "Avance." and len(report.evidence) == evidence_count


def test_reports_are_numbered_per_commitment_one_at_a_time(
        followed, secretariat, seed, make_report, in_request):
    seed(followed)
    first = make_report(followed["commitments"][1], secretariat, publish_by=secretariat)
    other = make_report(followed["commitments"][2], secretariat)
    second = make_report(followed["commitments"][1], secretariat)
    numbers = {r.id: r.number for r in db.session.query(ProgressReport)}
    assert (numbers[first], numbers[second], numbers[other]) == (1, 2, 1)
    with pytest.raises(OperationError, match="El reporte 2 de este compromiso aún no está "
                                             "publicado"):
        operations.start_report(commitment(followed["slug"], 1), actor=user(secretariat))
    db.session.rollback()
    assert len(reports(followed["commitments"][1])) == 2


def test_four_eyes_the_author_does_not_publish(make_followed, secretariat, seed, create_user,
                                               make_report, in_request):
    followed = make_followed(requires_review=True)
    seed(followed)
    report_id = make_report(followed["commitments"][1], secretariat, submit=True)
    report = db.session.get(ProgressReport, report_id)
    with pytest.raises(OperationError, match="Cuatro ojos"):
        operations.publish_report(report, actor=user(secretariat))
    db.session.rollback()
    assert db.session.get(ProgressReport, report_id).state == "review"
    other = create_user(roles=("secretariat",))
    operations.publish_report(db.session.get(ProgressReport, report_id), actor=user(other))
    db.session.commit()
    assert db.session.get(ProgressReport, report_id).published_by_id == other.id


def test_no_report_is_published_before_the_final_plan(
        followed_unpublished, secretariat, seed, make_report, in_request):
    seed(followed_unpublished)
    report_id = make_report(followed_unpublished["commitments"][1], secretariat, submit=True)
    with pytest.raises(OperationError, match="El plan final aún no está publicado"):
        operations.publish_report(db.session.get(ProgressReport, report_id),
                                  actor=user(secretariat))
    db.session.rollback()
    assert db.session.get(ProgressReport, report_id).state == "review"
    assert milestones(followed_unpublished["commitments"][1])[0].current_as_of is None


def test_only_a_report_in_review_is_published(followed, secretariat, seed, make_report,
                                              in_request):
    seed(followed)
    report_id = make_report(followed["commitments"][1], secretariat)
    with pytest.raises(OperationError, match="Envíe el reporte a revisión"):
        operations.publish_report(db.session.get(ProgressReport, report_id),
                                  actor=user(secretariat))


def test_the_secretariat_returns_a_report_with_a_note(followed, secretariat, seed,
                                                      make_report, in_request):
    seed(followed)
    report_id = make_report(followed["commitments"][1], secretariat, submit=True)
    report = db.session.get(ProgressReport, report_id)
    with pytest.raises(OperationError, match="Indique qué debe corregirse"):
        operations.return_report(report, actor=user(secretariat), note="  ")
    operations.return_report(report, actor=user(secretariat), note="Falta el acta.")
    db.session.commit()
    assert (report.state, report.review_note) == ("draft", "Falta el acta.")
    with pytest.raises(OperationError, match="Solo un reporte en revisión"):
        operations.return_report(report, actor=user(secretariat), note="Otra vez")
    operations.submit_report(report, actor=user(secretariat))
    db.session.commit()
    assert (report.state, report.review_note) == ("review", "")
    assert entries("report.returned")[0].after == {"state": "draft", "note": "Falta el acta."}


def test_a_report_in_review_is_not_edited(followed, secretariat, seed, make_report,
                                          in_request):
    seed(followed)
    report = db.session.get(ProgressReport, make_report(followed["commitments"][1],
                                                        secretariat, submit=True))
    with pytest.raises(OperationError, match="está en revisión"):
        operations.save_report(report, actor=user(secretariat), as_of=report.as_of,
                               narrative="Cambio")


@pytest.mark.parametrize(("row", "message"), [
    (("in_progress", "101", ""), "Hito 1: el porcentaje debe ser un número entero de 0 a 100"),
    (("in_progress", "-1", ""), "Hito 1: el porcentaje debe ser un número entero de 0 a 100"),
    (("in_progress", "50,5", ""), "Hito 1: el porcentaje debe ser un número entero"),
    (("in_progress", "mitad", ""), "Hito 1: «mitad» no es un número"),
    (("completed", "60", ""), "Hito 1: un hito completado está al 100 %"),
    (("delayed", "30", " "), "Hito 1: indique por qué está retrasado o cancelado"),
    (("cancelled", "0", ""), "Hito 1: indique por qué está retrasado o cancelado"),
    (("finished", "10", ""), "Hito 1: elija un estado"),
    (("not_started", "10", ""), "Hito 1: un hito no iniciado está al 0 %"),
])
def test_wrong_milestone_values_are_refused(followed, secretariat, seed, make_report,
                                            in_request, row, message):
    ids = seed(followed)["milestones"]
    report = db.session.get(ProgressReport, make_report(followed["commitments"][1],
                                                        secretariat))
    with pytest.raises(OperationError, match=message):
        operations.save_report(report, actor=user(secretariat), as_of=report.as_of,
                               narrative="Cambiado", milestones=statuses(ids[:1], row))
    db.session.rollback()
    report = db.session.get(ProgressReport, report.id)
    assert report.narrative == "Avance."
    assert [(r.status, r.percent) for r in report.milestones] == [("not_started", 0)] * 2


def test_a_percentage_going_down_needs_a_reason(followed, secretariat, seed, make_report,
                                                in_request):
    ids = seed(followed)["milestones"]
    make_report(followed["commitments"][1], secretariat, publish_by=secretariat,
                milestones=statuses(ids[:1], ("in_progress", "60", "")))
    report = db.session.get(ProgressReport, make_report(followed["commitments"][1],
                                                        secretariat))
    with pytest.raises(OperationError, match="el porcentaje baja de 60 % a 40 %; indique "
                                             "por qué"):
        operations.save_report(report, actor=user(secretariat), as_of=report.as_of,
                               narrative="", milestones=statuses(
                                   ids[:1], ("in_progress", "40", "")))
    db.session.rollback()
    report = db.session.get(ProgressReport, report.id)
    operations.save_report(report, actor=user(secretariat), as_of=report.as_of, narrative="",
                           milestones=statuses(ids[:1], ("in_progress", "40",
                                                         "Se rehízo el diseño.")))
    db.session.commit()
    assert report.milestones[0].percent == 40


def test_the_day_of_a_report_follows_the_previous_one(followed, secretariat, seed,
                                                      make_report, in_request):
    seed(followed)
    today = local_today()
    make_report(followed["commitments"][1], secretariat, publish_by=secretariat,
                as_of=today - timedelta(days=10))
    report = db.session.get(ProgressReport, make_report(followed["commitments"][1],
                                                        secretariat))
    for as_of, message in ((today - timedelta(days=11), "no puede ser anterior a la del "
                                                        "reporte publicado previo"),
                           (today + timedelta(days=1), "un día que aún no llega")):
        with pytest.raises(OperationError, match=message):
            operations.save_report(report, actor=user(secretariat), as_of=as_of,
                                   narrative="")
        db.session.rollback()
        report = db.session.get(ProgressReport, report.id)
    assert report.as_of == today
    operations.save_report(report, actor=user(secretariat), as_of=today - timedelta(days=10),
                           narrative="")  # the same day as the previous one is fine


def test_nothing_more_is_reported_on_a_cancelled_commitment(
        followed, secretariat, seed, make_report, in_request):
    ids = seed(followed)["milestones"]
    make_report(followed["commitments"][1], secretariat, publish_by=secretariat,
                milestones=statuses(ids, ("cancelled", "0", "Sin presupuesto."),
                                    ("cancelled", "0", "Sin presupuesto.")))
    target = commitment(followed["slug"], 1)
    assert operations.is_cancelled(target)
    with pytest.raises(OperationError, match="Todos los hitos de este compromiso están "
                                             "cancelados"):
        operations.start_report(target, actor=user(secretariat))
    db.session.rollback()
    assert len(reports(target.id)) == 1
    assert not operations.is_cancelled(commitment(followed["slug"], 2))  # no milestones


def test_a_draft_on_a_commitment_cancelled_meanwhile_is_not_published(
        followed, secretariat, seed, make_report, in_request):
    """Two reports cannot be open at once, so a draft only meets a cancellation through a
    report published meanwhile; the rule is checked again at each step anyway."""
    ids = seed(followed)["milestones"]
    report_id = make_report(followed["commitments"][1], secretariat, submit=True)
    for milestone in milestones(followed["commitments"][1]):
        milestone.current_status = "cancelled"
    db.session.flush()
    with pytest.raises(OperationError, match="están cancelados"):
        operations.publish_report(db.session.get(ProgressReport, report_id),
                                  actor=user(secretariat))
    assert ids


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.pe/a.pdf",
                                 "example.pe/acta", "https://", "https://exa mple.pe",
                                 "data:text/html,<script>alert(1)</script>"])
def test_evidence_links_are_http_or_https_only(followed, secretariat, seed, make_report,
                                               in_request, url):
    seed(followed)
    report = db.session.get(ProgressReport, make_report(followed["commitments"][1],
                                                        secretariat))
    with pytest.raises(OperationError, match="empiece con http:// o https://"):
        operations.add_link(report, actor=user(secretariat), title="Acta", url=url)
    db.session.rollback()
    assert db.session.get(ProgressReport, report.id).evidence == []


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"<html><body>hola</body></html>", "acta.pdf", "Solo se pueden subir documentos PDF"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "logo.pdf",
     "Solo se pueden subir documentos PDF"),
    (b"%PDF-1.4\n<script>alert(1)</script>", "acta.pdf", "Solo se pueden subir documentos"),
    (b"PK\x03\x04 a zip", "acta.docx", "Solo se pueden subir documentos PDF"),
    (b"", "vacio.pdf", "El archivo está vacío"),
    (PDF + b"0" * 2048, "grande.pdf", "El archivo pesa más de"),
])
def test_a_wrong_upload_is_refused_and_nothing_is_stored(
        app, followed, secretariat, seed, make_report, in_request, data, name, message):
    from consulta.followup.models import Document, DocumentBlob

    seed(followed)
    report = db.session.get(ProgressReport, make_report(followed["commitments"][1],
                                                        secretariat))
    app.config["DOCUMENT_MAX_BYTES"] = 1024
    try:
        with pytest.raises(OperationError, match=message):
            operations.add_document(report, actor=user(secretariat), title="",
                                    file_storage=upload(data, name))
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 10 * 1024 * 1024
    db.session.rollback()
    assert db.session.query(Document).count() == 0
    assert db.session.query(DocumentBlob).count() == 0
    assert db.session.get(ProgressReport, report.id).evidence == []


def test_the_next_report_starts_from_the_published_statuses_and_their_reasons(
        followed, secretariat, seed, make_report, in_request):
    ids = seed(followed)["milestones"]
    make_report(followed["commitments"][1], secretariat, publish_by=secretariat,
                milestones=statuses(ids, ("delayed", "20", "Falta presupuesto."),
                                    ("in_progress", "10", "")))
    report = operations.start_report(commitment(followed["slug"], 1), actor=user(secretariat))
    db.session.commit()
    assert [(r.status, r.percent, r.reason) for r in report.milestones] == [
        ("delayed", 20, "Falta presupuesto."), ("in_progress", 10, "")]
    assert report.number == 2


def _draft_with_document(followed, secretariat):
    """A draft report of commitment 1 with an uploaded file and a link as evidence →
    (report, the file's evidence)."""
    report = operations.start_report(commitment(followed["slug"], 1), actor=user(secretariat))
    operations.add_link(report, actor=user(secretariat), title="Acta",
                        url="https://example.pe/acta")
    evidence = operations.add_document(report, actor=user(secretariat), title="Informe",
                                       file_storage=upload(PDF))
    db.session.commit()
    return report, evidence


def test_a_removed_file_leaves_no_bytes_behind(followed, secretariat, in_request):
    report, evidence = _draft_with_document(followed, secretariat)
    document_id = evidence.document_id
    operations.remove_evidence(evidence, actor=user(secretariat))
    db.session.commit()
    assert db.session.get(Document, document_id) is None
    assert db.session.get(DocumentBlob, document_id) is None
    assert [e.url for e in db.session.get(ProgressReport, report.id).evidence] == [
        "https://example.pe/acta"]
    # The audit log still says what was removed.
    assert entries("report.evidence_removed")[-1].before == {
        "document": document_id, "filename": "informe.pdf", "size": len(PDF)}


def test_a_removal_rolled_back_keeps_the_file(followed, secretariat, in_request):
    """The bytes go in the same transaction as the evidence: never one without the other."""
    _report, evidence = _draft_with_document(followed, secretariat)
    document_id = evidence.document_id
    operations.remove_evidence(evidence, actor=user(secretariat))
    db.session.rollback()
    assert db.session.get(DocumentBlob, document_id).data == PDF
    assert db.session.get(ReportEvidence, evidence.id).document_id == document_id


def test_a_file_something_else_refers_to_stays(followed, secretariat, in_request):
    _report, evidence = _draft_with_document(followed, secretariat)
    document_id = evidence.document_id
    other = operations.start_report(commitment(followed["slug"], 2), actor=user(secretariat))
    other.evidence.append(ReportEvidence(title="El mismo informe", document_id=document_id))
    db.session.commit()
    operations.remove_evidence(evidence, actor=user(secretariat))
    db.session.commit()
    assert db.session.get(DocumentBlob, document_id).data == PDF
    assert [e.document_id for e in db.session.get(ProgressReport, other.id).evidence] == [
        document_id]


def test_removing_a_link_touches_no_file(followed, secretariat, in_request):
    report, evidence = _draft_with_document(followed, secretariat)
    link = next(e for e in report.evidence if e.url)
    operations.remove_evidence(link, actor=user(secretariat))
    db.session.commit()
    assert db.session.get(DocumentBlob, evidence.document_id).data == PDF
