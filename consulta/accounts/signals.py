"""What the accounts part tells the parts above it, and asks them."""

from blinker import Namespace

namespace = Namespace()

#: An account was erased by its owner (sender: the user, already anonymized): the parts
#: above remove what they published of that person (the summary redacts the name).
#: ``email``: the address the account had, for what the parts above hold under it.
account_erased = namespace.signal("account-erased")

#: A person withdrew their consent to show their name publicly (sender: the user; the
#: profile's "show my name" unticked): the parts above redact what they published.
name_consent_withdrawn = namespace.signal("name-consent-withdrawn")
#: Asked by "download my data" for what the parts above hold about the person (sender:
#: the account); each receiver returns a dict of sections added to the export (the
#: contributions part adds the person's contributions and supports).
data_export = namespace.signal("data-export")
#: What public pages may show of an author changed (sender: the user or organization):
#: a name, the consent to show it, an organization's name or approval, an account
#: erased. Contributions of any consultation may show it: every public page is forgotten.
public_identity_changed = namespace.signal("public-identity-changed")
#: An organizing entity was renamed (sender: the entity): the consultations part keeps
#: its consultations' displayed organizer name in step, and pages are forgotten.
entity_renamed = namespace.signal("entity-renamed")
