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

#: Asked while a contribution's public page is built (sender: the contribution); each
#: receiver returns a dict of values for its template. The final plan adds where the
#: commitments named by its response are now, and where it landed in the final plan.
contribution_page = namespace.signal("contribution-page")
