"""Early-warning rules (预警): what a case's text, parties, scale, amount and its neighbours say
about the risk of it turning criminal (民转刑), becoming a mass incident, or involving a large sum.

`evaluate` only reads; `services` turns its result into flags. Every neighbour query is bounded by
the office and a time window, on indexed keys (party identity, place).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from . import codes
from .codes import RiskKind, RiskLevel
from .matching import contains_any


@dataclass
class Finding:
    kind: str
    level: int
    reasons: list[dict] = field(default_factory=list)


def _criminal(dispute, parties) -> Finding | None:
    from .models import Dispute, Party

    text = f"{dispute.summary}\n{dispute.description}"
    reasons, score = [], 0
    threats = contains_any(text, codes.THREAT_WORDS)
    if threats:
        reasons.append({"code": "threat_words", "words": threats})
        score += 2
    injuries = contains_any(text, codes.INJURY_WORDS)
    if injuries:
        reasons.append({"code": "injury", "words": injuries})
        score += 1
    applicants = {p.identity_key for p in parties if p.side == codes.PartySide.APPLICANT}
    respondents = {p.identity_key for p in parties if p.side == codes.PartySide.RESPONDENT}
    if applicants and respondents:
        since = dispute.received_on - datetime.timedelta(days=codes.REPEAT_DAYS)
        # Bounded by the office's party index; a very common name cannot make this unbounded.
        pairs = (
            Party.objects.filter(office_id=dispute.office_id, identity_key__in=applicants | respondents)
            .exclude(dispute_id=dispute.pk)
            .values_list("dispute_id", "identity_key")[:5000]
        )
        keys_by_case: dict[int, set] = {}
        for case_id, key in pairs:
            keys_by_case.setdefault(case_id, set()).add(key)
        candidates = [c for c, keys in keys_by_case.items() if keys & applicants and keys & respondents]
        if candidates:
            repeats = Dispute.objects.filter(
                pk__in=candidates,
                office_id=dispute.office_id,
                received_on__gte=since,
                received_on__lte=dispute.received_on,
            ).count()
            if repeats:
                reasons.append({"code": "repeated", "count": repeats})
                score += 1
    if not reasons:
        return None
    level = RiskLevel.RED if score >= 3 else RiskLevel.ORANGE if score == 2 else RiskLevel.YELLOW
    return Finding(RiskKind.CRIMINAL, level, reasons)


def cluster_members(dispute, parties) -> tuple[list[int], list[int]]:
    """Open cases of the office within the cluster window that share this case's respondent, and
    those at the same place (this case included when it is open)."""
    from .models import Dispute, Party

    since = dispute.received_on - datetime.timedelta(days=codes.CLUSTER_DAYS)
    until = dispute.received_on + datetime.timedelta(days=codes.CLUSTER_DAYS)
    window = Dispute.objects.filter(
        office_id=dispute.office_id,
        status__in=codes.OPEN_STATUSES,
        received_on__gte=since,
        received_on__lte=until,
    )
    respondents = {p.identity_key for p in parties if p.side == codes.PartySide.RESPONDENT}
    same_respondent: list[int] = []
    if respondents:
        ids = Party.objects.filter(
            office_id=dispute.office_id, side=codes.PartySide.RESPONDENT, identity_key__in=respondents
        ).values("dispute_id")
        same_respondent = list(window.filter(pk__in=ids).values_list("pk", flat=True)[:100])
    same_place: list[int] = []
    if dispute.place_key:
        same_place = list(window.filter(place_key=dispute.place_key).values_list("pk", flat=True)[:100])
    return same_respondent, same_place


def _mass(dispute, parties) -> Finding | None:
    reasons, levels = [], []
    if dispute.scale == "03":
        reasons.append({"code": "scale_major"})
        levels.append(RiskLevel.RED)
    elif dispute.scale == "02":
        reasons.append({"code": "scale_group"})
        levels.append(RiskLevel.ORANGE)
    if dispute.people_count >= codes.MASS_PEOPLE_ORANGE:
        reasons.append({"code": "many_people", "count": dispute.people_count})
        levels.append(RiskLevel.ORANGE)
    if len(parties) >= codes.MASS_PARTIES_ORANGE:
        reasons.append({"code": "many_parties", "count": len(parties)})
        levels.append(RiskLevel.ORANGE)
    same_respondent, same_place = cluster_members(dispute, parties)
    for code, members in (("same_respondent", same_respondent), ("same_place", same_place)):
        count = len(set(members) | {dispute.pk}) if dispute.is_open else len(members)
        if count >= codes.CLUSTER_ORANGE:
            reasons.append({"code": code, "count": count, "days": codes.CLUSTER_DAYS})
            levels.append(RiskLevel.RED if count >= codes.CLUSTER_RED else RiskLevel.ORANGE)
    if not reasons:
        return None
    level = max(levels)
    if level == RiskLevel.ORANGE and levels.count(RiskLevel.ORANGE) >= 2:
        level = RiskLevel.RED  # two independent signs of a crowd
    return Finding(RiskKind.MASS, level, reasons)


def _amount(dispute) -> Finding | None:
    if dispute.amount is None:
        return None
    for threshold, level in codes.AMOUNT_THRESHOLDS:
        if dispute.amount >= threshold:
            return Finding(RiskKind.AMOUNT, level, [{"code": "amount", "amount": f"{dispute.amount:,.2f}"}])
    return None


def evaluate(dispute, parties=None) -> dict[str, Finding]:
    """The warnings the rules give for `dispute` now, by kind."""
    if parties is None:
        parties = list(dispute.parties.all())
    findings = [_criminal(dispute, parties), _mass(dispute, parties), _amount(dispute)]
    return {f.kind: f for f in findings if f is not None}
