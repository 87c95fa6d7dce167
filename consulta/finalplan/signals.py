"""What the final plan tells the parts above it."""

from blinker import Namespace

namespace = Namespace()

#: A final plan was published (sender: the ``FinalPlan``, its ``published_at`` set; not
#: yet committed; ``notify``: false for a plan of the past, of which nobody is told;
#: ``told``: the addresses already told, as contributors, what became of their
#: contributions). The follow-up tells the consultation's other followers.
final_plan_published = namespace.signal("final-plan-published")
