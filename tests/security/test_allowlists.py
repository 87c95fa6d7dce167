"""Sort, filter and page-size parameters come from allowlists.

A value that is not on the list (SQL, a column with a direction, a Python dunder, a
number out of range...) gives exactly the default list — the same main content, the
same JSON — or a clean 400; never a 500, never an empty list because the value was
used as given, and never the value (or an SQL error) echoed back.
"""

import re
from urllib.parse import quote

from .conftest import IV, LL

#: Each parameter gets each of these (a longer list costs CI time, not coverage: the
#: checks are one membership test per parameter).
BAD_VALUES = ["id;DROP TABLE users", "title desc", "__class__", "-1", "1e3"]

CSRF_VALUE = re.compile(r'(?<=name="csrf_token" type="hidden" value=")[^"]+')
#: The notice of a list that ignored a filter's value (it names the filter, never the
#: value): the list itself must be the default one.
IGNORED_NOTICE = re.compile(r'<p [^>]*data-ignored-filter[^>]*>.*?</p>\s*', re.S)

#: Parameters naming one thing that may not exist: a number naming nothing is a 404.
NAMES_A_ROW = {"version"}

SQL_ERRORS = ("syntax error", "sqlite3.", "psycopg", "OperationalError", "ProgrammingError",
              "Traceback", "DROP TABLE")

#: (role, list URL, parameters it reads). Free-text search (``q``) is echoed on purpose
#: (it is the search box) and is not a sort or filter column.
LISTS = [
    ("anonymous", f"/consultations/{IV}/contributions",
     ("sort", "per_page", "page", "kind", "component", "commitment", "sector", "region",
      "channel", "outcome", "withdrawn")),
    ("anonymous", "/api/v1/consultations", ("page", "per_page", "sort", "order")),
    ("anonymous", f"/api/v1/consultations/{IV}/contributions",
     ("page", "per_page", "sort", "order", "kind")),
    ("anonymous", f"/api/v1/consultations/{LL}/summary/v1/matrix", ("page", "per_page")),
    ("anonymous", f"/api/v1/consultations/{LL}/summary", ("version",)),
    ("anonymous", f"/consultations/{LL}/summary", ("page", "version")),
    ("anonymous", "/organizations", ("page", "sort")),
    ("moderator", f"/consultations/{IV}/moderation",
     ("state", "page", "component", "commitment", "channel", "sector", "sort")),
    ("moderator", f"/consultations/{IV}/moderation/audit", ("action", "before", "after", "sort")),
    ("secretariat", f"/consultations/{IV}/feedback", ("status", "page", "sort")),
    ("secretariat", f"/consultations/{IV}/matrix",
     ("sort", "per_page", "page", "kind", "component", "commitment", "sector", "region",
      "channel", "outcome")),
    ("admin", "/admin/users", ("role", "page", "sort")),
]


def _main(response):
    """What a page shows in its main region, or the JSON of an API answer."""
    if response.is_json:
        return response.get_json()
    page = response.get_data(as_text=True)
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return IGNORED_NOTICE.sub("", CSRF_VALUE.sub("", main))  # a fresh token in every form


def test_unknown_values_give_the_default_list(app, world):
    wrong = []
    clients = {}
    for role, url, parameters in LISTS:
        if role not in clients:
            clients[role] = world.client(app, role)
        client = clients[role]
        client.get(url)  # shows (and so clears) the welcome message of the log-in
        default = client.get(url)
        assert default.status_code == 200, url
        expected = _main(default)
        for name in parameters:
            for value in BAD_VALUES:
                response = client.get(f"{url}?{name}={quote(value)}")
                body = response.get_data(as_text=True)
                where = f"{role} {url}?{name}={value!r}"
                if response.status_code == 400 or (
                        response.status_code == 404 and name in NAMES_A_ROW
                        and value.lstrip("-").isdigit()):
                    continue
                if response.status_code != 200:
                    wrong.append(f"{where}: {response.status_code}")
                elif any(marker in body for marker in SQL_ERRORS):
                    wrong.append(f"{where}: SQL or a traceback in the answer")
                elif _main(response) != expected:
                    wrong.append(f"{where}: not the default list")
    assert not wrong, "\n".join(wrong)


def test_known_values_still_filter_and_sort(app, world):
    """The allowlists are not empty: a valid value does change the list."""
    client = world.client(app, "anonymous")
    base = f"/consultations/{IV}/contributions"
    codes = re.findall(r"APO-\d{4}-\d{6}", _main(client.get(base)))
    oldest = re.findall(r"APO-\d{4}-\d{6}", _main(client.get(base + "?sort=oldest")))
    assert codes and oldest and codes != oldest
    proposals = _main(client.get(base + "?kind=proposal&per_page=100"))
    comments = _main(client.get(base + "?kind=comment&per_page=100"))
    assert proposals != comments
    moderator = world.client(app, "moderator")
    queue = f"/consultations/{IV}/moderation"
    assert _main(moderator.get(queue + "?channel=workshop")) != _main(moderator.get(queue))
    audit = f"/consultations/{IV}/moderation/audit"
    assert _main(moderator.get(audit + "?action=group.created")) != \
        _main(moderator.get(audit))
