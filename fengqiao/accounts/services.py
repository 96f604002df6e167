"""Writes to users and their roles. Each function is one transaction with its audit event."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fengqiao.core import audit
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import BUREAU_ROLES, Action, Module, Role, grantable_roles
from fengqiao.core.scoping import in_scope
from fengqiao.core.validators import normalize_id_number, normalize_phone
from fengqiao.orgs.models import OrgKind, OrgNode

from .models import User, UserRole

PROFILE_FIELDS = ["full_name", "email", "phone", "id_number", "title"]


def _require(actor, org: OrgNode, action: str):
    # actor None is the platform itself (command-line tools such as createadmin and seeding).
    if actor is not None and not in_scope(actor, org, action, Module.ACCOUNTS):
        raise Forbidden(_("You may not manage users outside your own unit."))


def _require_manage(actor, user: User, action: str):
    """Managing a person needs the whole of their reach inside the actor's: their unit and every
    village they serve. Otherwise a director could reset the password of an advisor who serves
    another office's villages and act there as them."""
    _require(actor, user.org, action)
    if actor is None:
        return
    for village in user.served_villages.all():
        if not in_scope(actor, village, action, Module.ACCOUNTS):
            raise Forbidden(
                _("This person also serves villages outside your unit; the city bureau manages their account.")
            )


def _clean_roles(actor, org: OrgNode, roles, held=()) -> list[str]:
    roles = list(dict.fromkeys(roles or []))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise DomainError(_("Unknown role: %(role)s") % {"role": unknown[0]}, field="roles")
    if not roles:
        raise DomainError(_("Choose at least one role."), field="roles")
    allowed = set(grantable_roles(actor)) if actor is not None else set(Role.values)
    # A role the user already holds may be kept by an actor who could not grant it.
    refused = [r for r in roles if r not in allowed and r not in held]
    if refused:
        raise Forbidden(_("You may not grant the role “%(role)s”.") % {"role": Role(refused[0]).label}, code="role")
    bureau = org.kind in (OrgKind.CITY, OrgKind.PROVINCE)
    for r in roles:
        if (r in BUREAU_ROLES) != bureau:
            raise DomainError(
                _("The role “%(role)s” does not fit a user of %(org)s.") % {"role": Role(r).label, "org": org.name},
                field="roles",
            )
    return roles


def _clean_profile(user: User):
    user.id_number = normalize_id_number(user.id_number)
    user.phone = normalize_phone(user.phone)
    user.full_name = (user.full_name or "").strip()
    if not user.full_name:
        raise DomainError(_("Enter the person's full name."), field="full_name")
    try:
        user.full_clean(exclude=["password", "org", "office", "served_villages", "username"], validate_unique=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from None


def _clean_villages(actor, villages) -> list[OrgNode]:
    villages = list(villages or [])
    for v in villages:
        if v.kind != OrgKind.VILLAGE:
            raise DomainError(
                _("Only villages and communities can be served by a legal advisor."), field="served_villages"
            )
        _require(actor, v, Action.CHANGE)
    return villages


def _set_roles(actor, user: User, roles: list[str]):
    current = set(user.roles.values_list("role", flat=True))
    UserRole.objects.filter(user=user).exclude(role__in=roles).delete()
    UserRole.objects.bulk_create(
        [
            UserRole(user=user, role=r, granted_by=actor if isinstance(actor, User) else None)
            for r in roles
            if r not in current
        ]
    )
    user.refresh_principal()
    return sorted(current), sorted(roles)


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    org: OrgNode,
    roles,
    password: str,
    full_name: str,
    served_villages=None,
    must_change_password: bool = True,
    **profile,
) -> User:
    """Create a user in `org` holding `roles`; the password must meet the strength rules."""
    _require(actor, org, Action.CREATE)
    if not org.is_active:
        raise DomainError(_("The unit is deactivated."), field="org")
    roles = _clean_roles(actor, org, roles)
    username = (username or "").strip()
    if not username:
        raise DomainError(_("Enter a user name."), field="username")
    try:
        ASCIIUsernameValidator()(username)
    except ValidationError:
        raise DomainError(
            _("A user name may contain only letters, digits and @ . + - _ (for example zhang.san)."),
            field="username",
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("This user name is taken."), field="username")
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    user = User(username=username, org=org, full_name=full_name, must_change_password=must_change_password, **profile)
    _clean_profile(user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages, field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Another request took the name between our check and the insert.
        raise Conflict(_("This user name is taken."), field="username") from None
    villages = _clean_villages(actor, served_villages) if Role.LEGAL_ADVISOR in roles else []
    user.served_villages.set(villages)
    _set_roles(actor, user, roles)
    changes = audit.diff({}, audit.snapshot(user, ["username", "full_name", "org", "email", "title"]))
    changes["roles"] = [[], roles]
    if villages:
        changes["served_villages"] = [[], [v.pk for v in villages]]
    audit.record(actor=actor, action="user.create", kind=AuditKind.CREATE, obj=user, changes=changes)
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user: User,
    roles=None,
    org: OrgNode | None = None,
    served_villages=None,
    expected_version: str | None = None,
    **profile,
) -> User:
    """Change a user's profile, org, roles or served villages (refused if the form is stale)."""
    user = User.objects.select_for_update(of=("self",)).select_related("org").get(pk=user.pk)
    _require_manage(actor, user, Action.CHANGE)
    audit.check_version(user, expected_version)
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    before = audit.snapshot(user)
    before_roles = sorted(user.role_codes)
    before_villages = sorted(user.served_villages.values_list("pk", flat=True))
    if org is not None and org.pk != user.org_id:
        _require(actor, org, Action.CREATE)
        user.org = org
    for key, value in profile.items():
        setattr(user, key, value)
    _clean_profile(user)
    if roles is not None:
        if user.pk == getattr(actor, "pk", None) and set(roles) != set(before_roles):
            raise Forbidden(_("You cannot change your own roles."))
        # The form offers only the roles the actor may grant; roles held beyond those stay.
        grantable = set(grantable_roles(actor)) if actor is not None else set(Role.values)
        roles = list(dict.fromkeys([*roles, *(r for r in before_roles if r not in grantable)]))
        roles = _clean_roles(actor, user.org, roles, held=before_roles)
    user.save()
    changes = audit.diff(before, audit.snapshot(user))
    if roles is not None:
        _set_roles(actor, user, roles)
        if sorted(roles) != before_roles:
            changes["roles"] = [before_roles, sorted(roles)]
    effective_roles = roles if roles is not None else before_roles
    if served_villages is not None or Role.LEGAL_ADVISOR not in effective_roles:
        villages = _clean_villages(actor, served_villages) if Role.LEGAL_ADVISOR in effective_roles else []
        user.served_villages.set(villages)
        after_villages = sorted(v.pk for v in villages)
        if after_villages != before_villages:
            changes["served_villages"] = [before_villages, after_villages]
    audit.record(actor=actor, action="user.update", kind=AuditKind.UPDATE, obj=user, changes=changes)
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    """Deactivate (or reactivate) a user: a deactivated user cannot sign in; their records stay."""
    user = User.objects.select_for_update(of=("self",)).select_related("org").get(pk=user.pk)
    _require_manage(actor, user, Action.CHANGE)
    if user.pk == getattr(actor, "pk", None):
        raise DomainError(_("You cannot deactivate yourself."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        kind=AuditKind.UPDATE,
        obj=user,
        changes={"is_active": [not active, active]},
    )
    return user


@transaction.atomic
def user_reset_password(*, actor, user: User, password: str) -> User:
    """An administrator sets a new password; the user must change it at next sign-in."""
    user = User.objects.select_for_update(of=("self",)).select_related("org").get(pk=user.pk)
    _require_manage(actor, user, Action.CHANGE)
    if user.pk == getattr(actor, "pk", None):
        raise DomainError(_("Change your own password on the password page; it asks for the current one."))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages, field="password") from None
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(
        actor=actor, action="user.reset_password", kind=AuditKind.UPDATE, obj=user, changes={"password": ["***", "***"]}
    )
    return user


@transaction.atomic
def user_change_own_password(*, actor: User, old_password: str, new_password: str) -> User:
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not user.check_password(old_password):
        raise DomainError(_("The current password is not correct."), field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages, field="new_password1") from None
    if old_password == new_password:
        raise DomainError(_("The new password must differ from the current one."), field="new_password1")
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(
        actor=user, action="user.change_password", kind=AuditKind.UPDATE, obj=user, changes={"password": ["***", "***"]}
    )
    return user
