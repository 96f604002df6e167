"""Request context for the audit trail: the client address of the request being served."""

import contextvars
import ipaddress

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("fengqiao_client_ip", default=None)


def client_ip() -> str | None:
    return _client_ip.get()


def set_client_ip(ip: str | None):
    return _client_ip.set(ip)


def _valid_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def request_ip(request) -> str | None:
    """The client's address: behind nginx (FENGQIAO_BEHIND_PROXY) from X-Real-IP, which our nginx
    configuration sets and a client cannot; otherwise REMOTE_ADDR. Used by the audit trail and by
    the sign-in lockout, so both see the same address."""
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = _valid_ip(request.META.get("HTTP_X_REAL_IP"))
        if forwarded:
            return forwarded
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def axes_client_ip(request) -> str:
    return request_ip(request) or "0.0.0.0"  # noqa: S104 - a lockout key, not a bind address


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(request_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


class PasswordChangeRequiredMiddleware:
    """A user with a temporary password (new account, or reset by an administrator) must choose their
    own before doing anything else."""

    ALLOWED_PREFIXES = ("/password/", "/logout/", "/static/", "/i18n/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            from django.shortcuts import redirect

            return redirect("password_change")
        return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise (the language switcher sets a cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, so an office PC with an
    English browser would show English; the platform is Chinese first, English on request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RejectNulMiddleware:
    """Refuses requests whose parameters or small bodies contain NUL characters.

    No legitimate input holds them, PostgreSQL cannot store them in text, and letting them reach
    a query turns a typo or a probe into a server error. Answered with 400 and a clear message.
    """

    BODY_TYPES = ("application/json", "application/x-www-form-urlencoded")
    MAX_INSPECTED_BODY = 1_000_000

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            from django.utils.translation import gettext as _

            message = _("The request contains invalid characters (NUL).")
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"code": "invalid_characters", "message": str(message)}, status=400)
            from django.shortcuts import render

            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)

    def _has_nul(self, request) -> bool:
        from urllib.parse import unquote_to_bytes

        if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        inspect = (
            request.method in ("POST", "PUT", "PATCH")
            and content_type.startswith(self.BODY_TYPES)
            and length <= self.MAX_INSPECTED_BODY
        )
        if not inspect:
            return False
        body = request.body
        if b"\x00" in body or b"\\u0000" in body.lower():
            return True
        form = content_type.startswith("application/x-www-form-urlencoded")
        return form and b"\x00" in unquote_to_bytes(body)
