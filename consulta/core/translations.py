"""Compile the .po catalogs in translations/ into .mo files under instance/.

The compiled files are not kept in git: they are rebuilt whenever a catalog is
newer than its compiled file, so the interface is never out of date with the
catalog and the source tree stays read-only in production.
"""

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_DIR = Path(__file__).resolve().parent.parent.parent / "translations"


def compiled_translations_dir(app):
    target = Path(app.instance_path) / "translations"
    for po_path in SOURCE_DIR.glob("*/LC_MESSAGES/messages.po"):
        relative = po_path.relative_to(SOURCE_DIR).with_suffix(".mo")
        mo_path = target / relative
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with open(po_path, "rb") as fh:
            catalog = read_po(fh, locale=po_path.parts[-3])
        # Write to a temporary file and rename, so concurrent workers never read half a file.
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo_path)
    return target
