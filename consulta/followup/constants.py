from flask_babel import lazy_gettext as _l

#: The status of a milestone in a progress report (and, once a report is published,
#: the milestone's current status). "delayed" and "cancelled" need a reason.
MILESTONE_STATUSES = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "delayed": _l("Delayed"),
    "cancelled": _l("Cancelled"),
}
#: Statuses that must say why.
NEEDS_REASON = ("delayed", "cancelled")

#: A progress report goes through the same cycle as a response.
REPORT_STATES = {
    "draft": _l("Draft"),
    "review": _l("In review"),
    "published": _l("Published"),
}

#: Where an uploaded document's bytes live: in the database (the default) or in an
#: S3-compatible object store when one is configured. Never only on one server's disk.
DOCUMENT_STORAGES = ("database", "s3")

# The standing forum (fu-forum)

#: A member's role in the multi-stakeholder forum.
FORUM_ROLES = {
    "co_chair": _l("Co-chair"),
    "member": _l("Member"),
    "alternate": _l("Alternate"),
    "observer": _l("Observer"),
}

#: Which side of the forum a member sits on.
FORUM_SIDES = {
    "government": _l("Government"),
    "civil_society": _l("Civil society"),
}
#: The self-assessments of a final plan: one of each kind, frozen once published.
ASSESSMENT_KINDS = {
    "mid_term": _l("Mid-term self-assessment"),
    "end_of_term": _l("End-of-term self-assessment"),
}
#: How each kind is written in addresses.
ASSESSMENT_SLUGS = {"mid_term": "mid-term", "end_of_term": "end-of-term"}
