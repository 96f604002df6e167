"""The one scoping mechanism: `Model.objects.visible_to(principal, action)`.

A principal (a signed-in user, or an API token) holds actions per module (from
`core.permissions`) and a set of scope nodes in the organisation tree. A row is visible when the
principal may perform `action` on the row's module and the row belongs to the subtree of one of
the scope nodes. Every list, detail page, form, export and API endpoint starts from here, so
"not yours" and "does not exist" are the same empty result and both answer 404.

Scoped models register themselves (see `register_scoped`) so that shared tests (the leak matrix)
and services that must touch every tenant table (moving a village to another office) find them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .permissions import Action

# label → model class, filled by `register_scoped`.
SCOPED_MODELS: dict[str, type[models.Model]] = {}

# Materialized paths are base-36 digits; "~" sorts after all of them, so [path, path + "~") is
# exactly the subtree, as an index range on both SQLite and PostgreSQL (C collation).
PATH_END = "~"


def subtree_q(path: str, field: str = "path") -> Q:
    """The rows whose materialized path lies in the subtree that starts at `path`."""
    return Q(**{f"{field}__gte": path, f"{field}__lt": path + PATH_END})


def register_scoped(model):
    """Class decorator: mark a model as org-scoped (it must define `scope_module` and `scope_q`)."""
    assert hasattr(model, "scope_module"), f"{model.__name__} needs scope_module"
    SCOPED_MODELS[model._meta.label] = model
    return model


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, principal, action: str = Action.VIEW):
        """Rows of this model that `principal` may see (or act on) with `action`; never raises."""
        if principal is None or not getattr(principal, "is_authenticated", False):
            return self.none()
        if not getattr(principal, "is_active", True):
            return self.none()
        condition = Q()
        for node in principal.scope_nodes_for(self.model.scope_module, action):
            condition |= self.model.scope_q(node)
        if not condition:
            return self.none()
        return self.filter(condition)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def in_scope(principal, node, action: str, module: str) -> bool:
    """Whether `node` lies inside the principal's scope and the principal may do `action` there.

    Services call this before a write: the target org must be inside the actor's subtree.
    """
    if principal is None or not getattr(principal, "is_authenticated", False):
        return False
    if not getattr(principal, "is_active", True):
        return False
    return any(node.path.startswith(scope.path) for scope in principal.scope_nodes_for(module, action))
