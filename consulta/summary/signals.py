"""What the summary part tells the parts above it."""

from blinker import Namespace

namespace = Namespace()

#: A new version of a consultation's summary was published (sender: the snapshot, its
#: rows and digest written, not yet committed).
summary_published = namespace.signal("summary-published")
