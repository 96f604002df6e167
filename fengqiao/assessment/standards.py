"""Reading a standard file: a bureau adds a standard (or a new version of one) without code.

The file is JSON:

    {"code": "jiangyin-fengqiao", "version": "2019", "name": "...", "issued_by": "...",
     "issued_on": "2019-10-10",
     "categories": [{"number": 1, "name": "党建引领"}, ...],
     "items": [{"number": 8, "category": 3, "text": "...", "method": "automatic",
                "guidance": "...",
                "criteria": [{"indicator": "mediation.success_rate", "threshold": 98}, ...]}, ...]}

`parse` checks all of it and returns the cleaned data, or raises DomainError listing every fault
(an item number used twice, an automatic item without criteria, a criterion without a threshold,
an indicator nobody registered ...), so that a bad file changes nothing.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from fengqiao.core.errors import DomainError

from . import codes, indicators

MAX_FAULTS = 20


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def parse(raw: bytes | str | dict) -> dict:
    """The cleaned standard, or DomainError naming each fault in the file."""
    if isinstance(raw, bytes | str):
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise DomainError(_("The standard file is not valid JSON."), code="malformed") from None
    else:
        data = raw
    if not isinstance(data, dict):
        raise DomainError(_("The standard file must hold one JSON object."), code="malformed")
    faults: list[str] = []
    out: dict = {}
    for key, limit in (("code", 60), ("version", 20), ("name", 200)):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            faults.append(_("“%(key)s” is missing or longer than %(n)d characters.") % {"key": key, "n": limit})
        else:
            out[key] = value.strip()
    if "code" in out and not all((ch.isalnum() and ch.isascii()) or ch in "-_" for ch in out["code"]):
        faults.append(_("The code may hold only Latin letters, digits, “-” and “_”."))
    out["issued_by"] = str(data.get("issued_by") or "")[:100]
    out["issued_on"] = None
    if data.get("issued_on"):
        try:
            out["issued_on"] = datetime.date.fromisoformat(str(data["issued_on"]))
        except ValueError:
            faults.append(_("“issued_on” is not a date (YYYY-MM-DD)."))

    categories: dict[int, str] = {}
    for cat in data.get("categories") or []:
        number = _int(cat.get("number")) if isinstance(cat, dict) else None
        name = cat.get("name") if isinstance(cat, dict) else None
        if number is None or not isinstance(name, str) or not name.strip():
            faults.append(_("Each category needs a positive number and a name."))
            continue
        if number in categories:
            faults.append(_("Category number %(n)d is used twice.") % {"n": number})
            continue
        categories[number] = name.strip()[:100]
    if not categories:
        faults.append(_("The standard has no categories."))

    items: dict[int, dict] = {}
    raw_items = data.get("items") or []
    if not raw_items:
        faults.append(_("The standard has no items."))
    for entry in raw_items:
        if not isinstance(entry, dict):
            faults.append(_("Each item must be an object."))
            continue
        number = _int(entry.get("number"))
        if number is None:
            faults.append(_("An item has no positive number."))
            continue
        where = {"n": number}
        if number in items:
            faults.append(_("Item number %(n)d is used twice.") % where)
            continue
        item = {"number": number, "guidance": str(entry.get("guidance") or "")}
        if _int(entry.get("category")) not in categories:
            faults.append(_("Item %(n)d names a category that is not in the file.") % where)
        item["category"] = entry.get("category")
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            faults.append(_("Item %(n)d has no wording.") % where)
        item["text"] = (text or "").strip() if isinstance(text, str) else ""
        method = entry.get("method")
        if method not in codes.Method.values:
            faults.append(_("Item %(n)d: the method must be automatic, evidence or both.") % where)
        item["method"] = method
        criteria = []
        seen = set()
        before = len(faults)
        for crit in entry.get("criteria") or []:
            code = crit.get("indicator") if isinstance(crit, dict) else None
            if not isinstance(code, str) or indicators.get(code) is None:
                faults.append(_("Item %(n)d names an unknown indicator “%(code)s”.") % {**where, "code": code})
                continue
            if code in seen:
                faults.append(_("Item %(n)d names indicator “%(code)s” twice.") % {**where, "code": code})
                continue
            seen.add(code)
            threshold = crit.get("threshold")
            try:
                if threshold is None or isinstance(threshold, bool):
                    raise InvalidOperation
                threshold = Decimal(str(threshold))
                if not threshold.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                faults.append(_("Item %(n)d: indicator “%(code)s” has no threshold.") % {**where, "code": code})
                continue
            direction = crit.get("direction") or indicators.get(code).direction
            if direction not in codes.Direction.values:
                faults.append(_("Item %(n)d: the direction must be ge or le.") % where)
                continue
            criteria.append({"indicator": code, "threshold": threshold, "direction": direction})
        # An item whose criteria were all refused above is not reported a second time.
        if method in (codes.Method.AUTOMATIC, codes.Method.BOTH) and not criteria and len(faults) == before:
            faults.append(_("Item %(n)d is evaluated automatically but names no indicator.") % where)
        if method == codes.Method.EVIDENCE and criteria:
            faults.append(_("Item %(n)d is judged on evidence alone but names indicators.") % where)
        item["criteria"] = criteria
        items[number] = item
    if faults:
        shown = faults[:MAX_FAULTS]
        if len(faults) > MAX_FAULTS:
            shown.append(_("… and %(n)d more.") % {"n": len(faults) - MAX_FAULTS})
        raise DomainError(shown, code="invalid_standard")
    out["categories"] = categories
    out["items"] = [items[n] for n in sorted(items)]
    return out
