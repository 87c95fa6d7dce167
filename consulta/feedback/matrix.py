"""The contribution matrix (matriz de aportes) as XLSX, and importing responses from it.

Secretariats fill responses in a spreadsheet; the import checks every row first and
is all or nothing: valid files create draft responses, never published ones.
"""

from flask import get_template_attribute
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from consulta.audit.operations import record
from consulta.consultations.queries import commitment_choices
from consulta.consultations.sheets import kept_while_published
from consulta.contributions.constants import HIDE_REASONS, KINDS
from consulta.core.dates import utc_to_local
from consulta.core.operations import OperationError
from consulta.core.spreadsheet import SpreadsheetError, read_xlsx_rows, whole_number, xlsx_bytes
from consulta.core.taxonomy import sector_label, timezone_label
from consulta.extensions import db

from .constants import NEEDS_COMMITMENTS, OUTCOME_ALIASES, OUTCOMES, STATUSES
from .operations import check_response_values, save_response
from .queries import contributions_by_code, matrix_export_query

#: Column keys in order; the headers are translated, and both languages are read back.
COLUMNS = ("code", "kind", "date", "channel", "author", "organization", "component",
           "commitment", "title", "text", "group", "state", "outcome", "justification",
           "incorporated_in", "referred_to", "status")


def commitment_filter_options(consultation, selected):
    """The ``<option>``s of the matrix page's commitment filter (the latest published
    version's commitments, by number), written once per worker and language until a
    version is published; the one numbered ``selected`` (or None) marked selected.

    :param consultation: the consultation whose matrix it is.
    :param selected: the number filtered on, or None.
    """
    html = kept_while_published(
        consultation, "matrix commitment filter",
        lambda: str(get_template_attribute("feedback/_matrix_commitment_filter.html",
                                           "options")(commitment_choices(consultation))))
    if selected is not None:
        html = html.replace(f'<option value="{selected}">',
                            f'<option value="{selected}" selected>', 1)
    return Markup(html)  # noqa: S704 (written by the template, escaped)


def headers():
    """``{column key: header}`` in the current language."""
    return {
        # The date is the deployment's local time (utc_to_local); the header says which.
        "code": _("Code"), "kind": _("Kind"), "channel": _("Channel"),
        "date": _("Date (%(zone)s)", zone=timezone_label()),
        "author": _("Author or sector"), "organization": _("Organization"),
        "component": _("Component"), "commitment": _("Commitment"), "title": _("Title"),
        "text": _("Text"), "group": _("Group"), "state": _("State"),
        "outcome": _("Outcome"), "justification": _("Justification"),
        "incorporated_in": _("Incorporated in (commitment numbers)"),
        "referred_to": _("Referred to"), "status": _("Response status"),
    }


def _text(contribution):
    c = contribution
    parts = [c.public("problem"), c.public("objective"), c.public("body")]
    return "\n".join(p for p in parts if p)


def matrix_rows(consultation):
    """The rows of the exported matrix, in the order of ``COLUMNS``, one per contribution.

    :param consultation: the consultation whose contributions they are.
    """
    for c in db.session.scalars(matrix_export_query(consultation)):
        response = c.response  # its own, or its group's
        if c.is_hidden:
            state = _("Hidden by moderation: %(reason)s.",
                      reason=HIDE_REASONS[c.hidden_reason])
        elif c.is_withdrawn:
            state = _("Withdrawn")
        else:
            state = ""
        component = c.classified_component or c.component
        commitment = c.classified_commitment or c.commitment
        yield [
            c.tracking_code, str(KINDS[c.kind]),
            # The day it was received (a typed-in sheet has no hour), never its typing.
            c.received_on.isoformat() if c.received_on
            else utc_to_local(c.received_at).strftime("%Y-%m-%d %H:%M"), str(c.channel_label),
            c.public_author or f"{_('Participant')} · {sector_label(c.sector) or '—'}",
            c.public_organization or "", component.name if component else "",
            str(commitment.number) if commitment else "",
            "" if c.is_hidden else (c.public("title") or ""),
            "" if c.is_hidden else _text(c),
            c.group.title if c.group else "", state,
            str(OUTCOMES[response.outcome]) if response else "",
            response.justification if response else "",
            ", ".join(str(m.number) for m in response.commitments) if response else "",
            (response.referred_to or "") if response else "",
            (str(STATUSES[response.status]) + (f" ({_('group')})" if response.group_id
                                                else "")) if response else "",
        ]


def export_xlsx(consultation):
    """The contribution matrix as an XLSX workbook (bytes), headers translated.

    :param consultation: the consultation whose contributions it lists.
    """
    labels = headers()
    return xlsx_bytes(_("Contributions"), [labels[k] for k in COLUMNS],
                      matrix_rows(consultation),
                      widths=[16, 12, 16, 18, 24, 24, 22, 10, 40, 60, 24, 18, 26, 60, 16, 24, 14])


def _column_index(header_row):
    """Map header names (Spanish or English, any case) to column keys."""
    names = {}
    for locale in ("es", "en"):
        with force_locale(locale):
            for key, label in headers().items():
                names[label.strip().lower()] = key
    index = {}
    for position, header in enumerate(header_row):
        key = names.get((header or "").strip().lower())
        if key:
            index[key] = position
    return index


def _outcome_code(value):
    text = (str(value).strip().lower() if value is not None else "")
    if not text:
        return None
    if text in OUTCOMES:
        return text
    if text in OUTCOME_ALIASES:
        return OUTCOME_ALIASES[text]
    for locale in ("es", "en"):
        with force_locale(locale):
            for code, label in OUTCOMES.items():
                if str(label).lower() == text:
                    return code
    return False


def _unneutralize(value):
    if isinstance(value, str) and value.startswith("'") and value[1:2] in "=+-@\t\r":
        return value[1:]
    return value


def _answer(outcome, justification, commitment_numbers, referred_to):
    """What a response says, as ``save_response`` would keep it, to tell whether a row
    changes it.

    Commitments are compared by number, not by id: each version of the plan has rows of
    its own (``ensure_draft_version`` copies them, number included), and a response
    keeps the commitments of the version it answered, while the file names the numbers
    of the latest published one. Commitment 5 of version 1 and of version 2 are the same
    commitment, the one the public reads as "Compromiso 5" (its anchor).
    """
    return (outcome, (justification or "").strip(),
            sorted(set(commitment_numbers)) if outcome in NEEDS_COMMITMENTS else [],
            (referred_to or "").strip() if outcome == "referred" else "")


class ImportProblems(OperationError):
    """An import refused: ``problems`` is ``[(row number or None, message)]``."""

    def __init__(self, problems):
        super().__init__(_("The file was not imported."))
        self.problems = problems


def import_responses(consultation, data, *, actor):
    """Import responses from a filled matrix: check every row, then save the changed
    ones as drafts (never published). All or nothing: ``ImportProblems`` lists every
    row refused, and nothing is saved.

    Rows without outcome nor justification, and rows whose values equal the response
    that answers them already, are left alone.

    :param consultation: the consultation whose contributions the rows name.
    :param data: the XLSX file's bytes (headers in Spanish or English).
    :param actor: the member of the secretariat, recorded as the responses' editor.
    :return: how many responses were saved.
    """
    try:
        header_row, rows = read_xlsx_rows(data)
    except SpreadsheetError:
        raise ImportProblems([(None, _("The file is not an Excel (.xlsx) workbook."))]) \
            from None
    index = _column_index(header_row)
    missing = [k for k in ("code", "outcome", "justification") if k not in index]
    if missing:
        labels = headers()
        raise ImportProblems([(1, _("Missing column: %(name)s.", name=labels[k]))
                              for k in missing])
    codes = contributions_by_code(consultation)
    numbers = {c.number: c.id for c in consultation.published_commitments}
    problems, valid, seen = [], [], set()

    def cell(values, key):
        position = index.get(key)
        if position is None or position >= len(values):
            return None
        value = _unneutralize(values[position])
        return value.strip() if isinstance(value, str) else value

    for number, values in rows:
        if any(isinstance(v, str) and v.startswith("=") for v in values):
            problems.append((number, _("The row has formulas: paste the values instead.")))
            continue
        code = str(cell(values, "code") or "").strip().upper()
        outcome_text = cell(values, "outcome")
        justification = str(cell(values, "justification") or "").strip()
        if not outcome_text and not justification:
            continue  # not answered in the spreadsheet
        contribution = codes.get(code)
        if contribution is None:
            problems.append((number, _("Unknown code \"%(code)s\" in this consultation.",
                                       code=code[:40] or "—")))
            continue
        if code in seen:
            problems.append((number, _("Code %(code)s appears twice.", code=code)))
            continue
        seen.add(code)
        outcome = _outcome_code(outcome_text)
        if not outcome:
            problems.append((number, _("Unknown outcome \"%(value)s\".",
                                       value=str(outcome_text or "—")[:60])))
            continue
        commitment_numbers, bad = [], []
        raw_numbers = str(cell(values, "incorporated_in") or "")
        for piece in raw_numbers.replace(";", ",").split(","):
            piece = piece.strip()
            if not piece:
                continue
            number_value = whole_number(piece)
            if number_value in numbers:
                commitment_numbers.append(number_value)
            else:
                bad.append(piece)
        commitment_ids = [numbers[n] for n in commitment_numbers]
        if bad:
            problems.append((number, _("Commitment %(numbers)s is not in this consultation's "
                                       "plan.", numbers=", ".join(bad)[:60])))
            continue
        referred_to = str(cell(values, "referred_to") or "").strip()
        if len(referred_to) > 300 or len(justification) > 10000:
            problems.append((number, _("A cell is too long (justification up to 10,000 "
                                       "characters, entity up to 300).")))
            continue
        try:
            check_response_values(consultation, outcome=outcome,
                                  justification=justification,
                                  commitment_ids=commitment_ids, referred_to=referred_to)
        except OperationError as error:
            problems.append((number, error.message))
            continue
        current = contribution.response
        if current is not None and _answer(
                current.outcome, current.justification,
                [c.number for c in current.commitments], current.referred_to) == _answer(
                outcome, justification, commitment_numbers, referred_to):
            continue  # unchanged: the published answer stays published
        valid.append((contribution, outcome, justification, commitment_ids, referred_to))
    if problems:
        raise ImportProblems(problems)
    for contribution, outcome, justification, commitment_ids, referred_to in valid:
        save_response(contribution, actor=actor, outcome=outcome, justification=justification,
                      commitment_ids=commitment_ids, referred_to=referred_to)
    record("responses.imported", consultation, actor=actor, consultation_id=consultation.id,
           after={"responses": len(valid)})
    return len(valid)
