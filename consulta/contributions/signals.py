"""What the contributions part tells the parts above it, and asks them."""

from blinker import Namespace

namespace = Namespace()

#: A participant sent a contribution through the web (sender: the contribution).
#: ``notify``: whether the author wants the receipt by e-mail.
contribution_submitted = namespace.signal("contribution-submitted")

#: Asked by every list of contributions for what the parts above add to it (sender:
#: None); each receiver returns a ``consulta.contributions.queries.ListExtension``.
#: Feedback adds the filter by outcome and loads the published responses.
list_extensions = namespace.signal("list-extensions")

#: A typed-in author's consent to show their name was withdrawn (sender: the
#: contribution, its ``author_name_public`` now false): the parts above redact the name
#: they published.
author_name_consent_withdrawn = namespace.signal("author-name-consent-withdrawn")
#: The secretariat erased the personal data of a typed-in record's author (sender: the
#: contribution). Published summaries redact the author there too.
contribution_author_erased = namespace.signal("contribution-author-erased")
#: A contribution changed after it was sent (sender: the contribution): corrected,
#: withdrawn, supported or not, typed in from an offline channel, voided.
contribution_changed = namespace.signal("contribution-changed")

#: An event (workshop, work table) was saved (sender: its consultation).
event_saved = namespace.signal("event-saved")

#: Asked while a contribution's public page is built (sender: the contribution); each
#: receiver returns a dict of values for its template. The final plan adds where the
#: commitments named by its response are now, and where it landed in the final plan.
contribution_page = namespace.signal("contribution-page")
