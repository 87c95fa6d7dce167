"""Rows of the public contribution matrix, streamed in batches (flat memory).

Read with one Core query per batch of a few thousand rows (no ORM objects): this
feeds the frozen summary snapshot and the CSV/XLSX exports of tens of thousands
of contributions.
"""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, Text, cast, func, select, type_coerce
from sqlalchemy.orm import aliased

from consulta.accounts.models import Organization, User
from consulta.consultations.models import Commitment, Component
from consulta.contributions.models import Contribution, mask
from consulta.contributions.queries import counted_in, received_order
from consulta.core.dates import local_zone
from consulta.extensions import db
from consulta.feedback.queries import EffectiveVersion

#: The public columns, in order (keys of each row; also the CSV header). ``date`` and
#: ``received_on`` are the day it was received (in the deployment's zone), which every
#: figure uses; ``recorded_at`` is when it was stored (sent, or typed in by staff).
#: New columns go at the end: readers of the CSV may go by position.
FIELDS = ("code", "date", "kind", "channel", "author", "organization", "sector", "region",
          "component", "commitment", "title", "text", "status", "outcome", "justification",
          "incorporated_in", "referred_to", "response_date", "response_version",
          "received_on", "recorded_at")

BATCH = 2000


def _query(dialect):
    c = Contribution
    component, classified_component = aliased(Component), aliased(Component)
    commitment, classified_commitment = aliased(Commitment), aliased(Commitment)
    version = EffectiveVersion()  # its own published response, else its group's
    moment, as_text = _moment(dialect), _as_text(dialect)
    # What the rows need and nothing more: moments as the text of UTC (``_moment``),
    # JSON as its text (``_json``), and the moments only tested for NULL as booleans.
    # Dates and JSON through their types' result processors (and on PostgreSQL through
    # the driver's datetimes and JSON) were a third of the rows' cost at 50,000.
    columns = [
        c.tracking_code, moment(c.received_at), moment(c.created_at), c.kind, c.channel,
        c.author_id, c.author_name, c.author_name_public, c.author_organization,
        # The name it had when the contribution was sent (see Contribution.organization_name).
        func.coalesce(c.organization_name, Organization.name),
        User.display_name, User.show_name_publicly, User.deleted_at.is_(None), c.sector,
        c.region, classified_component.name, component.name,
        func.coalesce(classified_commitment.number, commitment.number),
        c.title, c.problem, c.objective, c.body, c.hidden_at.is_not(None),
        c.hidden_reason, c.withdrawn_at.is_not(None), as_text(c.masked_fragments),
    ]
    version_columns = [
        version.column("outcome"), version.column("justification"),
        as_text(version.column("incorporated_in")), version.column("referred_to"),
        moment(version.column("published_at")), version.column("number")]
    return version.join(select(*columns, *version_columns).select_from(c)
            .outerjoin(Organization, Organization.id == c.organization_id)
            .outerjoin(User, User.id == c.author_id)
            .outerjoin(component, component.id == c.component_id)
            .outerjoin(classified_component, classified_component.id
                       == c.classified_component_id)
            .outerjoin(commitment, commitment.id == c.commitment_id)
            .outerjoin(classified_commitment, classified_commitment.id
                       == c.classified_commitment_id))


def _moment(dialect):
    """A function giving a moment's column as the text of its UTC moment,
    ``YYYY-MM-DD HH:MM:SS.ffffff`` (``_LocalTimes`` writes local times from it an hour
    at a time): as SQLite stores it; written so by PostgreSQL, whose datetimes were each
    parsed by the driver and converted on their own."""
    if dialect.name == "postgresql":
        return lambda column: func.to_char(func.timezone("UTC", column),
                                           "YYYY-MM-DD HH24:MI:SS.US")
    return lambda column: type_coerce(column, String)  # without its type's processing


def _as_text(dialect):
    """A function giving a JSON column as its text (``_json`` decodes it, but ``[]``):
    PostgreSQL's driver decoded every value, the empty lists too."""
    if dialect.name == "postgresql":
        return lambda column: cast(column, Text)
    return lambda column: type_coerce(column, Text)


def _utc(value):
    """An aware UTC-or-zoned datetime from what the driver gave (None stays None)."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite: naive UTC text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class _LocalTimes:
    """The local day and moment (``received_on``, ``recorded_at``) of the stored UTC
    moments of the rows, in the deployment's zone.

    The matrix's query gives naive UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff`` (``_moment``).
    Through an hour in which
    the zone's offset stays the same and is whole hours (every hour of most zones, but
    at a change of time or with a half-hour offset), the local moment has the same
    minutes and seconds as the UTC one and the local day and hour are those of the
    hour's start: each hour is converted once, and its moments are written from the
    text. Any other moment (a datetime, other text) is converted on its own.
    Converting two datetimes per row was a tenth of building 50,000 rows.

    :param zone: the deployment's zone (``local_zone()``).
    """

    _HOUR = timedelta(minutes=59, seconds=59, microseconds=999999)

    def __init__(self, zone):
        self.zone = zone
        self._hours = {}

    def _hour(self, text):
        """(local day, local ``YYYY-MM-DDTHH``, offset text) for the UTC hour that the
        text starts with; None when the offset changes in it or is not whole hours."""
        key = text[:13]
        try:
            return self._hours[key]
        except KeyError:
            pass
        start = datetime.fromisoformat(key + ":00").replace(tzinfo=UTC)
        first, last = start.astimezone(self.zone), (start + self._HOUR).astimezone(self.zone)
        offset = first.utcoffset()
        hour = None
        if offset == last.utcoffset() and not offset % timedelta(hours=1):
            written = first.isoformat()  # YYYY-MM-DDTHH:00:00+HH:MM
            hour = (first.date().isoformat(), written[:13], written[19:])
        self._hours[key] = hour
        return hour

    def _local(self, value):
        return _utc(value).astimezone(self.zone)

    def day(self, value):
        """The local day (ISO) of a stored moment."""
        if type(value) is str and len(value) == 26 and value[10] == " ":
            hour = self._hour(value)
            if hour is not None:
                return hour[0]
        return self._local(value).date().isoformat()

    def moment(self, value):
        """The local moment of a stored moment, to the second, with its offset (ISO)."""
        if type(value) is str and len(value) == 26 and value[10] == " ":
            hour = self._hour(value)
            if hour is not None:
                return hour[1] + value[13:19] + hour[2]
        return self._local(value).replace(microsecond=0).isoformat()


def _json(value):
    """A JSON column from its text (``_as_text``; an empty list is not decoded), or the
    value itself when a driver decoded it."""
    if isinstance(value, str):
        return [] if value == "[]" else json.loads(value)
    return value


def _values(r, times):
    """A row's public values, in the order of ``FIELDS`` (a tuple: publishing seals them
    as they are, without a dict per row; ``iter_rows`` pairs them with the keys)."""
    (code, received_at, created_at, kind, channel, author_id, author_name,
     author_name_public, author_organization, organization, display_name, show_name,
     not_deleted, sector, region, classified_component, component, commitment, title,
     problem, objective, body, hidden, hidden_reason, withdrawn, masked, outcome,
     justification, incorporated, referred_to, published_at, number) = r
    masked = _json(masked)

    def public(value):
        return mask(value, masked) if value and masked else (value or "")

    if author_id is not None:
        author = display_name if (show_name and not_deleted) else ""
    else:
        author = author_name if (author_name_public and author_name) else ""
    if hidden:
        status, title_text, text = f"hidden:{hidden_reason}", "", ""
    else:
        status = "withdrawn" if withdrawn else "visible"
        title_text = public(title)
        parts = [p for p in (problem, objective, body) if p]
        text = "\n".join([mask(p, masked) for p in parts] if masked else parts)
    received_on = times.day(received_at)
    return (
        code,
        received_on,
        kind,
        channel,
        author or "",
        organization or author_organization or "",
        sector or "",
        region or "",
        classified_component or component or "",
        commitment,
        title_text,
        text,
        status,
        outcome or "",
        justification or "",
        sorted(x["number"] for x in _json(incorporated) or []) if outcome else [],
        (referred_to or "") if outcome else "",
        times.day(published_at) if published_at else "",
        number if outcome else None,
        received_on,
        times.moment(created_at),
    )


def iter_rows(consultation, batch=BATCH):
    """Every contribution of the consultation as a public row, in the order received
    (voided records, typed in by mistake, never).

    Never an e-mail, a gender or a name without consent; hidden contributions keep
    their metadata and the reason, not their text; masked personal data is replaced.

    :param consultation: the consultation.
    :param batch: rows fetched from the database at a time.
    :return: dicts keyed by ``FIELDS``.
    """
    for values in iter_row_values(consultation, batch):
        yield dict(zip(FIELDS, values, strict=True))


def iter_row_values(consultation, batch=BATCH):
    """The rows of ``iter_rows`` as tuples of values in the order of ``FIELDS``.

    One query, streamed ``batch`` rows at a time (a server-side cursor on PostgreSQL):
    memory stays flat, and the ten joins are planned once. Keyset batches planned each
    join again per batch (200 ms each on PostgreSQL) and merged the responses from the
    start every time, which grew faster than the table.

    :param consultation: the consultation.
    :param batch: rows fetched from the database at a time.
    """
    # Through the session's connection: plain rows, without the ORM's result layer
    # (a fifth of a snapshot's CPU at 50,000 rows), in the session's transaction.
    connection = db.session.connection()
    return read_row_values(connection, rows_statement(connection.dialect, consultation,
                                                      batch=batch), local_zone())


def rows_statement(dialect, consultation, *conditions, batch=BATCH):
    """The query of the consultation's matrix rows in order, streamed ``batch`` at a
    time; ``conditions`` narrow it (a slice of the order: ``sealing.py``).

    :param dialect: the connection's dialect (moments and JSON are read as text).
    :param consultation: the consultation.
    """
    return _query(dialect).where(counted_in(consultation), *conditions) \
        .order_by(*received_order()).execution_options(yield_per=batch)


def read_row_values(connection, statement, zone):
    """The values of the rows ``statement`` (``rows_statement``) reads on ``connection``,
    each a tuple in the order of ``FIELDS``, local days and moments in ``zone``."""
    times = _LocalTimes(zone)
    for row in connection.execute(statement):
        yield _values(row, times)
