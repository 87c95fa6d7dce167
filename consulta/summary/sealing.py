"""The rows of a summary about to be published: read, serialized and sealed before
anything is written, and kept in temporary files until the transaction inserts them.

A consultation of many contributions is read in slices of the matrix's order, each by a
process of its own, forked from this one (nothing imported again, no row pickled on the
way in), on a connection of its own that reads the same moment as the publication
(``operations._read_as_of_now``). Sealing is Python's work, about 1.5 s of CPU per
50,000 rows: one process used one core of the server's.
"""

import bisect
import multiprocessing
import multiprocessing.connection
import os
import pickle
import sys
import tempfile
import traceback

from sqlalchemy import and_, func, or_, select

from consulta.contributions.models import Contribution
from consulta.contributions.queries import counted_in, received_order

from .digest import new_salt, row_sealer
from .matrix import FIELDS, read_row_values, rows_statement

#: Rows per batch, spooled and inserted at a time.
BATCH = 5000

#: What a slice's process keeps of the parent's engine: its connections are the parent's
#: (their sockets and files shared), never used, closed or collected here.
_INHERITED = []


class SealedRows:
    """Sealed rows waiting in temporary files, in parts that follow each other in the
    matrix's order: each part a spool of pickled batches of (canonical JSON, row
    digest, salt) and a file of the rows' digests, each after a newline
    (``SummaryDigest.add_lines``). Memory stays flat whatever the number of rows.
    """

    def __init__(self):
        self._parts = []  # [spool, digests, count]

    def new_part(self):
        """Two new temporary files, the next part's; its count is set by ``seal`` or
        ``set_count``. :return: ``(spool, digests)``."""
        # Closed by close(), which every user of the rows calls (``operations._Reading``).
        spool = tempfile.TemporaryFile()  # noqa: SIM115
        digests = tempfile.TemporaryFile()  # noqa: SIM115
        self._parts.append([spool, digests, 0])
        return spool, digests

    def seal(self, values):
        """Seal rows of values (in the order of ``FIELDS``) into a new part.

        :param values: an iterable of the rows' values, in the matrix's order.
        :return: how many rows it held.
        """
        spool, digests = self.new_part()
        count = seal_into(values, spool, digests)
        self._parts[-1][2] = count
        return count

    def set_count(self, part, count):
        self._parts[part][2] = count

    def spool(self, part):
        return self._parts[part][0]

    @property
    def count(self):
        return sum(count for _spool, _digests, count in self._parts)

    def digest_lines(self):
        """The rows' digests in order, in chunks of bytes (``SummaryDigest.add_lines``)."""
        for _spool, digests, _count in self._parts:
            digests.seek(0)
            while chunk := digests.read(1 << 20):
                yield chunk

    def batches(self):
        """The rows in order, in batches of (canonical JSON, row digest, salt)."""
        for spool, _digests, count in self._parts:
            spool.seek(0)
            read = 0
            while read < count:
                # Written by seal_into, by this process or a slice's: nothing else
                # reads or writes these files.
                batch = pickle.load(spool)  # noqa: S301
                read += len(batch)
                yield batch

    def close(self):
        for spool, digests, _count in self._parts:
            spool.close()
            digests.close()
        self._parts = []


def seal_into(values, spool, digests, spooled=None):
    """Seal each row (a new salt, its canonical JSON and digest: ``digest.row_sealer``)
    and write them to ``spool`` in pickled batches (reading them back is one call, where
    splitting lines of text cost as much as inserting them), their digests after a
    newline each to ``digests``.

    :param values: an iterable of the rows' values, in the order of ``FIELDS``.
    :param spooled: called with ``(offset, length, rows)`` once each batch is in the
        spool's file, flushed (``Slices.stream``).
    :return: how many rows were sealed.
    """
    seal = row_sealer(FIELDS)
    count = 0
    batch = []
    for row in values:
        salt = new_salt()
        text, sealed = seal(salt, row)
        batch.append((text, sealed, salt))
        if len(batch) == BATCH:
            count += _spool(batch, spool, digests, spooled)
            batch = []
    return count + _spool(batch, spool, digests, spooled)


def _spool(batch, spool, digests, spooled):
    if batch:
        offset = spool.tell()
        pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
        digests.write("".join(["\n" + sealed for _text, sealed, _salt in batch]).encode())
        if spooled is not None:
            spool.flush()
            spooled(offset, spool.tell() - offset, len(batch))
    return len(batch)


def processes_for(config, connection, consultation):
    """How many processes would read and seal the consultation's rows: one per
    ``SUMMARY_PUBLISH_ROWS_PER_PROCESS`` rows, at most ``SUMMARY_PUBLISH_PROCESSES``;
    1 where this system cannot fork a process safely (``can_fork``).

    :param config: the application's configuration.
    :param connection: the connection that reads the rows to publish.
    :param consultation: the consultation.
    :return: ``(processes, rows)``; rows is None when not counted (one process).
    """
    most = config["SUMMARY_PUBLISH_PROCESSES"]
    if most < 2 or not can_fork():
        return 1, None
    rows = connection.scalar(select(func.count()).select_from(Contribution)
                             .where(counted_in(consultation)))
    return max(1, min(most, rows // max(config["SUMMARY_PUBLISH_ROWS_PER_PROCESS"], 1))), rows


def can_fork():
    """Whether slices can be read here: Linux, where a forked process is what
    multiprocessing makes by default (macOS has fork, not safely: its system libraries
    may hold locks in another thread at the fork)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class Slices:
    """The consultation's rows read and sealed in ``parts`` slices of the matrix's order,
    each in a process forked from this one, into the parts of ``rows`` (a
    ``SealedRows``).

    Each process opens its own connection (the parent's are never touched there),
    begins it with ``isolation`` (None: the engine's) and ``statements`` (the
    publication's moment), then reads its slice; ``wait_reading()`` returns once every
    one has begun to read, ``wait()`` once every one has sealed its rows, and
    ``stream()`` gives each batch as soon as it is sealed.

    :param connection: the parent's connection, which finds where the slices start.
    :param consultation: the consultation.
    :param rows: the consultation's row count (``processes_for``).
    :param zone: the deployment's zone (local days and moments of the rows).
    :param stream: each process tells of every batch it has spooled (``stream``).
    """

    def __init__(self, connection, consultation, parts, rows, zone, *, isolation=None,
                 statements=(), stream=False):
        self.rows = SealedRows()
        self._processes = []
        self._said = {}  # {slice: {what its process said: value}}
        context = multiprocessing.get_context("fork")
        dialect = connection.dialect
        positions, bounds = _slice_bounds(connection, consultation, parts, rows, exact=stream)
        parts = len(bounds) + 1  # fewer when fewer rows are listed than counted
        # Where each slice starts in the matrix, and how many rows it holds, as counted
        # (in the publication's moment on PostgreSQL: ``stream`` checks them).
        self._firsts = [1, *(position + 1 for position in positions)]
        self._sizes = [after - first for first, after
                       in zip(self._firsts, [*self._firsts[1:], rows + 1], strict=True)]
        try:
            for number in range(parts):
                lower = bounds[number - 1] if number else None
                upper = bounds[number] if number < parts - 1 else None
                statement = rows_statement(dialect, consultation,
                                           *_between(lower, upper))
                spool, digests = self.rows.new_part()
                receiving, sending = context.Pipe(duplex=False)
                process = context.Process(
                    target=_seal_slice, name=f"summary-slice-{number}", daemon=True,
                    args=(connection.engine, isolation, statements, statement, zone,
                          spool, digests, sending, stream))
                process.start()
                sending.close()
                self._processes.append((process, receiving))
        except BaseException:
            self.close()
            raise

    def wait_reading(self):
        for number in range(len(self._processes)):
            self._receive(number, "reading")

    def wait(self):
        """Wait for every slice's rows. :return: ``rows``, every part counted."""
        for number, (process, _receiving) in enumerate(self._processes):
            self.rows.set_count(number, self._receive(number, "sealed"))
            process.join()
        return self.rows

    def stream(self):
        """Each batch as soon as a slice's process has spooled it, whichever slice it
        is from: ``(position of its first row in the matrix, batch)``; once every slice
        has sealed its rows, ``rows`` holds them all (their digests in order).

        Only where the rows were counted in the publication's moment (PostgreSQL's
        snapshot): a slice that sealed another number of rows than counted fails.
        """
        pending = {receiving: number
                   for number, (_process, receiving) in enumerate(self._processes)}
        positions = list(self._firsts)
        while pending:
            for receiving in multiprocessing.connection.wait(list(pending)):
                number = pending[receiving]
                what, value = self._next(number, receiving)
                if what == "batch":
                    offset, length, count = value
                    batch = pickle.loads(_read_at(self.rows.spool(number), offset, length))  # noqa: S301
                    yield positions[number], batch
                    positions[number] += count
                elif what == "sealed":
                    if value != self._sizes[number]:
                        raise SliceFailed(f"slice {number} sealed {value} rows, "
                                          f"{self._sizes[number]} counted")
                    self.rows.set_count(number, value)
                    self._processes[number][0].join()
                    del pending[receiving]

    def digest_lines(self):
        """The rows' digests in order, once every slice has sealed its rows."""
        return self.rows.digest_lines()

    def _next(self, number, receiving):
        try:
            what, value = receiving.recv()
        except EOFError:
            raise SliceFailed(f"the process of slice {number} ended early") from None
        if what == "failed":
            raise SliceFailed(f"slice {number} failed:\n{value}")
        return what, value

    def _receive(self, number, expected):
        """Wait for a slice's process to say ``expected`` ("reading", then "sealed"; it
        may have said it already)."""
        done = self._said.setdefault(number, {})
        receiving = self._processes[number][1]
        while expected not in done:
            what, value = self._next(number, receiving)
            done[what] = value
        return done[expected]

    def close(self):
        """Stop what still runs and free the files (also after a failure)."""
        for process, receiving in self._processes:
            if process.is_alive():
                # SIGKILL: a web server's worker may have set its own SIGTERM handler
                # (gunicorn's only marks the worker as stopping), inherited here.
                process.kill()
            process.join()
            receiving.close()
        self._processes = []
        self.rows.close()


class SliceFailed(RuntimeError):
    """A slice's process failed (its traceback in the message) or ended early."""


def _slice_bounds(connection, consultation, parts, rows, *, exact):
    """The keys (received moment, id) of the last row of each slice but the last, so that
    each holds about the same number of rows, and their positions in the matrix. Any
    bounds give every row once, in order: these only balance the slices.

    The keys are read from the listing index alone (``ix_contributions_listing``: the
    rows neither withdrawn nor voided, in the matrix's order), at even steps: numbering
    every row instead read the whole table (0.69 s at 200,000 rows on PostgreSQL, 0.52
    on SQLite). ``exact``: each position also counts the withdrawn rows before its key
    (few, read by themselves); otherwise it is the position among the rows listed.

    :return: ``(positions, keys)``.
    """
    listed = counted_in(consultation) & Contribution.withdrawn_at.is_(None)
    withdrawn = []
    if exact:
        withdrawn = [tuple(key) for key in connection.execute(
            select(Contribution.received_at, Contribution.id)
            .where(counted_in(consultation), Contribution.withdrawn_at.is_not(None))
            .order_by(*received_order()))]
    listed_rows = rows - len(withdrawn)
    positions, keys = [], []
    for step in sorted({listed_rows * number // parts for number in range(1, parts)}):
        if step < 1:
            continue
        key = connection.execute(
            select(Contribution.received_at, Contribution.id).where(listed)
            .order_by(*received_order()).offset(step - 1).limit(1)).first()
        if key is None:  # rows withdrawn or voided since they were counted
            break
        keys.append(tuple(key))
        positions.append(step + bisect.bisect_left(withdrawn, keys[-1]))
    return positions, keys


def _read_at(file, offset, length):
    """``length`` bytes of ``file`` from ``offset``, leaving its position alone (a
    slice's process is still appending to it)."""
    data = b""
    while len(data) < length:
        chunk = os.pread(file.fileno(), length - len(data), offset + len(data))
        if not chunk:
            raise SliceFailed("a spooled batch ends early")
        data += chunk
    return data


def _between(lower, upper):
    """The conditions of a slice: after the key ``lower``, up to the key ``upper`` (each
    None at an end), in the order of ``received_order``."""
    conditions = []
    if lower is not None:
        at, id_ = lower
        conditions.append(or_(Contribution.received_at > at,
                              and_(Contribution.received_at == at, Contribution.id > id_)))
    if upper is not None:
        at, id_ = upper
        conditions.append(or_(Contribution.received_at < at,
                              and_(Contribution.received_at == at, Contribution.id <= id_)))
    return conditions


def _seal_slice(engine, isolation, statements, statement, zone, spool, digests, sending,
                stream):
    """A slice's process: its own connection, begun as the parent asked; its rows sealed
    into its part's files; what happened sent to the parent."""
    try:
        # The parent's pool and its connections stay as they are, referenced until this
        # process ends without collecting them (a collected connection could end the
        # parent's session on its socket, or unlock its SQLite files).
        _INHERITED.append(engine.pool)
        engine.dispose(close=False)
        with engine.connect() as connection:
            if isolation:
                connection.execution_options(isolation_level=isolation)
            for begin in statements:
                connection.exec_driver_sql(begin)
            sending.send(("reading", None))
            spooled = (lambda *batch: sending.send(("batch", batch))) if stream else None
            count = seal_into(read_row_values(connection, statement, zone), spool, digests,
                              spooled)
            spool.flush()
            digests.flush()
            connection.rollback()
        sending.send(("sealed", count))
    except BaseException:  # told to the parent, which raises it
        sending.send(("failed", traceback.format_exc()))
    finally:
        sending.close()
        os._exit(0)  # nothing of the parent's to clean up here (its atexit, its files)
