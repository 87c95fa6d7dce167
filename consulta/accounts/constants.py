from flask_babel import lazy_gettext as _l

#: Staff roles an administrator can grant. Every account is a participant.
ROLES = {
    "moderator": _l("Moderator"),
    #: Records contributions together with a person (service point, workshop, phone)
    #: and prints their receipt; global for now (per entity once entities exist).
    "facilitator": _l("Facilitator"),
    "secretariat": _l("Technical secretariat"),
    "admin": _l("Administrator"),
}

ORGANIZATION_STATUSES = {
    "pending": _l("Awaiting review"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}

MEMBERSHIP_STATUSES = {
    "pending": _l("Requested"),
    "approved": _l("Member"),
    "rejected": _l("Rejected"),
}

LANGUAGE_NAMES = {"es": "Español", "en": "English"}
