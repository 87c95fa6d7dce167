"""What the accounts part tells the parts above it."""

from blinker import Namespace

namespace = Namespace()

#: What public pages may show of an author changed (sender: the user or organization):
#: a name, the consent to show it, an organization's name or approval, an account
#: erased. Contributions of any consultation may show it: every public page is forgotten.
public_identity_changed = namespace.signal("public-identity-changed")
