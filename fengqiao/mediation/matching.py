"""Normalised keys for finding the same person, organisation or place across cases, whatever the
spelling: full-width or half-width characters, spaces, punctuation, traditional company suffixes."""

from __future__ import annotations

import re
import unicodedata

_NOISE = re.compile(r"[\W_]+", re.UNICODE)
# Suffixes that say nothing about who an organisation is ("某某有限公司" and "某某公司" are one).
_ORG_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "公司", "集团", "厂", "店")
# Address tails that vary in writing but not in place.
_PLACE_TAILS = ("附近", "一带", "周边", "门口")


def normalise(text: str) -> str:
    """NFKC, case-folded, without spaces or punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def name_key(name: str) -> str:
    key = normalise(name)
    for suffix in _ORG_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def place_key(place: str) -> str:
    key = normalise(place)
    for tail in _PLACE_TAILS:
        if key.endswith(tail) and len(key) > len(tail) + 1:
            key = key[: -len(tail)]
    return key[:200]


def identity_key(name: str, id_number: str = "", org_code: str = "") -> str:
    """The ID number or organisation code when known (they identify); else the normalised name."""
    if id_number:
        return f"id:{id_number.upper()}"
    if org_code:
        return f"org:{org_code.upper()}"
    return f"name:{name_key(name)}"[:100]


def contains_any(text: str, words) -> list[str]:
    """The words of `words` that occur in `text`, matched on normalised text."""
    flat = normalise(text)
    return [w for w in words if normalise(w) in flat]
