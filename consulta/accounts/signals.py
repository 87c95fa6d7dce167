"""What the accounts part tells the parts above it, and asks them."""

from blinker import Namespace

namespace = Namespace()

#: Asked by "download my data" for what the parts above hold about the person (sender:
#: the account); each receiver returns a dict of sections added to the export (the
#: contributions part adds the person's contributions and supports).
data_export = namespace.signal("data-export")
