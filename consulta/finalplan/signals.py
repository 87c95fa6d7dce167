"""What the final plan tells the parts above it."""

from blinker import Namespace

namespace = Namespace()

#: A final plan was published (sender: the ``FinalPlan``, its ``published_at`` set; not
#: yet committed; ``notify``: false for a plan of the past, of which nobody is told). The
#: follow-up tells the consultation's followers.
final_plan_published = namespace.signal("final-plan-published")
