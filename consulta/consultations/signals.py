"""What the consultations part asks the parts above it.

Its public pages show what those parts know of a consultation (how many contributions
it received, per commitment and by state) without importing them.
"""

from blinker import Namespace

namespace = Namespace()

#: Asked while a consultation's public page is built (sender: the consultation); each
#: receiver returns a dict of values for its template. Moderation adds ``figures``.
consultation_page = namespace.signal("consultation-page")

#: Asked while a published version of the draft plan is shown (sender: the
#: consultation); each receiver returns a dict of values for its template.
#: Contributions adds ``counts``: {commitment number: {kind: count}}.
plan_page = namespace.signal("plan-page")
