"""Compile fengqiao/locale/*/LC_MESSAGES/*.po into .mo files with polib.

Django's compilemessages needs GNU gettext's msgfmt, which a fresh machine may lack; polib is a
pure-Python dependency installed with the platform, so `make install` works everywhere.
"""

import sys
from pathlib import Path

import polib

root = Path(__file__).resolve().parent.parent / "fengqiao" / "locale"
count = 0
for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        continue
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(mo_path))
    count += 1
print(f"compiled {count} message catalogue(s)", file=sys.stderr)
