"""Every catalogue entry translated, none fuzzy, placeholders kept. Exit 1 and list what is not."""

import re
import sys
from pathlib import Path

import polib

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
root = Path(__file__).resolve().parent.parent / "fengqiao" / "locale"
problems = []
for po_path in sorted(root.glob("*/LC_MESSAGES/django.po")):
    po = polib.pofile(str(po_path))
    for entry in po:
        if entry.obsolete:
            continue
        where = f"{po_path.relative_to(root)}: {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy")
        if not entry.translated():
            problems.append(f"{where}: untranslated")
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        got = sorted(PLACEHOLDER.findall(entry.msgstr or next(iter(entry.msgstr_plural.values()), "")))
        if wanted != got:
            problems.append(f"{where}: placeholders {wanted} became {got}")
for p in problems:
    print(p)
if problems:
    print(f"{len(problems)} catalogue problem(s)", file=sys.stderr)
    sys.exit(1)
print("catalogues complete", file=sys.stderr)
