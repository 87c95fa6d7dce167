"""What the consultations part asks the parts above it.

Its public pages show what those parts know of a consultation (how many contributions
it received, per commitment and by state) without importing them.
"""

from blinker import Namespace

namespace = Namespace()

#: Asked while a consultation's public page is built (sender: the consultation); each
#: receiver returns a dict of values for its template. Moderation adds ``figures``.
consultation_page = namespace.signal("consultation-page")

#: Asked for what a consultation's public page shows its visitor alone (sender: the
#: consultation); each receiver returns a dict of values for its template, rendered for
#: each participant into the page kept for participants, with ``facts``: those kept with
#: the page (``core.cache.keep_facts``), None when the page is being rendered. The
#: follow-up adds ``follow_box``.
consultation_personal = namespace.signal("consultation-personal")

#: Asked while a published version of the draft plan is shown (sender: the
#: consultation); each receiver returns a dict of values for its template.
#: Contributions adds ``counts``: {commitment number: {kind: count}}.
plan_page = namespace.signal("plan-page")

#: Asked before the participation windows of a channel change (sender: the
#: consultation; ``channel``, ``before`` and ``after``: lists of (opens_at, closes_at)).
#: Each receiver returns how many of the contributions it knows, received through that
#: channel inside the windows ``before``, would fall outside every window ``after``.
#: Contributions answers for its contributions (by the moment each was received).
windows_changing = namespace.signal("windows-changing")

#: Something a public page of the consultation shows changed (sender: the consultation):
#: its fields, announcement, windows, timeline, components or published plan. Sent
#: before the commit; the page cache forgets the consultation's pages after it.
consultation_changed = namespace.signal("consultation-changed")

#: The dates of a public consultation changed (sender: the consultation; ``reason``: why,
#: as published): a participation window moved or was added, or a phase's dates moved.
#: The public notice of the change; sent before the commit, once per window or phase
#: changed (followers are told once per transaction).
dates_changed = namespace.signal("dates-changed")
