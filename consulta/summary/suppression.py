"""Small-group suppression of the published aggregates of personal characteristics.

Gender is a personal characteristic: a published count of women among a handful of
people tells who is a woman (a consultation with one participant published "0 of 1").
Every gender figure of a summary is therefore shown only when the group it counts and
its complement both hold at least ``SMALL_GROUP_MIN`` people (default 5); otherwise it
reads "fewer than 5" (``{"fewer_than": 5}`` in the JSON, formatted by
``core.i18n.format_number``).

Three routes of subtraction are closed as well:

- *within a version*: the gender figures (women overall, declared in profiles, recorded
  at events, at events before closing) are sums of each other; when one of them, or a
  difference between two of them, is a small group, all of them are suppressed. In the
  attendance by sector, a second cell is suppressed with a lone suppressed one, so the
  total does not give it away.
- *across versions*: a figure that differs from the one an earlier version shows by
  fewer than k people (in the group or its complement) would reveal who changed; it
  reads "not shown (small group)" (``{"withheld": 5}``).

Sector and region counts of contributions are not suppressed: every row of the public
contribution matrix already shows its sector and region (see SECURITY.md).

The same function runs when a version is published (what is frozen is suppressed) and
whenever any version is read (``public_content``), so versions frozen before this rule
are shown under it too, in every output.
"""

import copy

from consulta.core.small_groups import small_group_min

from .queries import snapshots_before

#: The figures of a version whose counts are a gender group: (where, women key, known
#: key); ``where`` is a path from the content.
GENDER_PAIRS = (
    (("figures", "women"), "count", "known"),
    (("figures", "declared_genders"), "women_declared", "declared"),
    (("figures", "events"), "women", "gender_recorded"),
    (("irm", "awareness_raising", "evidence"), "women", "gender_recorded"),
)


def is_suppressed(value):
    return isinstance(value, dict)


def _find(content, path):
    node = content
    for key in path:
        if key == "awareness_raising" and isinstance(node, list):
            node = next((item for item in node if item.get("key") == key), None)
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            return None
        if node is None:
            return None
    return node if isinstance(node, dict) else None


def _small(count, k):
    return 0 < count < k or count < 0


def _pair_small(women, known, k):
    """Whether a (women, known) pair singles out someone: the women or the others are
    fewer than k (a group of none is no one's characteristic, unless the other side is
    small too)."""
    if known <= 0:
        return False
    return women < k or known - women < k


def _pairs(content):
    for path, women_key, known_key in GENDER_PAIRS:
        node = _find(content, path)
        if node is None or women_key not in node or known_key not in node:
            continue
        yield path, node, women_key, known_key


def _raw(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _cell_fails(women, known, k, earlier):
    if _pair_small(women, known, k):
        return "fewer_than"
    for old_women, old_known in earlier:
        for delta in (women - old_women, known - old_known,
                      (known - women) - (old_known - old_women)):
            if 0 < abs(delta) < k:
                return "withheld"
    return None


def _earlier_values(earlier, path, women_key, known_key):
    values = []
    for content in earlier:
        node = _find(content, path)
        if node is None:
            continue
        women, known = _raw(node.get(women_key)), _raw(node.get(known_key))
        if women is not None and known is not None:
            values.append((women, known))
    return values


def suppress(content, earlier=(), k=None):
    """A copy of a summary's content with every gender figure of a small group replaced.

    Idempotent: suppressed figures stay suppressed.

    :param content: the content of a summary (as ``operations.preview_summary`` makes it,
        or as a version froze it).
    :param earlier: the public contents of the earlier versions (already suppressed),
        whose figures this one must not be subtracted from.
    :param k: the least group; ``SMALL_GROUP_MIN`` when None.
    """
    k = k or small_group_min()
    content = copy.deepcopy(content)
    pairs = list(_pairs(content))
    verdict = None
    values = {}
    for path, node, women_key, known_key in pairs:
        women, known = _raw(node.get(women_key)), _raw(node.get(known_key))
        if women is None or known is None:
            verdict = verdict or "fewer_than"  # already suppressed: all go with it
            continue
        values[path] = (women, known)
        verdict = verdict or _cell_fails(women, known, k, _earlier_values(
            earlier, path, women_key, known_key))
    # Differences of two figures that count overlapping people: all events and those
    # before closing; all events and the rows by sector that recorded women.
    events = values.get(("figures", "events"))
    before = values.get(("irm", "awareness_raising", "evidence"))
    if verdict is None and events and before and _pair_small(
            events[0] - before[0], events[1] - before[1], k):
        verdict = "fewer_than"
    events_node = _find(content, ("figures", "events"))
    sectors = (events_node or {}).get("by_sector") or {}
    recorded = [(v.get("women"), v.get("participants")) for v in sectors.values()
                if v.get("women") is not None]
    if verdict is None and events and recorded and all(
            _raw(w) is not None for w, _n in recorded) and _pair_small(
            events[0] - sum(w for w, _n in recorded),
            events[1] - sum(n for _w, n in recorded), k):
        verdict = "fewer_than"
    if verdict is not None:
        for _path, node, women_key, known_key in pairs:
            node[women_key] = {verdict: k}
            if "share" in node:
                node["share"] = {verdict: k}
            known = _raw(node.get(known_key))
            if known is not None and 0 < known < k:
                node[known_key] = {"fewer_than": k}
    _suppress_sectors(sectors, k, earlier, whole=verdict is not None)
    return content


def _suppress_sectors(sectors, k, earlier, whole):
    """The women by sector of the attendance: each cell of a small group suppressed, with
    a second cell when it is alone (the total would give it away)."""
    earlier_sectors = []
    for old in earlier:
        node = _find(old, ("figures", "events")) or {}
        earlier_sectors.append(node.get("by_sector") or {})
    failed = []
    shown = []
    for sector, cell in sectors.items():
        women, participants = cell.get("women"), cell.get("participants")
        if women is None:
            continue
        if whole or _raw(women) is None:
            failed.append((sector, "fewer_than"))
            continue
        old = [(o[sector]["women"], o[sector]["participants"]) for o in earlier_sectors
               if sector in o and _raw(o[sector].get("women")) is not None
               and _raw(o[sector].get("participants")) is not None]
        reason = _cell_fails(women, participants, k, old)
        if reason:
            failed.append((sector, reason))
        else:
            shown.append((women, sector))
    if len(failed) == 1 and shown:
        failed.append((min(shown)[1], "fewer_than"))
    for sector, reason in failed:
        sectors[sector]["women"] = {reason: k}


def public_content(snapshot, versions=None):
    """The content of a published version as every output shows it: gender figures of
    small groups suppressed, also against the versions published before it.

    :param snapshot: a ``SummarySnapshot``.
    :param versions: the consultation's snapshots in version order (loaded when None).
    """
    earlier = []
    if versions is None:
        versions = snapshots_before(snapshot.consultation_id, snapshot.version)
    for older in versions:
        if older.version >= snapshot.version:
            break
        earlier.append(suppress(older.content, earlier))
    return suppress(snapshot.content, earlier)
