"""Uploaded documents: every check made before anything is stored (size, type by
content, no HTML or SVG markup), the names kept, the database store, and the headers
they are served with."""

import hashlib
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage

from consulta.core.operations import OperationError
from consulta.extensions import db
from consulta.followup import documents
from consulta.followup.models import Document, DocumentBlob

from .conftest import PDF, PNG

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def upload(data, name="archivo.pdf", content_type="application/pdf"):
    return FileStorage(stream=BytesIO(data), filename=name, content_type=content_type)


@pytest.mark.parametrize(("data", "expected"), [
    (PDF, ("application/pdf", "pdf")),
    (PNG, ("image/png", "png")),
    (JPEG, ("image/jpeg", "jpg")),
    (WEBP, ("image/webp", "webp")),
])
def test_accepted_types_are_known_by_their_content(data, expected):
    assert documents.sniff(data) == expected


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><body>Hola</body></html>",
    b"<html><script>alert(1)</script></html>",
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"%PDF-1.7\n<html><body>una pagina que dice ser PDF</body></html>",
    b"%PDF-1.7\n< script >alert(1)</script>",
    b"\x89PNG\r\n\x1a\n<iframe src=//evil.example>",
    b"%PDF-1.4 <OBJECT data=x>", b"%PDF-1.4 <embed src=x>", b"%PDF-1.4 <HEAD>",
    b"GIF89a\x01\x00\x01\x00",  # an image, but not one of the accepted types
    b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but sound
    b"PK\x03\x04",  # a zip (an office document)
    b"just text",
])
def test_markup_and_other_types_are_refused(data):
    assert documents.sniff(data) is None


def test_markup_is_looked_for_near_the_start_only():
    """A real PDF may hold anything deep in its streams; served with its type, nosniff
    and a sandbox, it cannot run: only the first bytes, which browsers sniff, count."""
    assert documents.sniff(PDF + b"x" * 5000 + b"<html>") == ("application/pdf", "pdf")


@pytest.mark.parametrize(("name", "extension", "expected"), [
    ("acta.pdf", "pdf", "acta.pdf"),
    ("../../etc/passwd", "pdf", "passwd.pdf"),
    ("C:\\Users\\ana\\Informe final.PDF", "pdf", "Informe final.pdf"),
    ("foto.jpeg.exe", "jpg", "foto.jpeg.jpg"),
    ("<script>alert(1)</script>.png", "png", "script.png"),  # "/" ends a path
    ("<b onmouseover=x>hola.png", "png", "b onmouseover-x-hola.png"),
    ("", "pdf", "documento.pdf"),
    ("...", "webp", "documento.webp"),
    ("año\u0301.pdf", "pdf", "añó.pdf"),
    ("a" * 300 + ".pdf", "pdf", "a" * 150 + ".pdf"),
])
def test_file_names_keep_no_path_nor_markup_and_end_in_the_detected_type(
        name, extension, expected):
    assert documents.clean_filename(name, extension) == expected


def test_uploads_are_refused_when_missing_empty_or_too_large(app, in_request):
    app.config["DOCUMENT_MAX_BYTES"] = 100
    try:
        with pytest.raises(OperationError, match="Elija un archivo para subir"):
            documents.read_upload(None)
        with pytest.raises(OperationError, match="Elija un archivo para subir"):
            documents.read_upload(upload(PDF, name=""))
        with pytest.raises(OperationError, match="El archivo está vacío"):
            documents.read_upload(upload(b""))
        stream = BytesIO(b"%PDF-" + b"0" * 1000)
        with pytest.raises(OperationError, match="El archivo pesa más de 0 MB"):
            documents.read_upload(FileStorage(stream=stream, filename="a.pdf"))
        assert stream.tell() == 101  # read one byte past the limit, no more
        assert documents.read_upload(upload(b"%PDF-" + b"0" * 95)) == b"%PDF-" + b"0" * 95
        app.config["DOCUMENT_MAX_BYTES"] = 1536 * 1024
        with pytest.raises(OperationError, match="El archivo pesa más de 1,5 MB"):
            documents.read_upload(upload(b"%PDF-" + b"0" * 1536 * 1024))
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 10 * 1024 * 1024


def test_the_default_limit_is_ten_megabytes(app, in_request):
    assert documents.max_bytes() == 10 * 1024 * 1024


def test_a_document_is_stored_by_its_content_not_by_the_browsers_claim(
        create_user, in_request):
    from consulta.accounts.models import User

    person = create_user()
    document = documents.store_document(upload(PNG, name="foto.pdf",
                                               content_type="application/pdf"),
                                        user=db.session.get(User, person.id))
    db.session.commit()
    stored = db.session.get(Document, document.id)
    assert (stored.filename, stored.content_type, stored.size) == ("foto.png", "image/png",
                                                                   len(PNG))
    assert stored.sha256 == hashlib.sha256(PNG).hexdigest()
    assert (stored.storage, stored.created_by_id) == ("database", person.id)
    assert db.session.get(DocumentBlob, document.id).data == PNG
    assert documents.document_bytes(stored) == PNG


def test_a_refused_document_stores_nothing(in_request):
    with pytest.raises(OperationError, match="Solo se pueden subir documentos PDF"):
        documents.store_document(upload(b"<svg/>", name="logo.pdf"))
    db.session.rollback()
    assert db.session.query(Document).count() == 0


def test_documents_are_served_with_their_type_and_no_way_to_run(in_request):
    document = documents.store_document(upload(PDF, name="Informe año 2026 \"final\".pdf"))
    inline = documents.document_response(document)
    assert inline.mimetype == "application/pdf" and inline.get_data() == PDF
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    assert inline.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert inline.headers["ETag"] == f'"{document.sha256}"'
    disposition = inline.headers["Content-Disposition"]
    assert disposition.startswith('inline; filename="Informe a_o 2026 -final.pdf"')
    assert "filename*=UTF-8''Informe%20a%C3%B1o%202026%20-final.pdf" in disposition
    attachment = documents.document_response(document, download=True)
    assert attachment.headers["Content-Disposition"].startswith("attachment;")


def test_a_document_without_its_bytes_serves_nothing(in_request):
    document = documents.store_document(upload(PDF))
    db.session.flush()
    db.session.delete(db.session.get(DocumentBlob, document.id))
    db.session.flush()
    assert documents.document_bytes(document) == b""


def test_the_store_is_the_configured_one_and_a_wrong_setting_stops_the_start(app):
    from ..conftest import make_app

    with app.app_context():
        assert documents.current_store().name == "database"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with pytest.raises(RuntimeError, match="DOCUMENT_STORAGE='disk'"):
        make_app(url, DOCUMENT_STORAGE="disk")
    with pytest.raises(RuntimeError, match="needs S3_BUCKET"):
        make_app(url, DOCUMENT_STORAGE="s3", S3_BUCKET="")


def test_another_store_is_used_once_registered(app, in_request):
    class MemoryStore:
        name = "s3"
        objects = {}

        def put(self, document, data):
            document.storage_key = f"documents/{document.id}"
            self.objects[document.storage_key] = data

        def get(self, document):
            return self.objects[document.storage_key]

    real = documents.STORES["s3"]
    documents.register_store(MemoryStore())
    app.config["DOCUMENT_STORAGE"] = "s3"
    try:
        document = documents.store_document(upload(PDF))
        db.session.flush()
        assert (document.storage, document.storage_key) == ("s3", f"documents/{document.id}")
        assert db.session.get(DocumentBlob, document.id) is None
        assert documents.document_bytes(document) == PDF
    finally:
        app.config["DOCUMENT_STORAGE"] = "database"
        documents.register_store(real)
