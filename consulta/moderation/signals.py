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

#: A moderator classified, ungrouped, masked or unmasked a contribution (sender: the
#: contribution).
contribution_moderated = namespace.signal("contribution-moderated")

#: A group of contributions was created or renamed (sender: the group).
group_saved = namespace.signal("group-saved")
