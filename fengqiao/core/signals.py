"""Sign-in, sign-out and failed sign-ins go to the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .models import AuditKind


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(actor=user, action="auth.login", kind=AuditKind.LOGIN, obj=user, org=user.org)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="auth.logout", kind=AuditKind.LOGOUT, obj=user, org=user.org)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    from fengqiao.accounts.models import User

    username = (credentials or {}).get("username", "")[:150]
    target = User.objects.select_related("org").filter(username=username).first()
    audit.record(
        actor=None,
        action="auth.login_failed",
        kind=AuditKind.LOGIN_FAILED,
        obj=target,
        org=target.org if target else None,
        object_repr=username,
    )
