"""Lists shared by accounts, organizations, events and contributions.

Sectors and genders are fixed by the product (their labels are translated);
regions are data, loaded from a JSON file so another country can replace them.
"""

import json
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

#: Participant sectors, from real Peruvian workshops.
SECTORS = {
    "citizen": _l("Citizen"),
    "civil_society": _l("Civil society organization"),
    "academia": _l("Academia"),
    "private_sector": _l("Private sector / business association"),
    "national_government": _l("National public entity"),
    "regional_government": _l("Regional government"),
    "local_government": _l("Local government / municipality"),
    "international_cooperation": _l("International cooperation"),
    "other": _l("Other"),
}

#: Declared gender, optional; only ever shown in aggregate.
GENDERS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other / non-binary"),
}

DEFAULT_REGIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.json"


@lru_cache(maxsize=4)
def _load_regions(path):
    with open(path, encoding="utf-8") as fh:
        return tuple(json.load(fh)["regions"])


def regions():
    """The configured regions as a list of dicts with ``code`` and ``name``."""
    return _load_regions(str(current_app.config.get("REGIONS_FILE") or DEFAULT_REGIONS_FILE))


def region_codes():
    return {r["code"] for r in regions()}


def region_name(code):
    """The region's name in the current language; the code itself if unknown."""
    for region in regions():
        if region["code"] == code:
            name = region["name"]
            if isinstance(name, dict):
                lang = str(get_locale() or "es")
                return name.get(lang) or name.get("es") or next(iter(name.values()))
            return name
    return code or ""


def sector_label(code):
    return SECTORS.get(code, code or "")


def region_choices(blank=None):
    choices = [(r["code"], region_name(r["code"])) for r in regions()]
    return ([("", blank)] if blank is not None else []) + choices


def sector_choices(blank=None):
    choices = list(SECTORS.items())
    return ([("", blank)] if blank is not None else []) + choices
