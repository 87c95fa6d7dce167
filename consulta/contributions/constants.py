from datetime import date

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

#: Channels through which moderators type in what did not arrive through this platform;
#: "web" is a web form outside it (an external form, a partner's site).
OFFLINE_CHANNELS = ("workshop", "work_table", "email", "written", "web", "other")

#: How the offline form names the web channel (``CHANNELS["web"]`` says "this site").
TYPED_IN_WEB = _l("Web, outside this site (an external form, a partner's site)")

#: No received date before this one is plausible (a typing error, not a fact).
EARLIEST_RECEIVED_ON = date(2000, 1, 1)

SORTS = {
    "newest": _l("Newest first"),
    "supported": _l("Most supported"),
    "oldest": _l("Oldest first"),
}
PAGE_SIZES = (10, 20, 50, 100)

#: Why a moderator hid a contribution (shown publicly in its place).
HIDE_REASONS = {
    "offensive": _l("Offensive or discriminatory language"),
    "third_party_data": _l("Personal data of third parties"),
    "spam": _l("Spam or advertising"),
    "off_topic": _l("Off topic"),
    "duplicate": _l("Exact duplicate of the same author"),
}

#: The largest attendance number an event accepts (a stadium, not a typo of six digits).
MAX_ATTENDANCE = 1_000_000

#: How an author without e-mail asked to be told of the answer.
CONTACT_CHANNELS = {
    "sms": _l("SMS"),
    "phone": _l("Phone call"),
    "post": _l("Letter to the address given"),
}
