"""Fail if the Spanish catalog misses a string of the source or has untranslated/fuzzy ones.

Run from the repository root: python .ci/check_translations.py
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
             "-F", str(ROOT / "translations" / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
             "--no-location", "-o", str(pot), str(ROOT)],
            check=True, cwd=ROOT,
        )
        with open(pot, "rb") as fh:
            template = read_po(fh)
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh, locale="es")

    problems = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, message.context)
        if entry is None:
            problems.append(f"missing from es catalog: {message.id!r}")
    for entry in catalog:
        if not entry.id:
            continue
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        if entry.fuzzy:
            problems.append(f"fuzzy: {entry.id!r}")
        elif not all(s.strip() for s in strings):
            problems.append(f"untranslated: {entry.id!r}")
    if problems:
        print("\n".join(problems))
        print(f"\n{len(problems)} problem(s) in {CATALOG.relative_to(ROOT)}.\n"
              "Update it with: pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext "
              "--no-location --sort-output -o translations/messages.pot . && pybabel update "
              "-i translations/messages.pot -d translations --no-fuzzy-matching", file=sys.stderr)
        return 1
    print(f"Spanish catalog complete: {sum(1 for m in catalog if m.id)} messages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
