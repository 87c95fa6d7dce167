"""What the follow-up tells other parts, and asks of its own modules.

``report_published``: sender is the ``ProgressReport`` just published (in the same
transaction: receivers that send mail queue it in the outbox, which is committed with
the report).

The public pages of the follow-up ask for what other modules add to them: each
receiver returns rendered HTML (``Markup``) or None, shown in the order received.
``tracking_page`` (sender: the ``FinalPlan``), ``commitment_page`` (sender: the
``Commitment`` of the final plan), ``report_page`` (sender: the published
``ProgressReport``). The forum adds its observations and the IRM guideline 7 panel;
followers add their "follow" form; comments on reports add themselves.
"""

from blinker import Namespace

namespace = Namespace()

report_published = namespace.signal("followup-report-published")

tracking_page = namespace.signal("followup-tracking-page")
commitment_page = namespace.signal("followup-commitment-page")
report_page = namespace.signal("followup-report-page")


def fragments(signal, sender, **kwargs):
    """The HTML fragments the receivers of ``signal`` return, Nones left out."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value]
