"""Uploaded documents: evidence of progress reports, minutes of forum meetings.

An upload is checked before anything is stored: its size (``DOCUMENT_MAX_BYTES``,
10 MiB by default), and its type *by its content*, never by the browser's claim or the
file name: a PDF or a PNG, JPEG or WebP image, and nothing that carries HTML or SVG
markup near its start (a page pretending to be a PDF is refused). The bytes go to the
configured store: the database by default (``DocumentBlob``), so several app servers
behind a proxy serve the same files; an S3-compatible object store when one is
configured (``S3Store``). They are served back with their checked type, ``nosniff``
and a sandboxing CSP, so even a file that slipped through could not run a script.

A document nothing refers to any more (its evidence removed from a draft report) is
forgotten with its bytes (``forget_unused``): in the same transaction for the database
store, once the transaction has committed for an object store.
"""

import hashlib
import logging
import re
import unicodedata
from urllib.parse import quote

from flask import Response, current_app
from flask_babel import gettext as _
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from consulta.core.i18n import format_number
from consulta.core.operations import OperationError
from consulta.extensions import db

from .models import Document, DocumentBlob

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

#: Accepted types: (content type, extension, magic test on the first bytes).
ACCEPTED = (
    ("application/pdf", "pdf", lambda head: head.startswith(b"%PDF-")),
    ("image/png", "png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/jpeg", "jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ("image/webp", "webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
)
#: Markup that makes a file dangerous to serve whatever it claims to be.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed)\b",
                     re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[^\w.\- ()]+")


def max_bytes():
    return current_app.config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def sniff(data):
    """The accepted (content type, extension) of ``data``, or None."""
    head = data[:4096]
    if _MARKUP.search(head):
        return None
    for content_type, extension, test in ACCEPTED:
        if test(head):
            return content_type, extension
    return None


def clean_filename(name, extension):
    """A display name without paths, control or markup characters, ending in the
    extension of the detected type."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE_NAME.sub("-", stem).strip(" .-")[:150] or "documento"
    return f"{stem}.{extension}"


def read_upload(file_storage):
    """The bytes of an uploaded file, refused (``OperationError``) when it is empty or
    larger than allowed. Reads at most one byte past the limit."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise OperationError(_("Choose a file to upload."))
    limit = max_bytes()
    data = file_storage.stream.read(limit + 1)
    if not data:
        raise OperationError(_("The file is empty."))
    if len(data) > limit:
        raise OperationError(_("The file is larger than %(size)s MB.",
                               size=format_number(limit / (1024 * 1024))))
    return data


def store_document(file_storage, user=None):
    """Check an upload and store it; returns the new ``Document`` (flushed, not
    committed). Raises ``OperationError`` with a message for the user when it is
    refused; nothing is stored then."""
    data = read_upload(file_storage)
    detected = sniff(data)
    if detected is None:
        raise OperationError(_("Only PDF documents and PNG, JPEG or WebP images can be "
                               "uploaded; this file is none of them."))
    content_type, extension = detected
    document = Document(
        filename=clean_filename(file_storage.filename, extension),
        content_type=content_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_by_id=getattr(user, "id", None))
    store = current_store()
    document.storage = store.name
    db.session.add(document)
    db.session.flush()
    store.put(document, data)
    return document


def _references():
    """Every column that refers to a document (its own bytes aside): evidence, forum
    minutes, and whatever refers to one later, found in the schema."""
    for table in db.metadata.sorted_tables:
        if table.name == DocumentBlob.__tablename__:
            continue
        for key in table.foreign_keys:
            if key.column.table.name == Document.__tablename__:
                yield key.parent


def is_referenced(document):
    """Whether anything stored still refers to ``document`` (changes not yet flushed
    included)."""
    db.session.flush()
    return any(db.session.scalar(select(column).where(column == document.id).limit(1))
               is not None for column in _references())


def forget_unused(document):
    """Delete ``document`` and its bytes when nothing refers to it any more; returns
    whether it did. Nothing else is kept of its bytes: the audit log keeps its id, name
    and size. Call it once the reference is gone (flushed or not); it does not commit.

    :param document: a ``Document`` (None: nothing to do).
    """
    if document is None or is_referenced(document):
        return False
    STORES[document.storage].delete(document)
    db.session.delete(document)
    db.session.flush()
    return True


def document_bytes(document):
    return STORES[document.storage].get(document)


def document_response(document, download=False):
    """The document as an HTTP response: its checked type, its name, and headers that
    keep a browser from running anything in it."""
    disposition = "attachment" if download else "inline"
    response = Response(document_bytes(document), mimetype=document.content_type)
    response.headers["Content-Disposition"] = _content_disposition(disposition,
                                                                   document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["ETag"] = f'"{document.sha256}"'
    return response


def _content_disposition(kind, filename):
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class DatabaseStore:
    """Bytes in the ``document_blobs`` table (the default)."""

    name = "database"

    def put(self, document, data):
        db.session.add(DocumentBlob(document_id=document.id, data=data))

    def get(self, document):
        blob = db.session.get(DocumentBlob, document.id)
        return blob.data if blob is not None else b""

    def delete(self, document):
        """In the transaction: rolled back with it."""
        db.session.execute(delete(DocumentBlob).where(DocumentBlob.document_id == document.id))


class S3Store:
    """Bytes in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage…), under
    ``documents/<id>/<sha256>`` in ``S3_BUCKET``, through boto3 (the ``s3`` extra).

    The object is written when the document is stored, before the transaction commits:
    a transaction rolled back afterwards leaves an object nothing points to (never
    served, and overwritten if its key comes round again), never a row without bytes.
    """

    name = "s3"

    def _client(self):
        app = current_app._get_current_object()
        client = app.extensions.get("consulta_s3_client")
        if client is None:
            import boto3  # the s3 extra; checked at start-up

            config = app.config
            client = boto3.client(
                "s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                region_name=config.get("S3_REGION") or None,
                aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
                aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None)
            app.extensions["consulta_s3_client"] = client
        return client

    def put(self, document, data):
        document.storage_key = f"documents/{document.id}/{document.sha256}"
        self._client().put_object(Bucket=current_app.config["S3_BUCKET"],
                                  Key=document.storage_key, Body=data,
                                  ContentType=document.content_type)

    def get(self, document):
        answer = self._client().get_object(Bucket=current_app.config["S3_BUCKET"],
                                           Key=document.storage_key)
        return answer["Body"].read()

    def delete(self, document):
        """Once the transaction commits (``_delete_objects_after_commit``): a transaction
        rolled back keeps the row, and so the object."""
        if document.storage_key:
            db.session.info.setdefault(_OBJECTS_TO_DELETE, []).append(
                (self.name, current_app.config["S3_BUCKET"], document.storage_key))

    def delete_now(self, bucket, key):
        self._client().delete_object(Bucket=bucket, Key=key)


#: Objects whose documents the current transaction deletes, as (store name, bucket,
#: key): deleted from their store (``delete_now``) once it commits.
_OBJECTS_TO_DELETE = "documents_objects_to_delete"


@event.listens_for(Session, "after_commit")
def _delete_objects_after_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint was released: the transaction, and the deletions, go on
    doomed = session.info.pop(_OBJECTS_TO_DELETE, None)
    if not doomed:
        return
    # The session cannot query after its commit: a connection of its own. A deletion
    # undone by a savepoint rolled back, or a key a new document took again since (an id
    # reused), leaves a row with that key: its object stays.
    with Session(db.engine) as check:
        kept = set(check.execute(select(Document.storage, Document.storage_key).where(
            Document.storage_key.in_([key for _name, _bucket, key in doomed]))).all())
    for name, bucket, key in doomed:
        if (name, key) in kept:
            continue
        try:
            STORES[name].delete_now(bucket, key)
        except Exception:  # the change is committed: an object left behind only costs space
            log.warning("documents: could not delete object %s from bucket %s", key, bucket,
                        exc_info=True)


@event.listens_for(Session, "after_rollback")
def _keep_objects_after_rollback(session):
    if not session.in_nested_transaction():
        session.info.pop(_OBJECTS_TO_DELETE, None)


#: Every store by the name kept in ``Document.storage``. A store is an object with a
#: ``name`` and ``put(document, data)`` / ``get(document) -> bytes`` /
#: ``delete(document)`` (its bytes go with the transaction, or once it commits).
STORES = {"database": DatabaseStore(), "s3": S3Store()}


def register_store(store):
    """Make ``store`` available under ``store.name`` (for ``DOCUMENT_STORAGE``)."""
    STORES[store.name] = store


def check_storage_setting(app):
    """Refuse to start with a ``DOCUMENT_STORAGE`` no store answers to, or an object
    store without its bucket or its library: uploads would otherwise go where nobody
    expects them, or fail one by one."""
    name = app.config.get("DOCUMENT_STORAGE", "database")
    if name not in STORES:
        raise RuntimeError(f"DOCUMENT_STORAGE={name!r}: no such document store "
                           f"(available: {', '.join(sorted(STORES))})")
    if name == "s3":
        if not app.config.get("S3_BUCKET"):
            raise RuntimeError("DOCUMENT_STORAGE=s3 needs S3_BUCKET")
        try:
            import boto3  # noqa: F401
        except ImportError:
            raise RuntimeError("DOCUMENT_STORAGE=s3 needs boto3: install consulta[s3]") \
                from None


def current_store():
    """Where new documents go: the configured store (the database by default)."""
    return STORES[current_app.config.get("DOCUMENT_STORAGE", "database")]


#: Who may see a document that is not public: functions ``(document, user) -> bool``
#: registered by the parts that attach documents (progress reports' evidence, forum
#: minutes). A document is public when one of ``PUBLIC_CHECKS`` says so.
PUBLIC_CHECKS = []
PRIVATE_CHECKS = []


def is_public(document):
    """A document is served to anyone once something published holds it."""
    return any(check(document) for check in PUBLIC_CHECKS)


def may_see(document, user):
    """``user`` may see the document although it is not public (its authors' staff)."""
    return any(check(document, user) for check in PRIVATE_CHECKS)
