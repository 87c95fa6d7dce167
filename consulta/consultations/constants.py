from flask_babel import lazy_gettext as _l

SCOPES = {
    "national": _l("National"),
    "regional": _l("Regional"),
    "local": _l("Local"),
}

#: How contributions can arrive. The first five can be announced for a consultation.
CHANNELS = {
    "web": _l("Web (this site)"),
    "workshop": _l("In-person workshops"),
    "work_table": _l("Work tables"),
    "email": _l("E-mail"),
    "written": _l("Written documents"),
    "other": _l("Other"),
}
ANNOUNCEABLE_CHANNELS = ("web", "workshop", "work_table", "email", "written")
#: Channels that have participation windows (the dates during which they receive).
WINDOW_CHANNELS = ANNOUNCEABLE_CHANNELS
ONLINE_CHANNELS = ("web", "email")

CHANNEL_HOW_TO = {
    "web": _l("Create an account on this site and send your proposals and comments while the "
              "consultation is open."),
    "workshop": _l("Take part in the in-person workshops announced in the timeline; what you "
                   "propose there is typed in by the moderators."),
    "work_table": _l("Join the thematic work tables convened by the organizing entity."),
    "email": _l("Send your contribution by e-mail to the organizing entity; it will be "
                "registered here with the others."),
    "written": _l("Hand in a written document at the organizing entity's offices; it will be "
                  "registered here with the others."),
    "other": _l("Other channels described in the methodology."),
}

#: Open-government principles (OGP). Keys are stable codes; labels are translated.
PRINCIPLES = {
    "transparency": _l("Transparency and access to information"),
    "participation": _l("Citizen participation"),
    "integrity": _l("Public integrity"),
    "accountability": _l("Accountability"),
}

#: Names used in plan files (Spanish, as in the published plans) → principle code.
PRINCIPLE_ALIASES = {
    "transparencia y acceso a la información pública": "transparency",
    "transparencia y acceso a la información": "transparency",
    "transparencia": "transparency",
    "participación ciudadana": "participation",
    "participación": "participation",
    "integridad pública": "integrity",
    "integridad": "integrity",
    "rendición de cuentas": "accountability",
}

STATUSES = {
    "draft": _l("Being prepared (private)"),
    "announced": _l("Announced"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "summary_published": _l("Summary published"),
}

EVENT_KINDS = {
    "workshop": _l("In-person workshop"),
    "work_table": _l("Work table"),
    "hearing": _l("Public hearing"),
    "outreach": _l("Information session"),
}
