"""Organisation tree pages: browse, detail, create, edit, move, deactivate, delete."""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from fengqiao.core.audit import version_of
from fengqiao.core.errors import DomainError
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error

from . import selectors, services
from .forms import OrgCreateForm, OrgForm, OrgMoveForm
from .models import ALLOWED_CHILDREN, OrgKind, OrgNode


class TreeView(ModuleMixin, View):
    module = Module.ORGS

    def get(self, request):
        q = request.GET.get("q", "").strip()
        if q:
            page = selectors.org_search(request.user, q=q, cursor=request.GET.get("cursor"))
            return render(request, "orgs/search.html", {"page": page, "q": q})
        roots = list(selectors.org_roots(request.user))
        return render(request, "orgs/tree.html", {"roots": roots})


class ChildrenView(ScopedObjectMixin, View):
    """The children of a node, for lazy expansion of the tree (HTMX) or as a page."""

    module = Module.ORGS
    scoped_model = OrgNode

    def get(self, request, pk):
        children = selectors.org_children(request.user, self.object)
        return render(request, "orgs/_children.html", {"node": self.object, "children": children})


class NodeDetailView(ScopedObjectMixin, View):
    module = Module.ORGS
    scoped_model = OrgNode
    select_related = ("parent",)

    def get(self, request, pk):
        node = self.object
        user = request.user
        context = {
            "node": node,
            "breadcrumbs": selectors.org_breadcrumbs(user, node),
            "children": selectors.org_children(user, node),
            "counts": selectors.org_subtree_counts(node),
            "can_change": OrgNode.objects.visible_to(user, Action.CHANGE).filter(pk=node.pk).exists(),
            "can_create": bool(ALLOWED_CHILDREN[OrgKind(node.kind)])
            and OrgNode.objects.visible_to(user, Action.CREATE).filter(pk=node.pk).exists(),
            "is_own_scope": any(s.pk == node.pk for s in user.scope_nodes()),
        }
        return render(request, "orgs/detail.html", context)


class NodeCreateView(ScopedObjectMixin, View):
    module = Module.ORGS
    action = Action.CREATE
    scoped_model = OrgNode

    def get(self, request, pk):
        form = OrgCreateForm(parent=self.object)
        return render(request, "orgs/form.html", {"form": form, "parent": self.object, "creating": True})

    def post(self, request, pk):
        form = OrgCreateForm(request.POST, parent=self.object)
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS}
            try:
                node = services.org_create(
                    actor=request.user, kind=form.cleaned_data["kind"], parent=self.object, **data
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("“%(name)s” created.") % {"name": node.name})
                return redirect("orgs:detail", pk=node.pk)
        return render(request, "orgs/form.html", {"form": form, "parent": self.object, "creating": True}, status=400)


class NodeEditView(ScopedObjectMixin, View):
    module = Module.ORGS
    action = Action.CHANGE
    scoped_model = OrgNode

    def get(self, request, pk):
        form = OrgForm(instance=self.object, initial={"version": version_of(self.object)})
        return render(request, "orgs/form.html", {"form": form, "node": self.object})

    def post(self, request, pk):
        original = self.object
        # The ModelForm writes the posted values onto its instance; keep the loaded row intact.
        form = OrgForm(request.POST, instance=copy.copy(original))
        if form.is_valid():
            try:
                services.org_update(
                    actor=request.user,
                    node=original,
                    expected_version=form.cleaned_data["version"],
                    **{f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS},
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("orgs:detail", pk=original.pk)
        return render(request, "orgs/form.html", {"form": form, "node": original}, status=400)


class NodeMoveView(ScopedObjectMixin, View):
    module = Module.ORGS
    action = Action.CHANGE
    scoped_model = OrgNode

    def _form(self, data=None):
        return OrgMoveForm(data, targets=selectors.move_targets(self.request.user, self.object))

    def get(self, request, pk):
        return render(request, "orgs/move.html", {"form": self._form(), "node": self.object})

    def post(self, request, pk):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.org_move(actor=request.user, node=self.object, new_parent=form.cleaned_data["new_parent"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("“%(name)s” moved.") % {"name": self.object.name})
                return redirect("orgs:detail", pk=self.object.pk)
        return render(request, "orgs/move.html", {"form": form, "node": self.object}, status=400)


class NodeStateView(ScopedObjectMixin, View):
    """POST-only actions on a node: deactivate, reactivate, delete."""

    module = Module.ORGS
    action = Action.CHANGE
    scoped_model = OrgNode
    operation = ""

    def get(self, request, pk):
        return redirect("orgs:detail", pk=pk)

    def post(self, request, pk):
        node = self.object
        try:
            if self.operation == "deactivate":
                n = services.org_deactivate(actor=request.user, node=node)
                messages.success(
                    request, ngettext("%(count)s unit deactivated.", "%(count)s units deactivated.", n) % {"count": n}
                )
            elif self.operation == "reactivate":
                n = services.org_reactivate(actor=request.user, node=node)
                messages.success(
                    request, ngettext("%(count)s unit reactivated.", "%(count)s units reactivated.", n) % {"count": n}
                )
            elif self.operation == "delete":
                parent_id = node.parent_id
                services.org_delete(actor=request.user, node=node)
                messages.success(request, _("“%(name)s” deleted.") % {"name": node.name})
                return redirect("orgs:detail", pk=parent_id) if parent_id else redirect("orgs:tree")
            else:
                raise PermissionDenied
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("orgs:detail", pk=pk)
