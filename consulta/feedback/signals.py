"""What the feedback part tells the parts above it."""

from blinker import Namespace

namespace = Namespace()

#: A response was published, or an update of it (sender: the response). ``version``:
#: the new ResponseVersion; ``notify``: whether to tell the authors it answers.
response_published = namespace.signal("response-published")
