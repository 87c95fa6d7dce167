"""Documents in an S3-compatible object store, against a real S3 server: moto in server
mode, started here as a subprocess (no mock inside this process).

Needs boto3 (``consulta[s3]``) in the test's Python, and moto's server for the
subprocess: importable by the same Python, or from the folder named by
``MOTO_PYTHONPATH`` (moto brings its own Flask, kept out of the app's). Skipped without
them; ``TEST_S3_ENDPOINT_URL`` points the tests at another server instead (MinIO...),
whose ``TEST_S3_ACCESS_KEY_ID`` / ``TEST_S3_SECRET_ACCESS_KEY`` they use.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from io import BytesIO

import pytest
from sqlalchemy import select

from consulta.extensions import db
from consulta.followup import documents
from consulta.followup.models import Document, DocumentBlob, ReportEvidence

from ..conftest import free_port, login, make_app
from .conftest import PDF, PNG

boto3 = pytest.importorskip("boto3")


def _wait_for(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def s3_endpoint():
    """(endpoint, access key, secret key) of a running S3-compatible server."""
    if os.environ.get("TEST_S3_ENDPOINT_URL"):
        yield (os.environ["TEST_S3_ENDPOINT_URL"], os.environ.get("TEST_S3_ACCESS_KEY_ID"),
               os.environ.get("TEST_S3_SECRET_ACCESS_KEY"))
        return
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.environ.get("MOTO_PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        if not _wait_for(port, process):
            pytest.skip("no S3 server: moto's server is not installed (see the docstring)")
        yield f"http://127.0.0.1:{port}", "test", "test"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_settings(s3_endpoint):
    endpoint, key, secret = s3_endpoint
    bucket = f"consulta-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key, aws_secret_access_key=secret)
    client.create_bucket(Bucket=bucket)
    return client, {"DOCUMENT_STORAGE": "s3", "S3_ENDPOINT_URL": endpoint,
                    "S3_BUCKET": bucket, "S3_REGION": "us-east-1",
                    "S3_ACCESS_KEY_ID": key, "S3_SECRET_ACCESS_KEY": secret}


@pytest.fixture
def s3_app(app, s3_settings):
    """An app like the session's (same database) that keeps documents in the store."""
    client, settings = s3_settings
    return make_app(app.config["SQLALCHEMY_DATABASE_URI"], **settings), client, settings


def test_a_document_goes_to_the_bucket_and_comes_back(s3_app):
    from werkzeug.datastructures import FileStorage

    s3, client, settings = s3_app
    with s3.test_request_context():
        document = documents.store_document(FileStorage(stream=BytesIO(PNG),
                                                        filename="foto.png"))
        db.session.commit()
        stored = db.session.get(Document, document.id)
        assert (stored.storage, stored.storage_key) == (
            "s3", f"documents/{stored.id}/{stored.sha256}")
        assert db.session.get(DocumentBlob, stored.id) is None
        assert documents.document_bytes(stored) == PNG
        key = stored.storage_key
        db.session.remove()
    answer = client.get_object(Bucket=settings["S3_BUCKET"], Key=key)
    assert answer["Body"].read() == PNG and answer["ContentType"] == "image/png"


def test_two_app_servers_serve_the_same_evidence_file(
        app, s3_app, followed, secretariat, seed, make_reporter):
    """Uploaded through one server, published, and served by another: nothing on one
    server's disk."""
    s3, _client, settings = s3_app
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], **settings)
    slug, first = followed["slug"], followed["commitments"][1]
    seed(followed)
    reporter = make_reporter(first)
    writer = s3.test_client()
    login(writer, reporter)
    url = writer.post_form(
        f"/consultations/{slug}/follow-up/manage/commitments/{first}/reports"
    ).headers["Location"]
    writer.post(url + "/documents", data={"csrf_token": writer.csrf_token(), "title": "Acta",
                                          "file": (BytesIO(PDF), "acta.pdf")},
                content_type="multipart/form-data")
    writer.post_form(url + "/submit")
    reviewer = other.test_client()
    login(reviewer, secretariat)
    assert reviewer.post_form(url + "/publish").status_code == 302
    with app.app_context():
        document = db.session.scalar(select(ReportEvidence)).document
        link = f"/documents/{document.id}/{document.filename}"
        assert document.storage == "s3"
    served = other.test_client().get(link)
    assert served.status_code == 200 and served.data == PDF
    assert served.mimetype == "application/pdf"


def _keys(client, settings):
    answer = client.list_objects_v2(Bucket=settings["S3_BUCKET"])
    return [item["Key"] for item in answer.get("Contents", [])]


def test_removed_evidence_takes_its_object_along_once_committed(s3_app, followed, secretariat):
    from werkzeug.datastructures import FileStorage

    from consulta.accounts.models import User
    from consulta.followup import operations

    from .conftest import commitment

    s3, client, settings = s3_app
    with s3.test_request_context():
        actor = db.session.get(User, secretariat.id)
        report = operations.start_report(commitment(followed["slug"], 1), actor=actor)
        upload = FileStorage(stream=BytesIO(PDF), filename="a.pdf")
        evidence = operations.add_document(report, actor=actor, title="", file_storage=upload)
        db.session.commit()
        [key] = _keys(client, settings)
        # Rolled back: the row stays, and so does its object.
        operations.remove_evidence(evidence, actor=actor)
        db.session.rollback()
        assert _keys(client, settings) == [key]
        operations.remove_evidence(db.session.get(ReportEvidence, evidence.id), actor=actor)
        assert _keys(client, settings) == [key]  # not before the commit
        db.session.commit()
        assert _keys(client, settings) == []
        assert db.session.scalar(select(Document).where(Document.storage_key == key)) is None
        db.session.remove()
