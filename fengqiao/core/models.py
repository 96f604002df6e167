"""Shared plumbing models: the tenant-scoped base, the audit trail and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .permissions import Action, Module
from .scoping import ScopedManager, ScopedQuerySet, register_scoped, subtree_q


class TenantModel(models.Model):
    """Base of every operational row: it belongs to an org node and carries its office.

    `org` is where the record arose (a village, a town, a bureau); `office` is the tenant key (the
    judicial office, or the bureau for bureau-level records), set from `org` on save. Lists filter
    by office; Citus would distribute by it.
    """

    scope_module: str = ""

    org = models.ForeignKey("orgs.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation"))
    office = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("owning office or bureau"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # The tenant key always follows the org, so no code path can file a row under another office.
        if self.org_id:
            self.office_id = self.org.office_id
        super().save(*args, **kwargs)

    @classmethod
    def scope_q(cls, node):
        return tenant_scope_q(node)


def tenant_scope_q(node, org_field="org", office_field="office"):
    """Rows of a tenant table inside `node`'s subtree, using the cheapest index for the node kind."""
    from fengqiao.orgs.models import OrgKind

    if node.kind == OrgKind.TOWN:
        return models.Q(**{f"{office_field}_id": node.pk})
    if node.kind == OrgKind.VILLAGE:
        return models.Q(**{f"{org_field}_id": node.pk})
    # A bureau: the offices of its subtree as a list of ids, not a join on their paths. The planner
    # then knows how small a share of a big table the scope is, and can walk a (date, id) index for
    # the first page instead of sorting every row of the city or province. The root of the only
    # tree holds everything: no filter at all.
    ids = offices_under(node)
    if ids is None:
        return models.Q(**{f"{office_field}__isnull": False})
    return models.Q(**{f"{office_field}_id__in": ids})


def offices_under(node) -> list[int] | None:
    """Ids of the offices (every non-village node is its own office) in `node`'s subtree, or None
    when the node is the root of the only tree (every office). Read once per node object, which
    lives as long as the request that loaded it."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    if hasattr(node, "_fq_offices_under"):
        return node._fq_offices_under
    ids = None
    if node.parent_id is not None or OrgNode.objects.filter(parent__isnull=True).exclude(pk=node.pk).exists():
        ids = list(
            OrgNode.objects.filter(subtree_q(node.path)).exclude(kind=OrgKind.VILLAGE).values_list("pk", flat=True)
        )
    node._fq_offices_under = ids
    return ids


class AuditKind(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    ACTION = "action", _("Action")
    ACCESS = "access", _("Access to sensitive data")
    EXPORT = "export", _("Export")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")


class AuditQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted.")


@register_scoped
class AuditEvent(models.Model):
    """One entry of the append-only audit trail: who did what to which object, when, from where,
    and what changed. Written in the same transaction as the change it records."""

    scope_module = Module.AUDIT

    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16, choices=AuditKind.choices)
    action = models.CharField(_("action"), max_length=64)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_token = models.ForeignKey(
        "core.ApiToken",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API token"),
    )
    actor_repr = models.CharField(_("actor"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # No database constraint: the trail outlives what it describes (a deleted empty node, say).
    org = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    office = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owning office or bureau"),
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = models.Manager.from_queryset(AuditQuerySet)()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["office", "-at", "-id"], name="audit_office_at"),
            models.Index(fields=["actor_user", "-at", "-id"], name="audit_actor_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["-at", "-id"], name="audit_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")

    @classmethod
    def scope_q(cls, node):
        return tenant_scope_q(node)


TOKEN_PREFIX = "fq_"  # noqa: S105 - a public marker, not a secret


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random values, so a plain SHA-256 suffices; a slow hash would only make
    # every API call slower without adding safety.
    return hashlib.sha256(raw.encode()).hexdigest()


@register_scoped
class ApiToken(TenantModel):
    """A credential for a partner system or device gateway: bound to an org subtree (its `org`) and a
    set of `module.action` grants, stored only as a hash, revocable."""

    scope_module = Module.API_TOKENS

    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=16, db_index=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    grants = models.JSONField(_("grants"), default=list, help_text=_("Actions as module.action"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def generate_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    # --- The principal interface shared with users (see accounts.models.User) ---
    is_authenticated = True

    @property
    def is_active(self):
        return self.is_usable

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return not (self.expires_at is not None and self.expires_at <= timezone.now())

    @property
    def status(self):
        if self.revoked_at:
            return _("Revoked")
        if self.expires_at and self.expires_at <= timezone.now():
            return _("Expired")
        return _("Active")

    def has_action(self, module: str, action: str) -> bool:
        return f"{module}.{action}" in self.grants

    def scope_nodes(self):
        return [self.org]

    def scope_nodes_for(self, module: str, action: str):
        return [self.org] if self.has_action(module, action) else []

    @property
    def role_codes(self):
        return frozenset()

    @property
    def audit_repr(self) -> str:
        return f"API:{self.name}"


GRANTABLE_TOKEN_ACTIONS = [
    f"{module}.{action}"
    for module in Module.values
    if module not in (Module.API_TOKENS, Module.AUDIT)
    for action in Action.values
]
