"""People of the platform and the roles they hold."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import tenant_scope_q
from fengqiao.core.permissions import ROLE_PERMISSIONS, Module, Role, actions_for_roles
from fengqiao.core.scoping import ScopedQuerySet, register_scoped
from fengqiao.core.validators import mask_id_number, mask_phone, validate_id_number, validate_phone


class UserQuerySet(ScopedQuerySet):
    pass


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


@register_scoped
class User(AbstractUser):
    """A member of staff (bureau, office or village) or a village legal advisor. Belongs to one org
    node, holds one or more roles; a legal advisor may also serve several villages."""

    scope_module = Module.ACCOUNTS

    full_name = models.CharField(_("full name"), max_length=50)
    org = models.ForeignKey(
        "orgs.OrgNode", on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation")
    )
    office = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("owning office or bureau"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])
    title = models.CharField(_("post"), max_length=50, blank=True)
    served_villages = models.ManyToManyField(
        "orgs.OrgNode",
        blank=True,
        related_name="advisors",
        verbose_name=_("villages served"),
        help_text=_("For village legal advisors: the villages and communities they serve."),
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]
    # Masked in the audit trail and in lists; shown in full only with view_sensitive, audited.
    sensitive_fields = {"id_number": mask_id_number, "phone": mask_phone}

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        indexes = [models.Index(fields=["office", "username"], name="user_office_username")]
        constraints = [
            # Names differing only in case would be two accounts a person cannot tell apart.
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.username

    @classmethod
    def scope_q(cls, node):
        return tenant_scope_q(node)

    def save(self, *args, **kwargs):
        if self.org_id:
            self.office_id = self.org.office_id
        super().save(*args, **kwargs)

    # --- principal interface (shared with core.models.ApiToken) ---
    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("role", flat=True))

    @cached_property
    def permissions(self) -> dict[str, frozenset[str]]:
        return actions_for_roles(self.role_codes) if self.is_active else {}

    def has_action(self, module: str, action: str) -> bool:
        return action in self.permissions.get(module, ())

    def can(self, module: str, action: str = "view") -> bool:
        return self.has_action(module, action)

    @cached_property
    def _served_villages(self):
        if Role.LEGAL_ADVISOR not in self.role_codes:
            return []
        return [v for v in self.served_villages.all() if v.pk != self.org_id]

    def scope_nodes(self):
        """Every node this user works in (their unit, and the villages they serve as an advisor)."""
        return [self.org, *self._served_villages]

    def scope_nodes_for(self, module: str, action: str):
        """The nodes where `action` on `module` is allowed. Served villages carry only the legal
        advisor's rights: an advisor who is also office staff gets no staff rights there."""
        if not self.has_action(module, action):
            return []
        nodes = [self.org]
        if self._served_villages and action in ROLE_PERMISSIONS[Role.LEGAL_ADVISOR].get(module, ()):
            nodes += self._served_villages
        return nodes

    def refresh_principal(self):
        for attr in ("role_codes", "permissions", "_served_villages"):
            self.__dict__.pop(attr, None)

    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels[r]) for r in Role.values if r in self.role_codes]


class UserRole(models.Model):
    """A role held by a user. The role's rights are in `core.permissions.ROLE_PERMISSIONS`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("granted by")
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="userrole_unique")]
        indexes = [models.Index(fields=["role", "user"], name="userrole_role_user")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"
