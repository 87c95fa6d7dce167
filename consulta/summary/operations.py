"""Publishing the summary of a consultation as a frozen, versioned, signed snapshot."""

import threading

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import column, insert, table, update
from sqlalchemy.exc import IntegrityError

from consulta.audit.operations import record
from consulta.consultations.models import Consultation
from consulta.consultations.queries import date_changes
from consulta.core.database import wrote_nothing
from consulta.core.dates import local_zone, utcnow
from consulta.core.operations import OperationError
from consulta.core.sanitize import render_markdown
from consulta.extensions import db

from .digest import SummaryDigest
from .figures import compute_figures
from .irm import checklist
from .matrix import iter_row_values
from .models import SummarySnapshot
from .queries import last_version_number, snapshots_before
from .sealing import SealedRows, Slices, processes_for
from .signals import summary_published
from .suppression import public_content, suppress

#: The rows table for bulk inserts of rows already serialized (canonical JSON is JSON:
#: serializing each of tens of thousands of rows once, not twice, halves that cost), in
#: the order of the tuples ``_write_rows`` takes.
_ROWS = table("summary_rows", column("snapshot_id"), column("position"), column("data"),
               column("digest"), column("salt"))


def _timeline(consultation, published_at=None):
    """The process as it happened, next to the planned phases: its participation windows
    and every date changed after the announcement (old and new, who, when and why)."""
    return {
        "announced_at": _iso(consultation.announced_at),
        "recorded_after_at": _iso(consultation.recorded_after_at),
        "announcement_reference": consultation.announcement_reference,
        "opens_at": _iso(consultation.opens_at),
        "closes_at": _iso(consultation.closes_at),
        "first_summary_at": _iso(consultation.summary_published_at or published_at),
        "phases": [{"name": p.name, "starts_on": p.starts_on.isoformat(),
                    "ends_on": p.ends_on.isoformat()} for p in consultation.phases],
        "windows": [{"channel": w.channel, "opens_at": _iso(w.opens_at),
                     "closes_at": _iso(w.closes_at), "reason": w.reason}
                    for w in sorted(consultation.windows, key=lambda w: (w.opens_at, w.id))],
        "date_changes": date_changes(consultation),
    }


def _iso(value):
    return value.isoformat() if value else None


def preview_summary(consultation, figures=None):
    """What publishing would freeze now: introduction, figures (gender figures of small
    groups suppressed: ``suppression.py``), the IRM checklist as if published,
    timeline. Changes nothing (the secretariat's preview, and the content
    ``publish_summary`` freezes).

    :param consultation: the consultation to sum up.
    :param figures: its figures (``compute_figures``) when counted already.
    :return: the JSON-ready content of a summary.
    """
    if figures is None:
        figures = compute_figures(consultation)
    content = {
        "introduction_html": str(render_markdown(consultation.summary_introduction)),
        "figures": figures,
        "irm": checklist(consultation, figures, summary_published=True),
        "timeline": _timeline(consultation, utcnow()),
        "consultation": {"slug": consultation.slug, "title": consultation.title,
                         "organizer": consultation.organizer,
                         "forum_name": consultation.forum_name},
    }
    # Gender figures of small groups are suppressed, also against what the earlier
    # versions show (no subtraction of two versions singles anyone out).
    earlier = snapshots_before(consultation.id, last_version_number(consultation) + 1)
    return suppress(content, [public_content(s, earlier) for s in earlier])


def publish_summary(consultation, *, actor):
    """Freeze the summary as the next version; only once contributions are closed.

    Writes the snapshot, every row of the contribution matrix as it is now and the
    SHA-256 digest over both; records ``summary.published`` in the audit log; then
    sends ``signals.summary_published``. Refused (``OperationError``) before the
    consultation closes, or when it is not public.

    :param consultation: the consultation, public and closed.
    :param actor: the secretariat member who publishes.
    :return: the new ``SummarySnapshot``.
    """
    now = utcnow()
    if not consultation.is_public:
        raise OperationError(_l("This consultation is not public."))
    if now < consultation.closes_at:
        raise OperationError(_l("The summary can be published once the consultation has "
                                "closed."))
    # Everything frozen is read as of one moment: the figures and the rows must tell of
    # the same contributions (a hide committed between two reads made them disagree by
    # one). The figures are counted beside the rows (on a connection of their own, or
    # here while processes of their own seal slices of the rows), as of that moment.
    # Every row is read, serialized and hashed before anything is written: on SQLite the
    # first write takes the database's write lock until the commit, and building the
    # rows of 50,000 contributions took seconds in which nobody else could write (a
    # log-in failed with "database is locked"). The rows wait in temporary files
    # (``sealing.SealedRows``), so memory stays flat; the transaction then only inserts
    # them.
    with _read_as_of_now(consultation) as reading:
        version = last_version_number(consultation) + 1
        figures, rows = reading.read()
        content = preview_summary(consultation, figures=figures)
        content["version"] = version
        content["published_at"] = now.isoformat()
        content["timeline"]["first_summary_at"] = _iso(consultation.summary_published_at
                                                       or now)
        reading.end()
        digest = SummaryDigest(content)
        if reading.streamed:
            # PostgreSQL, in slices: each batch is written as soon as a slice has sealed
            # it, while the others seal theirs (written after the sealing, the rows took
            # a fifth of the time, the cores half idle). The version's row goes first,
            # for its rows to refer to; its digest and count, known once every row is
            # in, are set in the same transaction: nobody sees the version before.
            snapshot = _new_snapshot(consultation, version, now, actor, content, "", 0)
            count = 0
            for first, batch in rows.stream():
                _write_rows([(snapshot.id, first + number, text, sealed, salt)
                             for number, (text, sealed, salt) in enumerate(batch)])
                count += len(batch)
            for lines in rows.digest_lines():
                digest.add_lines(lines)
            db.session.execute(update(SummarySnapshot)
                               .where(SummarySnapshot.id == snapshot.id)
                               .values(digest=digest.hexdigest(), row_count=count))
        else:
            for lines in rows.digest_lines():
                digest.add_lines(lines)
            count = rows.count
            snapshot = _new_snapshot(consultation, version, now, actor, content,
                                     digest.hexdigest(), count)
            position = 0
            for batch in rows.batches():
                _write_rows([(snapshot.id, position + number, text, sealed, salt)
                             for number, (text, sealed, salt) in enumerate(batch, start=1)])
                position += len(batch)
    if consultation.summary_published_at is None:
        consultation.summary_published_at = now
    record("summary.published", snapshot, actor=actor, consultation_id=consultation.id,
           after={"version": version, "rows": count, "digest": digest.hexdigest()})
    summary_published.send(snapshot)
    return snapshot


def _new_snapshot(consultation, version, now, actor, content, digest, count):
    """The version's row, written (a version published meanwhile: refused)."""
    snapshot = SummarySnapshot(consultation_id=consultation.id, version=version,
                               published_at=now, published_by_id=actor.id, content=content,
                               digest=digest, row_count=count)
    db.session.add(snapshot)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Another member of the secretariat published this version meanwhile.
        raise OperationError(_l(
            "Another version of the summary was published while this one was being "
            "prepared; nothing was published. Check the summary and publish again "
            "if needed.")) from error
    return snapshot


class _Reading:
    """What publishing reads, as of one moment: ``read()`` gives the figures and the
    sealed rows (``sealing.SealedRows``; ``streamed``: ``sealing.Slices`` still
    sealing, to ``stream()``), ``end()`` ends a transaction that only read, before the
    writes; leaving it frees the rows' files and stops what still runs."""

    def __init__(self, read, end=lambda: None, close=lambda: None, *, streamed=False):
        self.read = read
        self.end = end
        self.streamed = streamed
        self._close = close

    def __enter__(self):
        return self

    def __exit__(self, *_exception):
        self._close()


def _read_as_of_now(consultation):
    """Begin reading the consultation as of one moment: its figures counted and its rows
    sealed in that same moment, side by side when the database lets several
    connections share it, one after the other here otherwise.

    - Something already written in this transaction (flushed or pending): another
      connection would not see it, so everything is read here. Nothing else can
      change what this transaction reads meanwhile on SQLite, which holds the write lock
      since the first write; on PostgreSQL each statement reads what was committed when
      it began (publishing from a request writes nothing before).
    - PostgreSQL: the transaction, which has only read, is ended and a REPEATABLE READ
      one begun; the other connections take its snapshot (``pg_export_snapshot``).
      The writes follow in it, and a row changed meanwhile by someone else fails the
      publication (a serialization failure, "try again"), never mixes two moments.
    - SQLite: this connection and the others each read in a transaction of their own
      (in WAL, a transaction reads the database as it was at its first read), the
      others begun first. If nobody committed between a look at the database's
      version before them and this one's first read, all read the same moment;
      otherwise everything is read again here. This transaction ends before the
      writes: SQLite refuses to write from a read that others wrote after.
    - SQLite in memory: another connection is another database; one connection reads
      it all.

    The other connections: processes that seal slices of the rows while this one counts
    the figures (``sealing.Slices``: as many as ``sealing.processes_for`` gives), or a
    thread that counts the figures while this one seals the rows.

    :param consultation: the consultation to read.
    :return: a ``_Reading``.
    """
    session = db.session
    if session.new or session.dirty or session.deleted:
        return _read_here(consultation)
    connection = session.connection()
    name = connection.dialect.name
    if name == "postgresql":
        if not wrote_nothing(connection):
            return _read_here(consultation)
        session.rollback()  # a transaction that only read: nothing is lost
        connection = session.connection(
            execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        moment = ("REPEATABLE READ", f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        processes, rows = processes_for(current_app.config, connection, consultation)
        if processes > 1:
            slices = Slices(connection, consultation, processes, rows, local_zone(),
                            isolation=moment[0], statements=moment[1:], stream=True)
            return _read_in_slices(consultation, slices, streamed=True)
        return _read_beside(consultation, _Counting(consultation, *moment).figures)
    dbapi_connection = connection.connection.dbapi_connection
    if (name != "sqlite" or dbapi_connection.in_transaction
            or connection.engine.url.database in (None, "", ":memory:")):
        return _read_here(consultation)
    processes, rows = processes_for(current_app.config, connection, consultation)
    before = connection.exec_driver_sql("PRAGMA data_version").scalar()
    moment = (None, "BEGIN", "PRAGMA data_version")
    if processes > 1:
        slices = Slices(connection, consultation, processes, rows, local_zone(),
                        statements=moment[1:])
        try:
            slices.wait_reading()
        except BaseException:
            slices.close()
            raise
    else:
        counting = _Counting(consultation, *moment)
        counting.reading.wait()
    connection.exec_driver_sql("BEGIN")
    same_moment = connection.exec_driver_sql("PRAGMA data_version").scalar() == before

    def end():
        if dbapi_connection.in_transaction:
            connection.exec_driver_sql("COMMIT")

    if processes > 1:
        if same_moment:
            return _read_in_slices(consultation, slices, end)
        slices.close()
        return _read_here(consultation, end)

    def figures():
        counted = counting.figures()
        return counted if same_moment else compute_figures(consultation)

    return _read_beside(consultation, figures, end)


def _read_here(consultation, end=lambda: None):
    """Figures and rows read one after the other on this connection."""
    return _read_beside(consultation, lambda: compute_figures(consultation), end)


def _read_beside(consultation, figures, end=lambda: None):
    """The rows sealed here, then the figures from ``figures()``, which counts them here
    or waits for them to be counted elsewhere."""
    rows = SealedRows()

    def read():
        rows.seal(iter_row_values(consultation))
        return figures(), rows

    return _Reading(read, end, rows.close)


def _read_in_slices(consultation, slices, end=lambda: None, *, streamed=False):
    """The figures counted here while ``slices`` seal the rows (``streamed``: the rows
    are the slices, still sealing)."""

    def read():
        figures = compute_figures(consultation)
        return figures, (slices if streamed else slices.wait())

    return _Reading(read, end, slices.close, streamed=streamed)


class _Counting:
    """Count the consultation's figures (``compute_figures``) in a thread, on a
    connection of its own begun with ``isolation`` (None: the engine's) and
    ``statements``; ``reading`` is set once they ran (the thread reads as of then),
    ``figures()`` waits for the figures.
    """

    def __init__(self, consultation, isolation, *statements):
        self.reading = threading.Event()
        self._outcome = {}
        app = current_app._get_current_object()
        consultation_id = consultation.id
        options = {"isolation_level": isolation} if isolation else {}

        def count():
            try:
                with app.app_context():
                    try:
                        connection = db.session.connection(execution_options=options)
                        for statement in statements:
                            connection.exec_driver_sql(statement)
                        self.reading.set()
                        self._outcome["figures"] = compute_figures(
                            db.session.get(Consultation, consultation_id))
                    finally:
                        db.session.remove()
            except BaseException as error:  # raised again by figures(), in the caller
                self._outcome["error"] = error
            finally:
                self.reading.set()

        self._thread = threading.Thread(target=count, name="summary-figures", daemon=True)
        self._thread.start()

    def figures(self):
        self._thread.join()
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome["figures"]


def _write_rows(rows):
    """Append (snapshot_id, position, canonical JSON, row digest, salt) rows in the
    session's transaction.

    PostgreSQL takes them with COPY, several times faster than INSERTs of JSON values
    (4 s to write 50,000 rows, most of a snapshot's publication time there).
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            with cursor.copy("COPY summary_rows (snapshot_id, position, data, digest, "
                             "salt) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    # The driver's own executemany, with the tuples as they are: the statement's
    # parameters need no processing (text already serialized), and building a dict per
    # row for SQLAlchemy to take apart again was a third of the inserts' cost.
    statement = insert(_ROWS).compile(dialect=connection.dialect)
    connection.exec_driver_sql(str(statement), rows)


def save_summary_texts(consultation, *, actor, introduction, notes):
    """Save the summary's introduction and the notes on the IRM guidelines, with an
    audit record of before and after. Notes never change a verdict: verdicts are
    computed from the data (``irm.checklist``).

    :param consultation: the consultation.
    :param actor: the secretariat member who writes them.
    :param introduction: Markdown text (rendered and sanitized when published).
    :param notes: {guideline key: note}; empty notes are dropped.
    """
    before = {"introduction": consultation.summary_introduction,
              "notes": dict(consultation.irm_notes or {})}
    consultation.summary_introduction = introduction or ""
    consultation.irm_notes = {k: v for k, v in notes.items() if v}
    record("summary.texts_saved", consultation, actor=actor, consultation_id=consultation.id,
           before=before, after={"introduction": consultation.summary_introduction,
                                 "notes": consultation.irm_notes})
