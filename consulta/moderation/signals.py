"""What the moderation part tells the parts above it."""

from blinker import Namespace

namespace = Namespace()

#: A moderator hid a contribution (sender: the contribution); its reason is on it.
contribution_hidden = namespace.signal("contribution-hidden")

#: A moderator made a hidden contribution visible again (sender: the contribution).
contribution_unhidden = namespace.signal("contribution-unhidden")

#: A contribution joined a group (sender: the contribution). ``group``: the group;
#: ``had_answer``: whether a published response answered it before.
contribution_grouped = namespace.signal("contribution-grouped")

#: A moderator masked a fragment of personal data in a contribution's texts (sender: the
#: contribution; ``fragment``: the text masked). Published summaries redact it.
fragment_masked = namespace.signal("fragment-masked")

#: A moderator reviewed the personal data held on the way in (sender: the
#: contribution); ``released``: the fragments shown again, ``confirmed``: those kept
#: masked.
personal_data_reviewed = namespace.signal("personal-data-reviewed")
#: A moderator classified, ungrouped, masked or unmasked a contribution (sender: the
#: contribution).
contribution_moderated = namespace.signal("contribution-moderated")

#: A group of contributions was created or renamed (sender: the group).
group_saved = namespace.signal("group-saved")
