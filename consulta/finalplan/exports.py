"""The traceability matrix of a final plan: one row per commitment and contribution
that shaped it (a commitment nothing shaped has one row, without a contribution)."""

import csv
import io

from flask import url_for

from consulta.core.spreadsheet import csv_safe, xlsx_bytes
from consulta.core.taxonomy import sector_label
from consulta.feedback.constants import OUTCOMES

from .queries import shaping_contributions

FIELDS = ("commitment_number", "commitment_lineage", "component", "commitment_title",
          "responsible", "tracking_code", "contribution_kind", "channel", "sector",
          "outcome", "contribution_url")


def traceability_rows(final_plan):
    """Yield the rows (tuples in the order of ``FIELDS``), by commitment number.

    :param final_plan: a published final plan.
    """
    shaped = shaping_contributions(final_plan)
    for commitment in final_plan.plan_version.commitments:
        base = (commitment.number, commitment.lineage, commitment.component.name,
                commitment.title, commitment.responsible or "")
        contributions = shaped.get(commitment.id) or []
        if not contributions:
            yield (*base, "", "", "", "", "", "")
        for contribution, outcome in contributions:
            yield (*base, contribution.tracking_code, contribution.kind,
                   str(contribution.channel_label), str(sector_label(contribution.sector)),
                   str(OUTCOMES[outcome]),
                   url_for("contributions.detail", code=contribution.tracking_code,
                           _external=True))


def traceability_csv(final_plan):
    """The matrix as CSV text: UTF-8 with a BOM, formulas neutralized."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for row in traceability_rows(final_plan):
        writer.writerow([csv_safe(value) for value in row])
    return buffer.getvalue()


def traceability_xlsx(final_plan):
    """The matrix as XLSX bytes: text cells never become formulas."""
    return xlsx_bytes("trazabilidad", FIELDS, traceability_rows(final_plan),
                      widths=[10, 14, 24, 50, 30, 20, 12, 20, 24, 22, 50])
