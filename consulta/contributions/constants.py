from flask_babel import lazy_gettext as _l

KINDS = {
    "proposal": _l("Proposal"),
    "comment": _l("Comment"),
}

#: What a comment is about.
TARGETS = {
    "commitment": _l("A commitment of the draft plan"),
    "section": _l("A section of the draft plan"),
    "plan": _l("The plan as a whole"),
    "proposal": _l("A proposal"),
}

#: Channels through which moderators type in what arrived offline.
OFFLINE_CHANNELS = ("workshop", "work_table", "email", "written", "other")

SORTS = {
    "newest": _l("Newest first"),
    "supported": _l("Most supported"),
    "oldest": _l("Oldest first"),
}
PAGE_SIZES = (10, 20, 50, 100)
