"""Small groups of people are not singled out by a published count of a personal
characteristic (gender): the rule every public page applies, with ``SMALL_GROUP_MIN``.

The summary's figures apply it with the routes of subtraction between them
(``summary/suppression.py``); the events page applies it here, all or nothing for the
events of a consultation, so that no event's count is the difference of two shown.
"""

from flask import current_app


def small_group_min():
    """The least number of people a published gender count may count (and not count)."""
    return current_app.config.get("SMALL_GROUP_MIN", 5)


def singles_out(women, known, k=None):
    """Whether publishing ``women`` of ``known`` people would single out a small group:
    the women or the others are fewer than k (nobody counted singles out no one).

    :param women: how many are women.
    :param known: how many had their gender known.
    :param k: the least group; ``SMALL_GROUP_MIN`` when None.
    """
    k = k or small_group_min()
    if not known:
        return False
    return women < k or known - women < k


def events_gender_shown(events):
    """Whether the women counted at a consultation's events may be shown on its events
    page: only when no event, and no row by sector of one, singles out a small group.

    :param events: the consultation's events, with their ``attendance`` rows.
    """
    for event in events:
        if event.attendees_women is not None and singles_out(
                event.attendees_women, event.gender_recorded_count or 0):
            return False
        for row in event.attendance:
            if row.women is not None and singles_out(row.women, row.participants):
                return False
    return True
