"""The organisation tree: province/city justice bureaus, towns and streets with their judicial
office, and villages and communities.

The tree is stored as a materialized path (fixed-width base-36 segments of each ancestor's id)
so that "this node and everything under it" is one indexed range filter on SQLite and
PostgreSQL. The town node *is* the judicial office: it is the tenant key (`office`) that every
operational row carries.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.scoping import ScopedQuerySet, register_scoped, subtree_q

SEGMENT_WIDTH = 6  # 36**6 ≈ 2.2 billion node ids
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_segment(pk: int) -> str:
    out = ""
    n = pk
    while n:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
    return out.rjust(SEGMENT_WIDTH, "0")


class OrgKind(models.TextChoices):
    PROVINCE = "province", _("Provincial justice department")
    CITY = "city", _("City justice bureau")
    TOWN = "town", _("Town / street (judicial office)")
    VILLAGE = "village", _("Village / community")


# Which kinds a node of each kind may hold. A county-level city may sit under a prefecture city.
ALLOWED_CHILDREN = {
    OrgKind.PROVINCE: {OrgKind.CITY},
    OrgKind.CITY: {OrgKind.CITY, OrgKind.TOWN},
    OrgKind.TOWN: {OrgKind.VILLAGE},
    OrgKind.VILLAGE: set(),
}
BUREAU_KINDS = {OrgKind.PROVINCE, OrgKind.CITY}


class OrgNodeQuerySet(ScopedQuerySet):
    def subtree(self, node):
        return self.filter(subtree_q(node.path))

    def offices(self):
        return self.filter(kind=OrgKind.TOWN)

    def active(self):
        return self.filter(is_active=True)


@register_scoped
class OrgNode(models.Model):
    """A node of the organisation tree: a bureau, a town or street with its judicial office, or a
    village or community."""

    scope_module = "orgs"

    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(
        _("short name"),
        max_length=20,
        blank=True,
        help_text=_("Used in case numbers and narrow tables, e.g. 澄江."),
    )
    office_name = models.CharField(
        _("office or bureau name"),
        max_length=100,
        blank=True,
        help_text=_("For a town: its judicial office, e.g. 澄江司法所. For a bureau: its full name."),
    )
    division_code = models.CharField(
        _("statistical division code"),
        max_length=12,
        blank=True,
        # [0-9], not \d: \d also accepts the full-width digits Chinese input methods produce.
        validators=[RegexValidator(r"^[0-9]{12}$", _("The division code has exactly 12 digits."))],
        help_text=_("Optional 12-digit code of the National Bureau of Statistics."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # The office this node belongs to: itself for a town or a bureau, the parent town for a village.
    office = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("owning office or bureau"),
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False, null=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = models.Manager.from_queryset(OrgNodeQuerySet)()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "name"], name="orgnode_parent_name"),
            models.Index(fields=["kind", "path"], name="orgnode_kind_path"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="orgnode_unique_name_per_parent"),
            models.UniqueConstraint(
                fields=["division_code"],
                condition=~models.Q(division_code=""),
                name="orgnode_unique_division_code",
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, node):
        return subtree_q(node.path)

    @property
    def is_office(self) -> bool:
        return self.kind == OrgKind.TOWN

    @property
    def is_bureau(self) -> bool:
        return self.kind in BUREAU_KINDS

    @property
    def display_name(self) -> str:
        """What staff call the unit: the office for a town, the bureau for a city."""
        return self.office_name or self.name

    def compute_office_id(self):
        if self.kind == OrgKind.VILLAGE:
            return self.parent.office_id if self.parent_id else None
        return self.pk

    def ancestor_paths(self) -> list[str]:
        return [self.path[: i + SEGMENT_WIDTH] for i in range(0, len(self.path), SEGMENT_WIDTH)]

    def ancestors(self, include_self=False):
        paths = self.ancestor_paths()
        if not include_self:
            paths = paths[:-1]
        return OrgNode.objects.filter(path__in=paths).order_by("depth")

    def is_descendant_of(self, other) -> bool:
        return self.path.startswith(other.path)
