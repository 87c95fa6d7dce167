from flask_babel import lazy_gettext as _l

#: How a contribution was considered. Each needs a justification.
OUTCOMES = {
    "incorporated": _l("Incorporated"),
    "partially_incorporated": _l("Partially incorporated"),
    "already_covered": _l("Already covered by the draft"),
    "not_incorporated": _l("Not incorporated"),
    "out_of_scope": _l("Outside the scope of the plan"),
    "referred": _l("Referred to another entity"),
}
#: Outcomes that must name the commitments where the contribution was incorporated.
NEEDS_COMMITMENTS = ("incorporated", "partially_incorporated")

#: A symbol per outcome, so that the label never relies on colour alone.
OUTCOME_ICONS = {
    "incorporated": "✔",
    "partially_incorporated": "◐",
    "already_covered": "≡",
    "not_incorporated": "✖",
    "out_of_scope": "⊘",
    "referred": "➜",
}

#: Spanish labels (as typed in spreadsheets) → outcome codes.
OUTCOME_ALIASES = {
    "incorporado": "incorporated",
    "incorporada": "incorporated",
    "incorporado parcialmente": "partially_incorporated",
    "incorporada parcialmente": "partially_incorporated",
    "parcialmente incorporado": "partially_incorporated",
    "ya considerado en el borrador": "already_covered",
    "ya considerado": "already_covered",
    "no incorporado": "not_incorporated",
    "no incorporada": "not_incorporated",
    "fuera del alcance": "out_of_scope",
    "fuera del alcance del plan": "out_of_scope",
    "derivado a otra entidad": "referred",
    "derivado": "referred",
    "derivada": "referred",
}

STATUSES = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "approved": _l("Approved"),
    "published": _l("Published"),
}
