"""How a part talks to the parts above it without importing them.

A part never imports a part above it (see ``tests/test_layering.py``). When something
it does concerns a higher part (an e-mail to send, a page to forget), its operation
sends a signal, declared in the part's own ``signals.py`` with a blinker ``Namespace``
(as Flask's and udata's signals are), and the higher part connects a receiver to it in
its ``init_app``. The same way, a page of a lower part asks the parts above it what
they add to it (Indico's ``values_from_signal``): each receiver returns a value.
"""

from blinker import Namespace


def values_from_signal(signal, sender=None, **kwargs):
    """The values returned by the receivers of ``signal``, in connection order (None
    left out)."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value is not None]


def merged_values(signal, sender=None, **kwargs):
    """The dicts returned by the receivers of ``signal``, merged into one."""
    merged = {}
    for value in values_from_signal(signal, sender, **kwargs):
        merged.update(value)
    return merged


namespace = Namespace()

#: Asked while the public home page is built (no sender); each receiver returns a dict
#: of values for its template. Consultations adds ``open_now`` (the consultations open
#: now) and ``coming`` (the next one to open), so that the home page leads to them.
home_page = namespace.signal("home-page")
