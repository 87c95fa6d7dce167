"""Lists shared by accounts, organizations, events and contributions.

Genders are fixed by the product (their labels are translated); regions, sectors and
levels of government are the country's data, read from the deployment profile
(core/profile.py), so another country replaces them without touching code.
"""

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .profile import translated

#: Declared gender, optional; only ever shown in aggregate.
GENDERS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other / non-binary"),
}


def profile():
    """The deployment profile of the running app (core/profile.py)."""
    return current_app.config["PROFILE"]


def _language():
    return str(get_locale() or "es")


def regions():
    """The configured regions as a list of dicts with ``code`` and ``name``."""
    return profile().regions


def region_codes():
    return profile().region_codes


def region_name(code):
    """The region's name in the current language; the code itself if unknown."""
    for region in regions():
        if region["code"] == code:
            name = region["name"]
            return translated(name, _language()) if isinstance(name, dict) else name
    return code or ""


def region_label():
    """What the country calls its regions ("Región", "Entidad federativa")."""
    return translated(profile().region_label, _language())


def region_word():
    """The region label as written inside a sentence ("región", "entidad federativa")."""
    return region_label().lower()


#: The refusal of a region code the profile does not list, in every form, operation and
#: import: it names the region as the country does ("Elige una entidad federativa de la
#: lista"), never another country's word.
REGION_NOT_LISTED = _l("Choose a %(label)s from the list.", label=LazyString(region_word))


def sector_codes():
    """The codes of the profile's participant sectors, in their order."""
    return tuple(profile().sectors)


def sectors():
    """``{code: label}`` of the profile's sectors, labels in the current language."""
    language = _language()
    return {code: translated(labels, language) for code, labels in profile().sectors.items()}


def sector_label(code):
    labels = profile().sectors.get(code)
    return translated(labels, _language()) if labels else (code or "")


def sector_from_alias(name):
    """The sector code of a name written on an attendance sheet, or None."""
    return profile().sector_aliases.get((name or "").strip().lower())


def level_codes():
    return tuple(profile().levels)


def level_label(code):
    labels = profile().levels.get(code)
    return translated(labels, _language()) if labels else (code or "")


def level_choices(blank=None):
    choices = [(code, level_label(code)) for code in level_codes()]
    return ([("", blank)] if blank is not None else []) + choices


def region_choices(blank=None):
    choices = [(r["code"], region_name(r["code"])) for r in regions()]
    return ([("", blank)] if blank is not None else []) + choices


def sector_choices(blank=None):
    choices = list(sectors().items())
    return ([("", blank)] if blank is not None else []) + choices


def timezone_label():
    """The zone every displayed time is in, as people say it ("hora del centro de México")."""
    return translated(profile().timezone_label, _language())


def email_example():
    """An e-mail address that looks right in this country, for hints."""
    return f"nombre@{profile().email_example_domain}"


def privacy_notice():
    """The profile's privacy notice in the current language (Spanish otherwise)."""
    notices = profile().privacy
    return notices.get(_language()) or notices["es"]
