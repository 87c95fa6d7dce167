from flask_babel import lazy_gettext as _l

#: How a commitment of the consulted draft became (or did not become) one of the final
#: plan. "added" and "changed" and "removed" are found by comparing the two versions by
#: lineage; "merged" is what the secretariat says of a removed one that joined another.
CHANGE_KINDS = {
    "added": _l("Added"),
    "changed": _l("Changed"),
    "merged": _l("Merged"),
    "removed": _l("Removed"),
}

#: The fields of the proposal sheet compared between the draft and the final plan.
COMPARED_FIELDS = {
    "number": _l("Number"),
    "component": _l("Component"),
    "title": _l("Title"),
    "summary": _l("Summary"),
    "problem": _l("Public problem"),
    "objective": _l("Objective"),
    "responsible": _l("Responsible entity"),
    "co_responsible": _l("Co-responsible entities"),
    "actions": _l("Actions"),
    "due": _l("Expected date"),
    "principles": _l("Principles"),
}

