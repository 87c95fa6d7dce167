"""The deployment profile: a country's settings as data, not code.

``CONSULTA_PROFILE`` names a folder (or one shipped in ``consulta/data/profiles``, by
its name; ``peru`` by default) holding:

- ``profile.json``: country, time zone and its label, whether the country has several
  time zones (then every displayed time names its zone), locale, e-mail example
  domain, the label of the region field;
- ``regions.json``: the regions offered to participants, organizations and events;
- ``sectors.json``: participant sectors, with translated labels and the names written
  on attendance sheets;
- ``levels.json``: levels of government of the entities that run consultations;
- ``privacy.es.md`` and ``privacy.en.md``: the privacy notice, with its version, law
  and authority in a front-matter block;
- ``personal_data.json`` (optional): what is personal data, for the privacy tools.

A file missing or malformed stops the app before it starts, with the file and the
line (``ProfileError``): a deployment must never run half-configured.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from consulta.config import ConfigurationError

#: Where the shipped profiles live.
PROFILES_DIR = Path(__file__).resolve().parent.parent / "data" / "profiles"
DEFAULT_PROFILE = "peru"
#: Languages every translated label and the privacy notice must be written in.
PROFILE_LANGUAGES = ("es", "en")
#: Sector codes the product relies on (the IRM checks the forum has civil society).
REQUIRED_SECTORS = ("civil_society", "other")
#: Levels of government every profile names (their labels are the country's own).
REQUIRED_LEVELS = ("national", "regional", "local", "autonomous", "legislature",
                   "judiciary", "other")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,16}$")
PRIVACY_KEYS = ("version", "law", "authority")


class ProfileError(RuntimeError):
    """The profile folder cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class PrivacyNotice:
    version: str
    law: str
    authority: str
    #: The notice itself, Markdown.
    body: str


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    country: str
    country_name: dict
    timezone: str
    timezone_label: dict
    #: The country spans several time zones: every time shown names the zone it is in.
    several_time_zones: bool
    locale: str
    email_example_domain: str
    region_label: dict
    #: ``({"code", "name"}, ...)``, name a string or a mapping by language.
    regions: tuple
    #: ``{code: {language: label}}``, in the order of the file.
    sectors: dict
    #: ``{alias (lower case): code}``.
    sector_aliases: dict
    #: ``{code: {language: label}}``.
    levels: dict
    #: ``{language: PrivacyNotice}``.
    privacy: dict
    personal_data_file: Path | None = None
    region_codes: frozenset = field(default=frozenset())

    @property
    def privacy_version(self):
        return self.privacy["es"].version


def _line_of(text, needle, after=0):
    """The 1-based line where ``needle`` first appears in ``text`` (from the offset
    ``after``; 1 when it does not)."""
    index = text.find(needle, max(after, 0)) if needle else -1
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


class _File:
    """One file of the profile, read as text, to report errors at their line."""

    def __init__(self, folder, name):
        self.path = folder / name
        if not self.path.is_file():
            raise ProfileError(f"{self.path}: file missing from the deployment profile.")
        try:
            self.text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{self.path}:1: cannot be read as UTF-8 text ({exc}).") from exc

    def error(self, message, near=None, line=None):
        line = line or _line_of(self.text, near)
        return ProfileError(f"{self.path}:{line}: {message}")

    def json(self):
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise self.error(f"not valid JSON: {exc.msg}.", line=exc.lineno) from exc


def _translated(file, value, what, near):
    """A mapping with a non-empty text for every language of PROFILE_LANGUAGES."""
    if not isinstance(value, dict) or any(
            not isinstance(value.get(lang), str) or not value[lang].strip()
            for lang in PROFILE_LANGUAGES):
        raise file.error(f"{what} needs a text for each language "
                         f"({', '.join(PROFILE_LANGUAGES)}).", near=near)
    return {lang: value[lang].strip() for lang in value if isinstance(value[lang], str)}


def _coded_list(file, data, key, what):
    """The list ``data[key]`` of objects with a unique, well-formed ``code``."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list) or not data[key]:
        raise file.error(f'needs a non-empty list "{key}".', near=f'"{key}"')
    seen = set()
    for item in data[key]:
        code = item.get("code") if isinstance(item, dict) else None
        near = f'"{code}"' if isinstance(code, str) else None
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            raise file.error(f"every {what} needs a \"code\" of lower-case letters, digits, "
                             "'-' or '_' (at most 32).", near=near or str(item)[:20])
        if code in seen:
            second = file.text.find(near, file.text.find(near) + 1)
            raise file.error(f"the {what} code \"{code}\" appears twice.",
                             line=file.text.count("\n", 0, max(second, 0)) + 1)
        seen.add(code)
    return data[key]


def _load_profile_json(folder):
    file = _File(folder, "profile.json")
    data = file.json()
    if not isinstance(data, dict):
        raise file.error("must be a JSON object.")
    for key in ("country", "timezone", "locale", "email_example_domain"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise file.error(f'needs "{key}" (text).', near=f'"{key}"')
    try:
        ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise file.error(f'unknown time zone "{data["timezone"]}".',
                         near='"timezone"') from exc
    try:
        Locale.parse(data["locale"])
    except (UnknownLocaleError, ValueError) as exc:
        raise file.error(f'unknown locale "{data["locale"]}" (write it as es_MX).',
                         near='"locale"') from exc
    several = data.get("several_time_zones", False)
    if not isinstance(several, bool):
        raise file.error('"several_time_zones" is true or false.',
                         near='"several_time_zones"')
    if not re.match(r"^[a-z0-9.-]+\.[a-z]{2,}$", data["email_example_domain"]):
        raise file.error('"email_example_domain" must be a domain such as ejemplo.gob.mx.',
                         near='"email_example_domain"')
    return {
        "country": data["country"].strip(),
        "country_name": _translated(file, data.get("country_name"), '"country_name"',
                                    '"country_name"'),
        "timezone": data["timezone"],
        "timezone_label": _translated(file, data.get("timezone_label"), '"timezone_label"',
                                      '"timezone_label"'),
        "several_time_zones": several,
        "locale": data["locale"],
        "email_example_domain": data["email_example_domain"],
        "region_label": _translated(file, data.get("region_label"), '"region_label"',
                                    '"region_label"'),
    }


def _load_regions(folder):
    file = _File(folder, "regions.json")
    regions = _coded_list(file, file.json(), "regions", "region")
    for region in regions:
        name = region.get("name")
        if isinstance(name, dict):
            _translated(file, name, f'the name of "{region["code"]}"', f'"{region["code"]}"')
        elif not isinstance(name, str) or not name.strip():
            raise file.error(f'the region "{region["code"]}" needs a "name".',
                             near=f'"{region["code"]}"')
    return tuple({"code": r["code"], "name": r["name"]} for r in regions)


def _load_sectors(folder):
    file = _File(folder, "sectors.json")
    sectors, aliases = {}, {}
    for sector in _coded_list(file, file.json(), "sectors", "sector"):
        near = f'"{sector["code"]}"'
        sectors[sector["code"]] = _translated(file, sector.get("label"),
                                              f'the label of {near}', near)
        names = sector.get("aliases", [])
        if not isinstance(names, list) or not all(isinstance(a, str) for a in names):
            raise file.error(f'"aliases" of {near} must be a list of texts.', near=near)
        for alias in names:
            aliases[alias.strip().lower()] = sector["code"]
    missing = [code for code in REQUIRED_SECTORS if code not in sectors]
    if missing:
        raise file.error(f"every profile has the sectors {', '.join(REQUIRED_SECTORS)}; "
                         f"missing: {', '.join(missing)}.", near='"sectors"')
    return sectors, aliases


def _load_levels(folder):
    file = _File(folder, "levels.json")
    levels = {}
    for level in _coded_list(file, file.json(), "levels", "level"):
        near = f'"{level["code"]}"'
        levels[level["code"]] = _translated(file, level.get("label"),
                                            f"the label of {near}", near)
    missing = [code for code in REQUIRED_LEVELS if code not in levels]
    if missing:
        raise file.error(f"every profile names the levels {', '.join(REQUIRED_LEVELS)}; "
                         f"missing: {', '.join(missing)}.", near='"levels"')
    return levels


def _load_privacy(folder, language):
    file = _File(folder, f"privacy.{language}.md")
    lines = file.text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise file.error("must start with a front-matter block (a line \"---\", then "
                         "version:, law:, authority:, then \"---\").", line=1)
    meta = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            body = "\n".join(lines[number:]).strip()
            break
        key, sep, value = line.partition(":")
        if not sep or key.strip() not in PRIVACY_KEYS or not value.strip():
            raise file.error(f"expected one of {', '.join(PRIVACY_KEYS)} followed by ':' and "
                             "a value.", line=number)
        meta[key.strip()] = value.strip()
    else:
        raise file.error("the front-matter block is not closed by a line \"---\".",
                         line=len(lines))
    for key in PRIVACY_KEYS:
        if key not in meta:
            raise file.error(f"the front-matter block needs \"{key}:\".", line=1)
    if not VERSION_PATTERN.match(meta["version"]):
        raise file.error("the version is at most 16 letters, digits, '.', '-' or '_'.",
                         near="version:")
    if not body:
        raise file.error("the notice itself is empty.", line=len(lines))
    return PrivacyNotice(version=meta["version"], law=meta["law"],
                         authority=meta["authority"], body=body)


def _check_personal_data(folder):
    """``personal_data.json``: a list of patterns, each a code, a label and a regular
    expression that compiles (a broken one would fail on the first text checked)."""
    file = _File(folder, "personal_data.json")
    for pattern in _coded_list(file, file.json(), "patterns", "pattern"):
        near = f'"{pattern["code"]}"'
        label = pattern.get("label")
        if isinstance(label, dict):
            _translated(file, label, f"the label of {near}", near)
        elif not isinstance(label, str) or not label.strip():
            raise file.error(f'the pattern {near} needs a "label".', near=near)
        regex = pattern.get("regex")
        if not isinstance(regex, str) or not regex:
            raise file.error(f'the pattern {near} needs a "regex".', near=near)
        try:
            re.compile(regex, re.IGNORECASE)
        except re.error as exc:
            raise file.error(f"the regex of {near} is not a valid regular expression "
                             f"({exc.msg}).", line=_line_of(
                                 file.text, '"regex"', after=file.text.find(near))) from exc


def resolve_profile_path(value):
    """The folder named by ``CONSULTA_PROFILE``: a shipped profile's name, or a path."""
    value = (value or DEFAULT_PROFILE).strip()
    if re.match(r"^[a-z0-9_-]+$", value) and (PROFILES_DIR / value).is_dir():
        return PROFILES_DIR / value
    path = Path(value).expanduser()
    if not path.is_dir():
        shipped = ", ".join(sorted(p.name for p in PROFILES_DIR.iterdir() if p.is_dir()))
        raise ProfileError(f"CONSULTA_PROFILE: {value} is neither a folder nor a shipped "
                           f"profile ({shipped}).")
    return path.resolve()


@lru_cache(maxsize=8)
def load_profile(folder):
    """Read and check every file of a profile folder (cached: the files do not change
    while the app runs).

    :param folder: the folder, as a ``str`` or ``Path`` (see ``resolve_profile_path``).
    :raises ProfileError: a file is missing or malformed; the message names the file
        and the line.
    """
    folder = Path(folder)
    settings = _load_profile_json(folder)
    regions = _load_regions(folder)
    sectors, aliases = _load_sectors(folder)
    levels = _load_levels(folder)
    privacy = {lang: _load_privacy(folder, lang) for lang in PROFILE_LANGUAGES}
    versions = {notice.version for notice in privacy.values()}
    if len(versions) > 1:
        raise ProfileError(f"{folder / 'privacy.en.md'}:1: the version differs from "
                           "privacy.es.md's; both languages are one notice.")
    personal_data = folder / "personal_data.json"
    if personal_data.exists():
        _check_personal_data(folder)
    return Profile(name=folder.name, path=folder, regions=regions, sectors=sectors,
                   sector_aliases=aliases, levels=levels, privacy=privacy,
                   personal_data_file=personal_data if personal_data.exists() else None,
                   region_codes=frozenset(r["code"] for r in regions), **settings)


def profile_settings(value, timezone=None):
    """The settings a deployment profile decides, from ``CONSULTA_PROFILE``'s value.

    :param value: a shipped profile's name (``peru``, ``mexico``) or a folder; None for
        the default profile.
    :raises ConfigurationError: the profile is missing or malformed (the message names
        the file and the line), or ``timezone`` (the TIMEZONE setting) contradicts it.
    """
    try:
        profile = load_profile(resolve_profile_path(value))
    except ProfileError as exc:
        raise ConfigurationError(str(exc)) from exc
    timezone = (timezone or "").strip()
    if timezone and timezone != profile.timezone:
        # The label ("hora del centro de México") and the zone never disagree: one source.
        raise ConfigurationError(
            f"TIMEZONE is {timezone} but the profile's profile.json says {profile.timezone}; "
            "the time zone comes from the profile (unset TIMEZONE or fix profile.json).")
    settings = {
        "CONSULTA_PROFILE": str(profile.path),
        "PROFILE": profile,
        "BABEL_DEFAULT_TIMEZONE": profile.timezone,
        # Changing the notice's version asks every user to accept it again at log-in.
        "PRIVACY_NOTICE_VERSION": profile.privacy_version,
    }
    if profile.personal_data_file:
        settings["PERSONAL_DATA_FILE"] = str(profile.personal_data_file)
    return settings


def translated(labels, language):
    """The text of ``labels`` (``{language: text}``) in ``language``, else Spanish."""
    return labels.get(language) or labels.get("es") or next(iter(labels.values()), "")
