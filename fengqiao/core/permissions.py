"""Roles and what they may do: the one table that maps role → allowed actions per module.

Every check in the platform (`visible_to`, services, views, API) asks this table through
`actions_for_roles`; nothing else grants rights. Modules that later issues add (mediation,
corrections, ...) are already listed, so a role's reach is readable in one place.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("View")
    CREATE = "create", _("Create")
    CHANGE = "change", _("Change")
    APPROVE = "approve", _("Approve")
    EXPORT = "export", _("Export")
    VIEW_SENSITIVE = "view_sensitive", _("View sensitive data")


class Module(models.TextChoices):
    ORGS = "orgs", _("Organisations")
    ACCOUNTS = "accounts", _("Users")
    AUDIT = "audit", _("Audit trail")
    API_TOKENS = "api_tokens", _("API tokens")
    MEDIATION = "mediation", _("People's mediation")
    CORRECTIONS = "corrections", _("Community corrections")
    RESETTLEMENT = "resettlement", _("Resettlement")
    LEGAL_SERVICES = "legal_services", _("Public legal services")
    SUPERVISION = "supervision", _("Law-enforcement supervision")
    EDUCATION = "education", _("Legal education")
    PARTY = "party", _("Party building")
    STANDARDS = "standards", _("Construction standard")


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City bureau administrator")
    CITY_ASSESSOR = "city_assessor", _("City bureau assessor")
    LEADER = "leader", _("Leader (read-only)")
    BUREAU_HEAD = "bureau_head", _("Bureau head (approves positioning measures)")
    DIRECTOR = "director", _("Judicial office director")
    STAFF = "staff", _("Judicial office staff")
    MEDIATOR = "mediator", _("Full-time people's mediator")
    CORRECTIONS_WORKER = "corrections_worker", _("Community corrections social worker")
    RESETTLEMENT_WORKER = "resettlement_worker", _("Resettlement social worker")
    EDUCATION_OFFICER = "education_officer", _("Full-time legal education officer")
    LEGAL_ADVISOR = "legal_advisor", _("Village legal advisor")


A = Action
ALL = frozenset(Action.values)
READ = frozenset({A.VIEW, A.EXPORT})
WORK = frozenset({A.VIEW, A.CREATE, A.CHANGE, A.EXPORT})
OFFICE_MODULES = [
    Module.MEDIATION,
    Module.CORRECTIONS,
    Module.RESETTLEMENT,
    Module.LEGAL_SERVICES,
    Module.SUPERVISION,
    Module.EDUCATION,
    Module.PARTY,
    Module.STANDARDS,
]

# role → module → actions. A module missing from a role's row means no access at all.
ROLE_PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.CITY_ADMIN: {m: ALL for m in Module.values},
    Role.CITY_ASSESSOR: {
        Module.ORGS: READ,
        Module.ACCOUNTS: frozenset({A.VIEW}),
        **{m: READ for m in OFFICE_MODULES},
        Module.STANDARDS: frozenset({A.VIEW, A.CREATE, A.CHANGE, A.APPROVE, A.EXPORT}),
    },
    Role.LEADER: {
        Module.ORGS: READ,
        Module.ACCOUNTS: frozenset({A.VIEW}),
        **{m: READ for m in OFFICE_MODULES},
    },
    # Article 29 of the Community Corrections Law: a positioning measure needs the approval of the
    # head of the county-level bureau. Only this role approves; it reads the rest of the work.
    Role.BUREAU_HEAD: {
        Module.ORGS: READ,
        Module.ACCOUNTS: frozenset({A.VIEW}),
        **{m: READ for m in OFFICE_MODULES},
        Module.CORRECTIONS: frozenset({A.VIEW, A.APPROVE, A.EXPORT, A.VIEW_SENSITIVE}),
    },
    Role.DIRECTOR: {
        Module.ORGS: frozenset({A.VIEW, A.CREATE, A.CHANGE, A.EXPORT}),
        Module.ACCOUNTS: frozenset({A.VIEW, A.CREATE, A.CHANGE, A.EXPORT, A.VIEW_SENSITIVE}),
        Module.AUDIT: frozenset({A.VIEW}),
        **{m: ALL for m in OFFICE_MODULES},
        # An office asks for a positioning measure; it never approves its own.
        Module.CORRECTIONS: ALL - {A.APPROVE},
    },
    Role.STAFF: {
        Module.ORGS: READ,
        Module.ACCOUNTS: frozenset({A.VIEW}),
        **{m: WORK for m in OFFICE_MODULES},
    },
    Role.MEDIATOR: {
        Module.ORGS: frozenset({A.VIEW}),
        Module.MEDIATION: WORK | {A.VIEW_SENSITIVE},
        Module.LEGAL_SERVICES: frozenset({A.VIEW, A.CREATE}),
    },
    Role.CORRECTIONS_WORKER: {
        Module.ORGS: frozenset({A.VIEW}),
        Module.CORRECTIONS: WORK | {A.VIEW_SENSITIVE},
    },
    Role.RESETTLEMENT_WORKER: {
        Module.ORGS: frozenset({A.VIEW}),
        Module.RESETTLEMENT: WORK | {A.VIEW_SENSITIVE},
    },
    Role.EDUCATION_OFFICER: {
        Module.ORGS: frozenset({A.VIEW}),
        Module.EDUCATION: WORK,
    },
    Role.LEGAL_ADVISOR: {
        Module.ORGS: frozenset({A.VIEW}),
        Module.LEGAL_SERVICES: WORK,
        Module.MEDIATION: frozenset({A.VIEW, A.CREATE}),
        Module.EDUCATION: frozenset({A.VIEW, A.CREATE}),
    },
}

# Roles that belong to the bureau (their holder sits at a city or province node); the others are
# held by people of a judicial office or a village.
BUREAU_ROLES = frozenset({Role.CITY_ADMIN, Role.CITY_ASSESSOR, Role.LEADER, Role.BUREAU_HEAD})
# Roles an office director may grant to the users of their own office.
OFFICE_GRANTABLE_ROLES = frozenset(Role.values) - BUREAU_ROLES - {Role.DIRECTOR}


def actions_for_roles(roles) -> dict[str, frozenset[str]]:
    """The union of what the given roles may do, as module → actions."""
    merged: dict[str, set[str]] = {}
    for role in roles:
        for module, actions in ROLE_PERMISSIONS.get(role, {}).items():
            merged.setdefault(module, set()).update(actions)
    return {module: frozenset(actions) for module, actions in merged.items()}


def grantable_roles(actor) -> list[str]:
    """Roles the actor may give to others: city admins any, office directors office roles."""
    roles = actor.role_codes
    if Role.CITY_ADMIN in roles:
        return list(Role.values)
    if Role.DIRECTOR in roles:
        return [r for r in Role.values if r in OFFICE_GRANTABLE_ROLES]
    return []
