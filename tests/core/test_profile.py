"""The deployment profile: a country's settings as data, refused loudly when malformed."""

import re
import shutil
from pathlib import Path

import pytest

from consulta import create_app
from consulta.config import ConfigurationError
from consulta.core.profile import PROFILES_DIR, load_profile, profile_settings

ROOT = Path(__file__).resolve().parents[2]
#: Words that give Peru away (its capital and country, its data-protection law and
#: authorities, its currency, identity number and registries, the ministry that runs its
#: action plans); none may appear outside the Peru profile and the demo.
PERU_WORDS = re.compile(r"\bLima\b|Perú|\bPeru|29733|\.pe\b|Defensoría|\bANTAI\b|\bPCM\b"
                        r"|\bsoles\b|\bS/ ?\d|\bDNI\b|RENIEC|SUNAT|\bRUC\b|Gobierno Digital")


@pytest.fixture
def broken(tmp_path):
    """A copy of the Peru profile to break one file at a time."""
    folder = tmp_path / "pais"
    shutil.copytree(PROFILES_DIR / "peru", folder)
    load_profile.cache_clear()
    yield folder
    load_profile.cache_clear()


def refusal(folder, **environ):
    with pytest.raises(ConfigurationError) as caught:
        create_app(environ={"CONSULTA_ENV": "testing", "CONSULTA_PROFILE": str(folder),
                            **environ})
    return str(caught.value)


@pytest.mark.parametrize("name", ["peru", "mexico"])
def test_the_shipped_profiles_are_complete(name):
    profile = load_profile(PROFILES_DIR / name)
    assert profile.regions and profile.sectors and profile.levels
    assert {"civil_society", "other"} <= set(profile.sectors)
    assert {"national", "regional", "local", "autonomous", "legislature", "judiciary",
            "other"} <= set(profile.levels)
    assert profile.privacy["es"].version == profile.privacy["en"].version


def test_peru_is_the_default_and_keeps_its_settings():
    settings = profile_settings("")
    assert settings["PROFILE"].name == "peru"
    assert settings["BABEL_DEFAULT_TIMEZONE"] == "America/Lima"
    assert settings["PRIVACY_NOTICE_VERSION"] == "2026-11"


def test_a_malformed_json_file_is_refused_naming_the_file_and_the_line(broken):
    path = broken / "regions.json"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].rstrip(",")  # a missing comma on line 5
    path.write_text("\n".join(lines), encoding="utf-8")
    message = refusal(broken)
    assert f"{path}:6:" in message and "JSON" in message


def test_a_missing_file_is_refused_naming_it(broken):
    (broken / "levels.json").unlink()
    assert f"{broken / 'levels.json'}: file missing" in refusal(broken)


def test_a_duplicate_code_is_refused_at_its_second_line(broken):
    path = broken / "sectors.json"
    text = path.read_text(encoding="utf-8").replace('"code": "academia"', '"code": "citizen"')
    path.write_text(text, encoding="utf-8")
    second = text.splitlines().index(next(
        line for line in text.splitlines()[4:] if '"code": "citizen"' in line)) + 1
    message = refusal(broken)
    assert f"{path}:{second}:" in message and '"citizen" appears twice' in message


def test_a_label_without_english_is_refused(broken):
    path = broken / "levels.json"
    path.write_text(path.read_text(encoding="utf-8").replace(
        ', "en": "Judiciary"', ""), encoding="utf-8")
    message = refusal(broken)
    assert f"{path}:" in message and "judiciary" in message and "es, en" in message


def test_a_privacy_notice_without_its_version_is_refused_at_the_line(broken):
    path = broken / "privacy.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("version: 2026-11",
                                                              "versoin: 2026-11"),
                    encoding="utf-8")
    assert f"{path}:2: expected one of version, law, authority" in refusal(broken)


def test_privacy_versions_must_agree_between_languages(broken):
    path = broken / "privacy.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("2026-11", "2027-01"),
                    encoding="utf-8")
    assert "version differs" in refusal(broken)


def test_an_unknown_time_zone_or_locale_is_refused(broken):
    path = broken / "profile.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("America/Lima", "America/Atlantis"), encoding="utf-8")
    assert f"{path}:" in refusal(broken) and "America/Atlantis" in refusal(broken)
    load_profile.cache_clear()
    path.write_text(text.replace('"locale": "es"', '"locale": "xx_YY"'), encoding="utf-8")
    assert "unknown locale" in refusal(broken)


def test_a_profile_that_is_not_a_folder_is_refused():
    assert "neither a folder nor a shipped profile (mexico, peru)" in refusal("atlantis")


def test_a_timezone_setting_that_contradicts_the_profile_is_refused():
    message = refusal("mexico", TIMEZONE="America/Lima")
    assert "America/Mexico_City" in message


def test_nothing_peru_specific_outside_the_peru_profile_and_the_demo():
    found = []
    for folder in ("consulta", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if not path.is_file() or path.suffix not in (".py", ".html", ".txt", ".json",
                                                          ".md", ".js", ".css"):
                continue
            if relative.startswith(("consulta/data/profiles/peru/", "consulta/demo/",
                                    "consulta/data/demo/")):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if PERU_WORDS.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def _line(path, needle):
    """The 1-based line of ``path`` where ``needle`` first appears."""
    return next(number for number, line in
                enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("name", ["regions.json", "sectors.json", "profile.json",
                                  "privacy.es.md", "privacy.en.md"])
def test_every_required_file_missing_is_refused_naming_it(broken, name):
    (broken / name).unlink()
    assert f"{broken / name}: file missing" in refusal(broken)


def test_profile_json_without_its_region_label_is_refused_naming_it(broken):
    path = broken / "profile.json"
    _edit(path, '"region_label"', '"region_labels"')
    # A key that is missing has no line of its own: the object's first line stands for it.
    assert f'{path}:1: "region_label" needs a text for each language' in refusal(broken)


def test_profile_json_with_a_label_without_english_is_refused_at_its_line(broken):
    path = broken / "profile.json"
    _edit(path, '"region_label": {"es": "Región", "en": "Region"}',
          '"region_label": {"es": "Región"}')
    line = _line(path, '"region_label"')
    assert f'{path}:{line}: "region_label" needs a text' in refusal(broken)


def test_profile_json_that_is_not_an_object_is_refused(broken):
    (broken / "profile.json").write_text('["PE"]\n', encoding="utf-8")
    assert f"{broken / 'profile.json'}:1: must be a JSON object." in refusal(broken)


def test_several_time_zones_must_be_true_or_false(broken):
    path = broken / "profile.json"
    _edit(path, '"several_time_zones": false', '"several_time_zones": "no"')
    line = _line(path, '"several_time_zones"')
    assert f'{path}:{line}: "several_time_zones" is true or false.' in refusal(broken)


def test_a_region_without_a_name_is_refused_at_its_line(broken):
    path = broken / "regions.json"
    line = _line(path, '"cusco"')
    text = path.read_text(encoding="utf-8")
    start = text.index('"cusco"')
    end = text.index("}", start)
    path.write_text(text[:start] + '"cusco"' + text[end:], encoding="utf-8")
    message = refusal(broken)
    assert f"{path}:{line}:" in message and '"cusco" needs a "name"' in message


def test_a_code_that_is_not_one_is_refused_at_its_line(broken):
    path = broken / "levels.json"
    _edit(path, '"code": "judiciary"', '"code": "Poder Judicial"')
    line = _line(path, '"Poder Judicial"')
    message = refusal(broken)
    assert f"{path}:{line}:" in message and "lower-case letters" in message


def test_a_required_sector_missing_is_refused(broken):
    path = broken / "sectors.json"
    _edit(path, '"code": "civil_society"', '"code": "sociedad_civil"')
    message = refusal(broken)
    assert f"{path}:" in message and "missing: civil_society" in message


def test_a_privacy_notice_without_a_closed_front_matter_is_refused(broken):
    path = broken / "privacy.es.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    closing = lines.index("---", 1)
    del lines[closing]
    path.write_text("\n".join(lines), encoding="utf-8")
    # The notice's first line is then read as front matter: refused where it stands.
    assert (f"{path}:{closing + 1}: expected one of version, law, authority"
            in refusal(broken))
    path.write_text("\n".join(lines[:closing]), encoding="utf-8")
    assert f"{path}:{closing}: the front-matter block is not closed" in refusal(broken)


def test_a_privacy_notice_without_front_matter_is_refused_at_line_1(broken):
    path = broken / "privacy.es.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.split("---", 2)[2], encoding="utf-8")
    assert f"{path}:1: must start with a front-matter block" in refusal(broken)


def test_a_personal_data_pattern_that_does_not_compile_is_refused_at_its_line(broken):
    path = broken / "personal_data.json"
    text = path.read_text(encoding="utf-8")
    start = text.index('"code": "dni"')
    regex_at = text.index('"regex"', start)
    value_start = text.index('"', text.index(":", regex_at)) + 1
    path.write_text(text[:value_start] + "(\\\\d{8}" + text[value_start:], encoding="utf-8")
    line = text.count("\n", 0, regex_at) + 1
    message = refusal(broken)
    assert f"{path}:{line}:" in message and '"dni" is not a valid regular expression' in message


def test_a_personal_data_file_without_patterns_is_refused(broken):
    path = broken / "personal_data.json"
    path.write_text('{"patrones": []}\n', encoding="utf-8")
    assert f'{path}:1: needs a non-empty list "patterns".' in refusal(broken)
