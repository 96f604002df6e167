"""The construction standard as data: a standard (a version of it), its categories, its items, and
for the items judged automatically the indicators and thresholds they are judged by.

A standard belongs to the bureau that added it (or to nobody: the ones shipped with the platform)
and is read by every unit below that bureau. The 2019 Jiangyin standard is loaded by a migration
from `data/jiangyin-2019.json`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.permissions import Module
from fengqiao.core.scoping import ScopedManager, register_scoped, subtree_q

from . import codes


@register_scoped
class Standard(models.Model):
    """One version of a construction standard (建设标准), such as the 17-item “枫桥式”司法所建设标准
    of 2019. Items and thresholds are never edited in place once assessments use them: a change is
    a new version."""

    scope_module = Module.STANDARDS

    code = models.SlugField(_("code"), max_length=60)
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    owner = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owning bureau"),
        help_text=_("Empty for a standard shipped with the platform."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("construction standard")
        verbose_name_plural = _("construction standards")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="standard_code_version_unique")]

    def __str__(self):
        return f"{self.name} ({self.version})"

    @classmethod
    def scope_q(cls, node):
        # Read by the bureau that owns it, every unit below it, and the bureaus above it; the
        # platform's own standards by everyone.
        return Q(owner__isnull=True) | Q(owner__path__in=node.ancestor_paths()) | subtree_q(node.path, "owner__path")


class StandardCategory(models.Model):
    """A category of a standard's items (党建引领, 法治统揽, ...)."""

    standard = models.ForeignKey(
        Standard, on_delete=models.CASCADE, related_name="categories", verbose_name=_("standard")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("standard category")
        verbose_name_plural = _("standard categories")
        ordering = ["standard", "number"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="standard_category_number_unique")]

    def __str__(self):
        return self.name


class StandardItem(models.Model):
    """One item of a standard, with its wording and how it is evaluated."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="items", verbose_name=_("standard"))
    category = models.ForeignKey(
        StandardCategory, on_delete=models.PROTECT, related_name="items", verbose_name=_("category")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("wording"))
    method = models.CharField(_("evaluation method"), max_length=12, choices=codes.Method.choices)
    guidance = models.TextField(
        _("evidence to provide"), blank=True, help_text=_("What an office shows for the assessor's judgement.")
    )

    class Meta:
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        ordering = ["standard", "number"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="standard_item_number_unique")]

    def __str__(self):
        return f"{self.number}. {self.text[:40]}"


class ItemCriterion(models.Model):
    """An indicator an automatic item is judged by, with the threshold the standard sets."""

    item = models.ForeignKey(StandardItem, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("item"))
    indicator = models.CharField(_("indicator"), max_length=60)
    direction = models.CharField(_("direction"), max_length=2, choices=codes.Direction.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=12, decimal_places=3)

    class Meta:
        verbose_name = _("item criterion")
        verbose_name_plural = _("item criteria")
        ordering = ["item", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "indicator"], name="item_criterion_unique")]

    def __str__(self):
        return f"{self.indicator} {self.get_direction_display()} {self.threshold}"
