"""What the follow-up tells other parts (followers, the forum, the audit log).

``report_published``: sender is the ``ProgressReport`` just published (after commit
is the caller's business: receivers that send mail queue it in the outbox).
"""

from blinker import Namespace

_signals = Namespace()

report_published = _signals.signal("followup-report-published")
