"""The bureau's corrections policy (one row), and the supervision levels of 分类管理."""

from .models import Policy, SupervisionLevel


def current() -> Policy:
    """The policy in force; created with the standard's defaults on first use."""
    found = Policy.objects.order_by("pk").first()
    return found if found is not None else Policy.objects.create()


def corrections_ratio() -> int:
    return current().corrections_ratio


def resettlement_ratio() -> int:
    """Persons one resettlement social worker may carry (1:50 in the standard), as configured."""
    return current().resettlement_ratio


def levels() -> list[SupervisionLevel]:
    return list(SupervisionLevel.objects.filter(active=True).order_by("rank"))


def default_level() -> SupervisionLevel:
    """A new subject starts at the middle level (普管) unless told otherwise."""
    found = levels()
    return found[len(found) // 2] if found else SupervisionLevel.objects.order_by("rank").first()


def strictest() -> SupervisionLevel:
    return SupervisionLevel.objects.filter(active=True).order_by("rank").first()
