"""Import a whole draft plan from JSON, all or nothing.

Accepted format (that of ``shared/data/paga-iv-2020-2021.json``)::

    {
      "plan": {"title": "..."},                         # optional
      "sections": [{"title": "...", "body": "..."}],    # optional
      "themes": [                                       # the components, in order
        {"name": "Salud", "description": "...",
         "commitments": [
           {"number": 5, "title": "...",                 # required
            "summary": "...", "problem": "...", "objective": "...",
            "institution": "...",                        # or "responsible"
            "co_responsible": ["...", "..."],
            "actions": [{"description": "...", "start": "2026-03", "end": "2026-12"}],
            "due": "2026-12",
            "principles": ["Integridad pública", "..."]}  # names or codes
         ]}
      ]
    }

Commitments may also be listed flat, at the top level, each naming its theme:
``"commitments": [{"number": 1, "component": "Salud", ...}]``.
"""

import json
import math

from flask_babel import gettext as _

from consulta.core.forms import MONTH_RE
from consulta.core.request_input import UNSTORABLE_CHARACTERS

from .constants import PRINCIPLE_ALIASES, PRINCIPLES

LIMITS = {"title": 500, "summary": 5000, "problem": 10000, "objective": 10000,
          "responsible": 300}


#: The longest number a plan file may hold, in characters (sign, digits, point and
#: exponent): the numbers of a plan are small (a commitment's number, a year). Checked
#: before conversion, so a number of thousands of digits is refused with a message
#: instead of costing quadratic time or Python's 4,300-digit limit (a 500).
MAX_NUMBER_LENGTH = 30


class _NumberOutOfBounds(ValueError):
    pass


def _bounded(convert):
    def parse(text):
        if len(text) > MAX_NUMBER_LENGTH:
            raise _NumberOutOfBounds(text[:20])
        value = convert(text)
        if not math.isfinite(value):  # 1e999 reads as infinity
            raise _NumberOutOfBounds(text[:20])
        return value
    return parse


def _no_constant(name):
    raise _NumberOutOfBounds(name)  # NaN, Infinity, -Infinity: not JSON numbers


class PlanFileError(Exception):
    """The file is refused; ``problems`` lists (path, message) for every problem found."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _principle_code(value):
    if not isinstance(value, str):
        return None
    key = value.strip().lower()
    if key in PRINCIPLES:
        return key
    return PRINCIPLE_ALIASES.get(key)


def _text(value, path, field, problems, required=False, limit=None):
    if value is None or value == "":
        if required:
            problems.append((path, _("\"%(field)s\" is required.", field=field)))
        return ""
    if not isinstance(value, str):
        problems.append((path, _("\"%(field)s\" must be text.", field=field)))
        return ""
    value = value.strip()
    if limit and len(value) > limit:
        problems.append((path, _("\"%(field)s\" is longer than %(max)d characters.",
                                 field=field, max=limit)))
    return value


def _unstorable_texts(document):
    """Paths of the texts the database cannot store: JSON escapes can carry a NUL
    (\\u0000) or a lone surrogate (\\ud800), which no form field lets through."""
    found, pending = [], [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if UNSTORABLE_CHARACTERS.search(value):
                found.append(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                key = UNSTORABLE_CHARACTERS.sub("\ufffd", str(key))
                pending.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return sorted(found)


def _commitment(raw, path, component, problems, numbers):
    if not isinstance(raw, dict):
        problems.append((path, _("A commitment must be an object.")))
        return None
    number = raw.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 9999:
        problems.append((f"{path}.number", _("The number must be a whole number from 1 to "
                                             "9999.")))
    elif number in numbers:
        problems.append((f"{path}.number", _("Number %(number)d is repeated (also at "
                                             "%(other)s).", number=number,
                                             other=numbers[number])))
    else:
        numbers[number] = path
    item = {"number": number, "component": component}
    for key, field in (("title", "title"), ("summary", "summary"), ("problem", "problem"),
                       ("objective", "objective")):
        item[key] = _text(raw.get(key), f"{path}.{key}", field, problems,
                          required=key == "title", limit=LIMITS[key])
    responsible = raw.get("responsible", raw.get("institution"))
    item["responsible"] = _text(responsible, f"{path}.responsible", "responsible", problems,
                                limit=LIMITS["responsible"]) or None
    co = raw.get("co_responsible") or []
    if isinstance(co, str):
        co = [co]
    if not isinstance(co, list) or not all(isinstance(x, str) for x in co):
        problems.append((f"{path}.co_responsible", _("Must be a list of names.")))
        co = []
    item["co_responsible"] = [x.strip() for x in co if x.strip()]
    actions = raw.get("actions") or []
    item["actions"] = []
    if not isinstance(actions, list):
        problems.append((f"{path}.actions", _("Must be a list of actions.")))
        actions = []
    for i, action in enumerate(actions):
        apath = f"{path}.actions[{i}]"
        if not isinstance(action, dict) or not isinstance(action.get("description"), str) \
                or not action["description"].strip():
            problems.append((apath, _("An action needs a \"description\".")))
            continue
        start, end = action.get("start"), action.get("end")
        for key, value in (("start", start), ("end", end)):
            if value is not None and (not isinstance(value, str) or not MONTH_RE.match(value)):
                problems.append((f"{apath}.{key}", _("Use the form YYYY-MM.")))
        if isinstance(start, str) and isinstance(end, str) and MONTH_RE.match(start) \
                and MONTH_RE.match(end) and end < start:
            problems.append((apath, _("The end is before the start.")))
        item["actions"].append({"description": action["description"].strip(),
                                "start": start, "end": end})
    due = raw.get("due")
    if due is not None and (not isinstance(due, str) or not MONTH_RE.match(due)):
        problems.append((f"{path}.due", _("Use the form YYYY-MM.")))
        due = None
    item["due"] = due
    principles = raw.get("principles") or []
    codes = []
    if not isinstance(principles, list):
        problems.append((f"{path}.principles", _("Must be a list of principles.")))
        principles = []
    for i, name in enumerate(principles):
        code = _principle_code(name)
        if code is None:
            problems.append((f"{path}.principles[{i}]",
                             _("Unknown principle \"%(name)s\".", name=str(name)[:100])))
        elif code not in codes:
            codes.append(code)
    item["principles"] = codes
    return item


def parse_plan(data):
    """Validate raw bytes/str of a plan file; return the plan as plain data.

    Raises PlanFileError with every problem found (nothing is half imported).

    :param data: the file's content, UTF-8 (a BOM is allowed), as bytes or text.
    """
    problems = []
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PlanFileError([("", _("The file is not UTF-8 text."))]) from None
    try:
        document = json.loads(data, parse_int=_bounded(int), parse_float=_bounded(float),
                              parse_constant=_no_constant)
    except _NumberOutOfBounds as exc:
        raise PlanFileError([("", _("The file holds a number that is too long or not a "
                                    "number (%(number)s…): numbers in a plan have at most "
                                    "%(max)d characters.", number=str(exc),
                                    max=MAX_NUMBER_LENGTH))]) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        message = _("The file is not valid JSON (line %(line)s: %(error)s).",
                    line=getattr(exc, "lineno", "?"), error=getattr(exc, "msg", str(exc)))
        raise PlanFileError([("", message)]) from None
    if not isinstance(document, dict):
        raise PlanFileError([("", _("The file must contain a JSON object."))])
    unstorable = _unstorable_texts(document)
    if unstorable:
        raise PlanFileError([(path, _("This text contains a character that cannot be stored "
                                      "(a null character or an invalid Unicode sequence)."))
                             for path in unstorable[:50]])

    plan = document.get("plan") or {}
    if not isinstance(plan, dict):
        problems.append(("plan", _("Must be an object.")))
        plan = {}
    title = _text(plan.get("title"), "plan.title", "title", problems, limit=300)

    sections = []
    raw_sections = document.get("sections") or []
    if not isinstance(raw_sections, list):
        problems.append(("sections", _("Must be a list.")))
        raw_sections = []
    for i, raw in enumerate(raw_sections):
        path = f"sections[{i}]"
        if not isinstance(raw, dict):
            problems.append((path, _("A section must be an object.")))
            continue
        sections.append({
            "title": _text(raw.get("title"), f"{path}.title", "title", problems, required=True,
                           limit=200),
            "body": _text(raw.get("body"), f"{path}.body", "body", problems, limit=50000),
        })

    themes = document.get("themes")
    flat = document.get("commitments")
    if themes is None and flat is None:
        raise PlanFileError([("", _("The file must have \"themes\" (with their commitments) "
                                    "or \"commitments\"."))])
    components, commitments, numbers, names = [], [], {}, set()
    if themes is not None and not isinstance(themes, list):
        problems.append(("themes", _("Must be a list.")))
        themes = []
    for i, theme in enumerate(themes or []):
        path = f"themes[{i}]"
        if not isinstance(theme, dict):
            problems.append((path, _("A theme must be an object.")))
            continue
        name = _text(theme.get("name"), f"{path}.name", "name", problems, required=True,
                     limit=150)
        if name and name.lower() in names:
            problems.append((f"{path}.name", _("Theme \"%(name)s\" is repeated.", name=name)))
        names.add(name.lower())
        components.append({"name": name,
                           "description": _text(theme.get("description"),
                                                f"{path}.description", "description",
                                                problems, limit=5000)})
        raw_commitments = theme.get("commitments") or []
        if not isinstance(raw_commitments, list):
            problems.append((f"{path}.commitments", _("Must be a list.")))
            continue
        for j, raw in enumerate(raw_commitments):
            item = _commitment(raw, f"{path}.commitments[{j}]", name, problems, numbers)
            if item:
                commitments.append(item)
    if flat is not None:
        if not isinstance(flat, list):
            problems.append(("commitments", _("Must be a list.")))
            flat = []
        declared = document.get("components") or []
        if isinstance(declared, list):
            for k, name in enumerate(declared):
                if isinstance(name, str) and name.strip() and name.strip().lower() not in names:
                    names.add(name.strip().lower())
                    components.append({"name": name.strip(), "description": ""})
                elif not isinstance(name, str):
                    problems.append((f"components[{k}]", _("Must be a name.")))
        for j, raw in enumerate(flat):
            path = f"commitments[{j}]"
            component = raw.get("component") if isinstance(raw, dict) else None
            if not isinstance(component, str) or component.strip().lower() not in names:
                problems.append((f"{path}.component",
                                 _("Unknown component \"%(name)s\": declare it in "
                                   "\"components\" or \"themes\".",
                                   name=str(component)[:100])))
                component = None
            else:
                component = next(c["name"] for c in components
                                 if c["name"].lower() == component.strip().lower())
            item = _commitment(raw, path, component, problems, numbers)
            if item:
                commitments.append(item)
    if not commitments and not problems:
        problems.append(("", _("The file has no commitments.")))
    if problems:
        raise PlanFileError(problems)
    return {"title": title, "sections": sections, "components": components,
            "commitments": commitments}
