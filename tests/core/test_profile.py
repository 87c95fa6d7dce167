"""The deployment profile: a country's settings as data, refused loudly when malformed."""

import re
import shutil
from pathlib import Path

import pytest

from consulta import create_app
from consulta.config import ConfigurationError
from consulta.core.profile import PROFILES_DIR, load_profile, profile_settings

ROOT = Path(__file__).resolve().parents[2]
#: Words that give Peru away; none may appear outside the Peru profile and the demo.
PERU_WORDS = re.compile(r"\bLima\b|Perú|\bPeru|29733|\.pe\b")


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
