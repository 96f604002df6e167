"""API plumbing: authentication (browser session or hashed API token), JSON errors with a code and
a message in the user's language, and the scoped-object helper every operation uses."""

from __future__ import annotations

import logging

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from .errors import DomainError
from .middleware import client_ip
from .services import api_token_check

logger = logging.getLogger("fengqiao.api")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer fq_...`: a partner system's or device gateway's token."""

    def authenticate(self, request, token):
        found, reason = api_token_check(token, client_ip())
        if found is None:
            request._fq_auth_error = f"token_{reason}"
        return found


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser user (CSRF checked on unsafe methods)."""

    def _get_key(self, request):
        # A caller that sends a bearer token is a system, not a browser: judge it by its token
        # (a clear 401 for a revoked one) rather than fail it on a CSRF check it cannot pass.
        if "Authorization" in request.headers:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        if user.must_change_password:
            # A temporary password must be replaced on the password page before anything else.
            request._fq_auth_error = "password_change_required"
            return None
        return user


class ErrorOut(Schema):
    code: str
    message: str


def principal(request):
    """Who is calling: a User (session) or an ApiToken."""
    return request.auth


def scoped_get(queryset_model, request, pk, action="view", select_related=()):
    """The object `pk` if the caller may see it with `action`, else 404 (whether or not it exists)."""
    from .converters import MAX_ID

    if not 0 < pk <= MAX_ID:
        raise Http404
    qs = queryset_model.objects.visible_to(principal(request), action)
    if select_related:
        qs = qs.select_related(*select_related)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def parse_body(request, schema):
    """Validate a JSON body against a pydantic `schema` inside the operation, after its object has
    been found: another office's object is a 404 whatever was sent (the leak matrix posts an empty
    body). Errors come out as ninja's 422, located under the body."""
    import json

    from ninja.errors import ValidationError as NinjaValidationError
    from pydantic import ValidationError as PydanticValidationError

    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "Cannot parse request body") from None
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        errors = []
        for e in exc.errors(include_url=False):
            e = dict(e)
            e["loc"] = ("body", "payload", *e.get("loc", ()))
            errors.append(e)
        raise NinjaValidationError(errors) from None


def body_doc(schema) -> dict:
    """The request body of an operation that parses it itself, for the OpenAPI schema."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema(mode="validation")}},
        }
    }


def _validation_message(error: dict) -> str:
    """pydantic's English text for the common cases, said in the caller's language."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "bool_parsing": _("Enter true or false."),
        "string_type": _("Enter text."),
        "enum": _("Choose one of: %(expected)s.") % {"expected": ctx.get("expected", "")},
        "literal_error": _("Choose one of: %(expected)s.") % {"expected": ctx.get("expected", "")},
        "string_too_short": _("Too short: at least %(min)s characters.") % {"min": ctx.get("min_length", "")},
        "string_too_long": _("Too long: at most %(max)s characters.") % {"max": ctx.get("max_length", "")},
        "greater_than_equal": _("Must be at least %(limit)s.") % {"limit": ctx.get("ge", "")},
        "less_than_equal": _("Must be at most %(limit)s.") % {"limit": ctx.get("le", "")},
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "datetime_parsing": _("Enter a date and time in ISO 8601 form."),
    }
    return str(messages.get(kind, error.get("msg", "")))


def _error(api, request, status, code, message, **extra):
    return api.create_response(request, {"code": code, "message": str(message), **extra}, status=status)


def install_error_handlers(api: NinjaAPI):
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        extra = {"field": exc.field} if exc.field else {}
        return _error(api, request, exc.status, exc.code, str(exc), **extra)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        reason = getattr(request, "_fq_auth_error", "")
        messages = {
            "token_revoked": _("This API token has been revoked; ask the city bureau administrator for a new one."),
            "token_expired": _("This API token has expired; ask the city bureau administrator for a new one."),
            "token_unit_inactive": _("The unit this API token belongs to has been deactivated."),
            "token_unknown": _("The API token is not valid; check that it was copied in full."),
            "password_change_required": _("Change your temporary password on the password page first."),
        }
        if reason in messages:
            code = "password_change_required" if reason == "password_change_required" else "unauthenticated"
            return _error(api, request, 401, code, messages[reason], reason=reason)
        return _error(
            api, request, 401, "unauthenticated", _("Sign in, or send a valid API token (Authorization: Bearer ...).")
        )

    @api.exception_handler(AuthorizationError)
    def unauthorized(request, exc):
        return _error(api, request, 403, "forbidden", _("You may not do this."))

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        details = [
            {
                "loc": [str(p) for p in e.get("loc", [])],
                "type": e.get("type", ""),
                "message": _validation_message(e),
            }
            for e in exc.errors
        ]
        return _error(api, request, 422, "invalid", _("The request data is not valid."), errors=details)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return _error(api, request, 400, "malformed_body", _("The request body is not valid JSON."))
        if exc.status_code == 403 and "CSRF" in str(exc):
            return _error(
                api, request, 403, "csrf_failed", _("The security check failed (CSRF): reload the page and try again.")
            )
        if exc.status_code == 403:
            return _error(api, request, 403, "forbidden", _("You may not do this."))
        return _error(api, request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(Exception)
    def server_error(request, exc):
        # Logged with its traceback for the operator; the caller gets JSON, never an HTML page.
        logger.exception("API error on %s %s", request.method, request.path)
        return _error(api, request, 500, "server_error", _("Internal error; it has been logged. Try again later."))

    @api.exception_handler(PermissionError)
    def permission_error(request, exc):
        return _error(api, request, 403, "forbidden", _("You may not do this."))
