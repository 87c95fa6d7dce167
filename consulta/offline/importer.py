"""Importing offline contributions from a spreadsheet (XLSX or CSV).

Workshops and ministries keep what people handed in on paper in spreadsheets. A
moderator downloads the template, fills one row per contribution and imports it: every
row is checked first with the rules of the single form (received dates, participation
windows and their late-or-early confirmation, sectors and regions of the deployment,
components of the consultation), every problem is listed by row and column, a preview
shows what will be created, and the import creates all of it or nothing.

Each imported row keeps a fingerprint (a SHA-256 of what it says): importing the same
file again creates nothing new, and a row repeated inside one file is refused.
"""

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO, StringIO

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consulta.audit.operations import record
from consulta.consultations.constants import CHANNELS
from consulta.consultations.queries import events_of
from consulta.contributions.constants import KINDS, OFFLINE_CHANNELS, TYPED_IN_WEB
from consulta.contributions.models import Contribution
from consulta.contributions.operations import (
    check_received_in_windows,
    check_received_on,
    record_offline_contribution,
    save_event,
)
from consulta.core.forms import MONTH_RE, lines
from consulta.core.operations import OperationError
from consulta.core.spreadsheet import (
    SpreadsheetError,
    TooLarge,
    TooManyRows,
    csv_safe,
    read_csv_rows,
    read_xlsx_rows,
    whole_number,
    xlsx_text,
)
from consulta.core.taxonomy import (
    GENDERS,
    profile,
    region_label,
    region_name,
    region_word,
    regions,
    sectors,
)
from consulta.extensions import db

from .constants import (
    CHANNEL_ALIASES,
    IMPORT_MAX_ROWS,
    IMPORT_MAX_UNCOMPRESSED,
    KIND_ALIASES,
    NO,
    YES,
)

#: The template's columns, in order (headers translated; both languages read back).
COLUMNS = ("kind", "channel", "event", "received_on", "outside_windows", "component",
           "commitment", "title", "problem", "objective", "responsible", "co_responsible",
           "actions", "due", "body", "author_name", "name_public", "organization", "sector",
           "region", "gender", "contact")

#: The most characters each text column holds (as the single form).
MAX_LENGTHS = {"event": 200, "title": 300, "problem": 5000, "objective": 5000,
               "responsible": 300, "co_responsible": 3000, "actions": 5000, "body": 10000,
               "author_name": 200, "organization": 200, "contact": 254}

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")
DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def headers():
    """``{column key: header}`` in the current language."""
    return {
        "kind": _("Kind"), "channel": _("Channel"), "event": _("Event"),
        "received_on": _("Received on"),
        "outside_windows": _("Received outside the windows (yes/no)"),
        "component": _("Component"), "commitment": _("Commitment commented on (number)"),
        "title": _("Title"), "problem": _("Public problem"), "objective": _("Objective"),
        "responsible": _("Responsible entity"),
        "co_responsible": _("Co-responsible entities"),
        "actions": _("Actions (one per line: description | start | end)"),
        "due": _("Expected completion (YYYY-MM)"), "body": _("Text of the contribution"),
        "author_name": _("Author's name"), "name_public": _("Consent to publish the name"),
        "organization": _("Organization or entity"), "sector": _("Sector"),
        "region": region_label(), "gender": _("Gender (optional)"),
        "contact": _("Contact: e-mail or phone (optional)"),
    }


def _fold(text):
    """Lower case, accents and extra spaces removed: how names are compared."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())


def _labels(mapping):
    """{folded code or label in Spanish or English: code} of a mapping of labels."""
    names = {_fold(code): code for code in mapping}
    for locale in ("es", "en"):
        with force_locale(locale):
            for code, label in mapping.items():
                names[_fold(str(label))] = code
    return names


# --- the template -------------------------------------------------------------------

def _lists(consultation):
    """The values each column accepts, for the template's second sheet."""
    return [
        (_("Kind"), [str(label) for label in KINDS.values()]),
        (_("Channel"), [str(TYPED_IN_WEB if c == "web" else CHANNELS[c])
                        for c in OFFLINE_CHANNELS]),
        (_("Component"), [c.name for c in consultation.components]),
        (_("Commitment commented on (number)"),
         [f"{c.number}. {c.title}" for c in consultation.published_commitments]),
        (_("Sector"), [str(label) for label in sectors().values()]),
        (region_label(), [region_name(r["code"]) for r in regions()]),
        (_("Gender (optional)"), [str(label) for label in GENDERS.values()]),
        (_("Event"), [e.title for e in events_of(consultation)]),
    ]


def template_xlsx(consultation):
    """The import template as an XLSX workbook (bytes): the columns on the first sheet,
    the accepted values and how to fill it in on the second.

    :param consultation: the consultation whose components and events it lists.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Contributions")[:31]
    labels = headers()
    sheet.append([labels[k] for k in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 22
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(_("Lists")[:31])
    help_sheet.append([_("One row per contribution. Dates as DD/MM/YYYY or YYYY-MM-DD. "
                         "Write the values of these lists; leave optional cells empty.")])
    help_sheet.append([])
    for title, values in _lists(consultation):
        help_sheet.append([title])
        help_sheet.cell(row=help_sheet.max_row, column=1).font = Font(bold=True)
        for value in values:
            cell = help_sheet.cell(row=help_sheet.max_row + 1, column=1,
                                   value=xlsx_text(value))
            cell.data_type = "s"
        help_sheet.append([])
    help_sheet.column_dimensions["A"].width = 80
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv():
    """The import template as CSV (UTF-8 with BOM, so spreadsheets read the accents)."""
    buffer = StringIO()
    labels = headers()
    csv.writer(buffer).writerow([csv_safe(labels[k]) for k in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- reading and checking ------------------------------------------------------------

class ImportProblems(OperationError):
    """An import refused: ``problems`` is ``[(row number or None, column or None,
    message)]``; nothing was created."""

    def __init__(self, problems):
        super().__init__(_("The file was not imported."))
        self.problems = problems


@dataclass
class ImportPlan:
    """What an import would do: the rows to create (``RowValues``), the rows already
    imported (row number → tracking code), the events to create (names)."""

    rows: list = field(default_factory=list)
    already_imported: dict = field(default_factory=dict)
    new_events: list = field(default_factory=list)
    created: list = field(default_factory=list)


@dataclass
class RowValues:
    number: int
    fingerprint: str
    kind: str
    channel: str
    event: str | None
    received_on: date | None
    outside_windows: bool
    component_id: int | None
    component: str | None
    commitment_id: int | None
    sheet: dict
    author_name: str | None
    name_public: bool
    organization: str | None
    sector: str | None
    region: str | None
    gender: str | None
    email: str | None
    phone: str | None


def read_rows(data, filename):
    """(headers, rows) of an uploaded file, or ``ImportProblems`` saying why not."""
    is_csv = (filename or "").lower().endswith(".csv")
    try:
        if is_csv:
            return read_csv_rows(data, max_rows=IMPORT_MAX_ROWS)
        return read_xlsx_rows(data, max_rows=IMPORT_MAX_ROWS,
                              max_uncompressed=IMPORT_MAX_UNCOMPRESSED)
    except TooManyRows:
        message = _("The file has more than %(max)d rows: split it into several files.",
                    max=IMPORT_MAX_ROWS)
    except TooLarge:
        message = _("The workbook is too large once uncompressed (more than %(max)d MB).",
                    max=IMPORT_MAX_UNCOMPRESSED // (1024 * 1024))
    except SpreadsheetError:
        message = (_("The file is not a CSV file in UTF-8.") if is_csv else
                   _("The file is not an Excel (.xlsx) workbook."))
    raise ImportProblems([(None, None, message)])


def _column_index(header_row):
    """{column key: position}, and the problems of the header row (unknown, repeated
    or missing columns)."""
    names = {}
    for locale in ("es", "en"):
        with force_locale(locale):
            for key, label in headers().items():
                names[_fold(label)] = key
    labels = headers()
    index, problems = {}, []
    for position, header in enumerate(header_row):
        if not (header or "").strip():
            continue
        key = names.get(_fold(header))
        if key is None:
            problems.append((1, header[:60], _("Unknown column: use the columns of the "
                                               "template, without renaming them.")))
        elif key in index:
            problems.append((1, header[:60], _("This column appears twice.")))
        else:
            index[key] = position
    for key in COLUMNS:
        if key not in index:
            problems.append((1, labels[key], _("Missing column.")))
    return index, problems


def _cell_text(value):
    """A cell as text: numbers without a spurious ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # What our own CSV exports neutralize comes back as the text it was.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:].strip()
    return text.strip()


def _date(value):
    """A received date from a date cell or text (DD/MM/YYYY or YYYY-MM-DD); raises
    ValueError for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value)
    match = ISO_RE.match(text)
    if match:
        return date(int(match[1]), int(match[2]), int(match[3]))
    match = DMY_RE.match(text)
    if match:
        return date(int(match[3]), int(match[2]), int(match[1]))
    raise ValueError(text)


def _actions(text):
    """Actions from lines "description | start | end" (months YYYY-MM or a year)."""
    actions = []
    for line in lines(text):
        parts = [p.strip() for p in line.split("|")]
        description, start, end = [*parts, "", ""][:3]
        for month in (start, end):
            if month and not MONTH_RE.match(month):
                raise ValueError(month)
        if len(parts) > 3 or not description:
            raise ValueError(line)
        actions.append({"description": description, "start": start or None,
                        "end": end or None})
    return actions


def _fingerprint(values):
    """What identifies a row whatever its spacing and case: the same contribution typed
    twice has the same fingerprint."""
    canonical = json.dumps([_fold(v) if isinstance(v, str) else v for v in values],
                           ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Checker:
    """Checks the rows of one file against one consultation."""

    def __init__(self, consultation):
        self.consultation = consultation
        self.kinds = {**_labels(KINDS), **{_fold(k): v for k, v in KIND_ALIASES.items()}}
        channel_labels = {**CHANNELS, "web": TYPED_IN_WEB}
        self.channels = {k: v for k, v in _labels(channel_labels).items()
                         if v in OFFLINE_CHANNELS}
        self.channels.update({_fold(k): v for k, v in CHANNEL_ALIASES.items()})
        # The profile's sectors, labelled in both languages.
        self.sectors = {}
        for locale in ("es", "en"):
            with force_locale(locale):
                self.sectors.update(_labels(sectors()))
        # As attendance sheets write them ("Municipios", "Gremios empresariales").
        self.sectors.update({_fold(k): v for k, v in profile().sector_aliases.items()})
        self.genders = _labels(GENDERS)
        self.regions = {}
        for region in regions():
            self.regions[_fold(region["code"])] = region["code"]
            names = region["name"] if isinstance(region["name"], dict) \
                else {"": region["name"]}
            for name in names.values():
                self.regions[_fold(name)] = region["code"]
        self.components = {_fold(c.name): c for c in consultation.components}
        self.commitments = {c.number: c.id for c in consultation.published_commitments}
        self.events = {_fold(e.title): e for e in events_of(consultation)}
        self.labels = headers()

    def check(self, number, cell):
        """A ``RowValues`` for the row, or the list of its problems."""
        problems = []

        def refuse(key, message):
            problems.append((number, self.labels[key], message))

        def text(key):
            value = _cell_text(cell(key))
            if len(value) > MAX_LENGTHS.get(key, 300):
                refuse(key, _("At most %(max)d characters.", max=MAX_LENGTHS.get(key, 300)))
            return value

        def choice(key, names, message, required=False):
            value = text(key)
            if not value:
                if required:
                    refuse(key, message)
                return None
            code = names.get(_fold(value))
            if code is None:
                refuse(key, message)
            return code

        for key in COLUMNS:
            raw = cell(key)
            if isinstance(raw, str) and raw.lstrip().startswith("="):
                refuse(key, _("Formulas are not accepted: write the value itself."))
        if problems:
            return problems

        kind = choice("kind", self.kinds, _("Write “proposal” or “comment”."), required=True)
        channel = choice("channel", self.channels,
                         _("Write a channel of the list (workshop, work table, e-mail, "
                           "written document, web outside this site, other)."),
                         required=True)
        received_on = None
        if cell("received_on") not in (None, ""):
            try:
                received_on = _date(cell("received_on"))
            except ValueError:
                refuse("received_on", _("Write the date as DD/MM/YYYY or YYYY-MM-DD."))
            else:
                try:
                    check_received_on(received_on)
                except OperationError as error:
                    refuse("received_on", error.message)
                    received_on = None
        outside_text = _fold(_cell_text(cell("outside_windows")))
        if outside_text and outside_text not in YES | NO:
            refuse("outside_windows", _("Write “yes” or “no”."))
        outside = outside_text in YES
        if channel and received_on and not problems:
            try:
                check_received_in_windows(self.consultation, channel, received_on, outside)
            except OperationError as error:
                refuse("received_on", error.message + " " + _(
                    "In the file, write “yes” in the column “%(column)s”.",
                    column=self.labels["outside_windows"]))
        event = text("event") or None
        component = None
        component_name = text("component")
        if component_name:
            component = self.components.get(_fold(component_name))
            if component is None:
                refuse("component", _("This consultation has no component with that name."))
        elif kind == "proposal":
            refuse("component", _("A proposal names its component."))
        commitment_id = None
        commitment_text = text("commitment")
        if commitment_text:
            number_value = whole_number(commitment_text)
            if kind != "comment":
                refuse("commitment", _("Only comments name the commitment they are about."))
            elif number_value not in self.commitments:
                refuse("commitment", _("Commitment %(number)s is not in this consultation's "
                                       "plan.", number=commitment_text[:20]))
            else:
                commitment_id = self.commitments[number_value]
        title = text("title")
        if not title:
            refuse("title", _("Give the contribution a title."))
        try:
            actions = _actions(text("actions"))
        except ValueError as bad:
            actions = []
            refuse("actions", _("“%(line)s”: write one action per line as description | "
                                "start | end, with months as YYYY-MM.", line=str(bad)[:60]))
        due = text("due")
        if due and not MONTH_RE.match(due):
            refuse("due", _("Use the form YYYY-MM, for example 2026-03."))
        consent_text = _fold(_cell_text(cell("name_public")))
        if consent_text and consent_text not in YES | NO:
            refuse("name_public", _("Write “yes” or “no”."))
        author_name = text("author_name") or None
        sector = choice("sector", self.sectors, _("This sector is not in the list."))
        region = choice("region", self.regions,
                        _("This %(label)s is not in the list.", label=region_word()))
        gender = choice("gender", self.genders, _("This gender is not in the list."))
        contact = text("contact")
        email = phone = None
        if contact:
            if "@" in contact:
                if EMAIL_RE.match(contact):
                    email = contact.lower()
                else:
                    refuse("contact", _("Enter a valid e-mail address."))
            elif PHONE_RE.match(contact) and sum(ch.isdigit() for ch in contact) >= 6:
                phone = contact
            else:
                refuse("contact", _("Write an e-mail address or a phone number."))
        if event and _fold(event) not in self.events:
            if cell("received_on") in (None, ""):
                refuse("event", _("A new event needs the date it was held: write the "
                                  "received date."))
            if not text("region"):
                refuse("event", _("A new event needs its %(label)s: write the %(label)s.",
                                  label=region_word()))
        organization = text("organization") or None
        if problems:
            return problems
        sheet = {"title": title, "problem": text("problem"), "objective": text("objective"),
                 "responsible": text("responsible") or None,
                 "co_responsible": [p.strip() for line in lines(text("co_responsible"))
                                    for p in line.split(";") if p.strip()],
                 "actions": actions, "due": due or None, "body": text("body")}
        fingerprint = _fingerprint([
            kind, channel, event, received_on, component.name if component else None,
            commitment_text, title, sheet["problem"], sheet["objective"],
            sheet["responsible"], sheet["co_responsible"], actions, due, sheet["body"],
            author_name, organization])
        return RowValues(
            number=number, fingerprint=fingerprint, kind=kind, channel=channel, event=event,
            received_on=received_on, outside_windows=outside,
            component_id=component.id if component else None,
            component=component.name if component else None, commitment_id=commitment_id,
            sheet=sheet, author_name=author_name, name_public=consent_text in YES,
            organization=organization, sector=sector, region=region, gender=gender,
            email=email, phone=phone)


def check_import(consultation, data, filename):
    """Read and check every row of a file; returns the ``ImportPlan`` (nothing is
    written), or raises ``ImportProblems`` with every problem by row and column.

    :param consultation: the consultation the contributions were received for (public).
    :param data: the file's bytes.
    :param filename: its name (``.csv`` is read as CSV, anything else as XLSX).
    """
    if not consultation.is_public:
        raise ImportProblems([(None, None, _("This consultation is not public."))])
    header_row, rows = read_rows(data, filename)
    index, problems = _column_index(header_row)
    if problems:
        raise ImportProblems(problems)
    if not rows:
        raise ImportProblems([(None, None, _("The file has no rows to import."))])
    checker = _Checker(consultation)
    plan, seen = ImportPlan(), {}
    stored = _stored_fingerprints(consultation)
    for number, values in rows:
        def cell(key, values=values):
            position = index[key]
            return values[position] if position < len(values) else None

        result = checker.check(number, cell)
        if isinstance(result, list):
            problems.extend(result)
            continue
        if result.fingerprint in seen:
            problems.append((number, None, _("This row repeats row %(row)d.",
                                             row=seen[result.fingerprint])))
            continue
        seen[result.fingerprint] = number
        if result.fingerprint in stored:
            plan.already_imported[number] = stored[result.fingerprint]
            continue
        plan.rows.append(result)
        if result.event and _fold(result.event) not in checker.events and \
                _fold(result.event) not in {_fold(e) for e in plan.new_events}:
            plan.new_events.append(result.event)
    if problems:
        raise ImportProblems(problems)
    return plan


def _stored_fingerprints(consultation):
    return dict(db.session.execute(
        select(Contribution.import_fingerprint, Contribution.tracking_code).where(
            Contribution.consultation_id == consultation.id,
            Contribution.import_fingerprint.is_not(None))).all())


def import_contributions(consultation, data, filename, *, actor):
    """Import offline contributions from a file: check every row, then create the new
    events and every contribution not imported before, each as the single form would
    (``record_offline_contribution``). All or nothing: ``ImportProblems`` lists what is
    wrong and nothing is created. Audited once for the file (and once per
    contribution, as typed-in records are). Returns the ``ImportPlan`` with
    ``created`` (tracking codes).

    :param consultation: the consultation they were received for (public).
    :param data: the file's bytes (the template's columns, headers in Spanish or English).
    :param filename: its name (``.csv`` or ``.xlsx``).
    :param actor: the moderator importing it.
    """
    plan = check_import(consultation, data, filename)
    events = {_fold(e.title): e for e in events_of(consultation)}
    for row in plan.rows:
        event = None
        if row.event:
            event = events.get(_fold(row.event))
            if event is None:
                event = save_event(consultation, actor=actor,
                                   kind="work_table" if row.channel == "work_table"
                                   else "workshop", title=row.event, held_on=row.received_on,
                                   place="", region=row.region,
                                   description=_("Created by the import of a spreadsheet."))
                events[_fold(row.event)] = event
        try:
            contribution = record_offline_contribution(
                consultation, moderator=actor, kind=row.kind, channel=row.channel,
                values={**row.sheet, "component_id": row.component_id},
                event_id=event.id if event else None, received_on=row.received_on,
                author_name=row.author_name, author_name_public=row.name_public,
                author_organization=row.organization, author_email=row.email,
                sector=row.sector, region=row.region, commitment_id=row.commitment_id,
                received_outside_window=row.outside_windows,
                author_contact_channel="phone" if row.phone else None,
                author_contact=row.phone, author_gender=row.gender,
                import_fingerprint=row.fingerprint)
        except IntegrityError:
            raise OperationError(_("Someone else imported the same rows meanwhile. Reload "
                                   "the page and check the contributions.")) from None
        except OperationError as error:
            raise ImportProblems([(row.number, None, error.message)]) from None
        plan.created.append(contribution.tracking_code)
    record("contributions.imported", consultation, actor=actor,
           consultation_id=consultation.id,
           after={"file": (filename or "")[:100], "created": len(plan.created),
                  "already_imported": len(plan.already_imported),
                  "events_created": plan.new_events})
    return plan
