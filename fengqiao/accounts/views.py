"""Sign-in, own password, and user management pages."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import DomainError
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error

from . import selectors, services
from .forms import LoginForm, OwnPasswordForm, ResetPasswordForm, UserCreateForm, UserProfileForm
from .models import User


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class OwnPasswordView(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "registration/password_change.html", {"form": OwnPasswordForm()})

    def post(self, request):
        form = OwnPasswordForm(request.POST)
        if form.is_valid():
            try:
                user = services.user_change_own_password(
                    actor=request.user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password has been changed."))
                return redirect("home")
        return render(request, "registration/password_change.html", {"form": form}, status=400)


class UserListView(ModuleMixin, View):
    module = Module.ACCOUNTS

    def get(self, request):
        from fengqiao.core.permissions import Role

        q = request.GET.get("q", "").strip()
        role = request.GET.get("role", "")
        active = {"1": True, "0": False}.get(request.GET.get("active", ""))
        units = selectors.unit_choices(request.user)
        unit = next((u for u in units if str(u.pk) == request.GET.get("unit")), None)
        page = selectors.user_search(
            request.user, q=q, role=role, org=unit, active=active, cursor=request.GET.get("cursor")
        )
        return render(
            request,
            "accounts/list.html",
            {
                "page": page,
                "q": q,
                "role": role,
                "unit": unit,
                "units": units,
                "active": request.GET.get("active", ""),
                "roles": Role.choices,
                "can_create": request.user.has_action(Module.ACCOUNTS, Action.CREATE),
                "can_export": request.user.has_action(Module.ACCOUNTS, Action.EXPORT),
            },
        )


class UserExportView(ModuleMixin, View):
    """The filtered user list as .xlsx (ID numbers and phones masked), recorded in the audit trail."""

    module = Module.ACCOUNTS
    action = Action.EXPORT

    def get(self, request):
        from fengqiao.core.exports import MAX_EXPORT_ROWS, xlsx_response
        from fengqiao.core.validators import mask_id_number, mask_phone

        units = selectors.unit_choices(request.user)
        unit = next((u for u in units if str(u.pk) == request.GET.get("unit")), None)
        active = {"1": True, "0": False}.get(request.GET.get("active", ""))
        users = selectors.user_export_rows(
            request.user,
            q=request.GET.get("q", "").strip(),
            role=request.GET.get("role", ""),
            org=unit,
            active=active,
            limit=MAX_EXPORT_ROWS,
        )
        audit.record_export(actor=request.user, what="accounts.user", count=len(users), filters=dict(request.GET))
        headers = [
            _("Full name"),
            _("User name"),
            _("Unit"),
            _("Post"),
            _("Roles"),
            _("Phone"),
            _("ID number"),
            _("State"),
            _("Last sign-in"),
        ]
        rows = (
            [
                u.full_name,
                u.username,
                u.org.display_name,
                u.title,
                "、".join(u.role_labels()),
                mask_phone(u.phone),
                mask_id_number(u.id_number),
                _("Active") if u.is_active else _("Deactivated"),
                u.last_login,
            ]
            for u in users
        )
        return xlsx_response("users", str(_("Users")), headers, rows)


class UserDetailView(ScopedObjectMixin, View):
    module = Module.ACCOUNTS
    scoped_model = User
    select_related = ("org", "office")

    def get(self, request, pk):
        user = self.object
        return render(
            request,
            "accounts/detail.html",
            {
                "subject": user,
                "villages": list(user.served_villages.all()),
                "can_change": User.objects.visible_to(request.user, Action.CHANGE).filter(pk=user.pk).exists(),
                "can_view_sensitive": request.user.has_action(Module.ACCOUNTS, Action.VIEW_SENSITIVE),
            },
        )


class VillageFieldsView(ModuleMixin, View):
    """The village and served-villages fields for the unit chosen on the user form (HTMX)."""

    module = Module.ACCOUNTS
    action = Action.CREATE

    def get(self, request):
        form = UserProfileForm(actor=request.user, initial={"unit": request.GET.get("unit")})
        return render(request, "accounts/_village_fields.html", {"form": form})


class UserRevealView(ScopedObjectMixin, View):
    """Shows a user's full ID number to a role that may see it, and writes an access event."""

    module = Module.ACCOUNTS
    action = Action.VIEW_SENSITIVE
    scoped_model = User

    http_method_names = ["post"]

    def post(self, request, pk):
        audit.record_access(actor=request.user, obj=self.object, what="id_number")
        response = render(request, "accounts/_revealed.html", {"value": self.object.id_number})
        add_never_cache_headers(response)
        return response


class UserCreateView(ModuleMixin, View):
    module = Module.ACCOUNTS
    action = Action.CREATE

    def get(self, request):
        initial = UserCreateForm.initial_for(request.user)
        return render(request, "accounts/form.html", {"form": UserCreateForm(actor=request.user, initial=initial)})

    def post(self, request):
        form = UserCreateForm(request.POST, actor=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    org=data["org"],
                    roles=data["roles"],
                    password=data["password"],
                    full_name=data["full_name"],
                    title=data["title"],
                    phone=data["phone"],
                    id_number=data["id_number"],
                    email=data["email"],
                    served_villages=data["served_villages"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("User “%(name)s” created.") % {"name": user})
                return redirect("accounts:detail", pk=user.pk)
        return render(request, "accounts/form.html", {"form": form}, status=400)


class UserEditView(ScopedObjectMixin, View):
    module = Module.ACCOUNTS
    action = Action.CHANGE
    scoped_model = User
    select_related = ("org",)

    def _initial(self):
        u = self.object
        return {
            "full_name": u.full_name,
            "title": u.title,
            "phone": u.phone,
            "email": u.email,
            **UserProfileForm.initial_for(u),
            "roles": sorted(u.role_codes),
            "served_villages": list(u.served_villages.values_list("pk", flat=True)),
            "version": audit.version_of(u),
        }

    def get(self, request, pk):
        form = UserProfileForm(actor=request.user, subject=self.object, initial=self._initial())
        return render(request, "accounts/form.html", {"form": form, "subject": self.object})

    def post(self, request, pk):
        form = UserProfileForm(request.POST, actor=request.user, subject=self.object)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.user_update(
                    actor=request.user,
                    user=self.object,
                    org=data.get("org"),
                    roles=data.get("roles"),
                    served_villages=data["served_villages"],
                    expected_version=data["version"],
                    full_name=data["full_name"],
                    title=data["title"],
                    phone=data["phone"],
                    email=data["email"],
                    # An empty box keeps the number on file: the form never shows it in full.
                    **({"id_number": data["id_number"]} if data["id_number"] else {}),
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("accounts:detail", pk=self.object.pk)
        return render(request, "accounts/form.html", {"form": form, "subject": self.object}, status=400)


class UserActiveView(ScopedObjectMixin, View):
    module = Module.ACCOUNTS
    action = Action.CHANGE
    scoped_model = User
    active = False

    def get(self, request, pk):
        return redirect("accounts:detail", pk=pk)

    def post(self, request, pk):
        try:
            services.user_set_active(actor=request.user, user=self.object, active=self.active)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("User reactivated.") if self.active else _("User deactivated."))
        return redirect("accounts:detail", pk=pk)


class UserResetPasswordView(ScopedObjectMixin, View):
    module = Module.ACCOUNTS
    action = Action.CHANGE
    scoped_model = User

    def get(self, request, pk):
        return render(request, "accounts/reset_password.html", {"form": ResetPasswordForm(), "subject": self.object})

    def post(self, request, pk):
        form = ResetPasswordForm(request.POST)
        if form.is_valid():
            try:
                services.user_reset_password(
                    actor=request.user, user=self.object, password=form.cleaned_data["password"]
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Password reset; the user must change it at next sign-in."))
                return redirect("accounts:detail", pk=pk)
        return render(request, "accounts/reset_password.html", {"form": form, "subject": self.object}, status=400)
