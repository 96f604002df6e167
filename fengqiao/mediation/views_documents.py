"""Case documents as a printable page and as .docx.

A document names the parties with their ID numbers, so it is for the people who work the case:
the views need CHANGE on the case (another office's case, or a reader with VIEW only, answers 404
like a missing one), full numbers are printed only for readers with view_sensitive on the case, and
every showing is written to the audit trail as an export of that case. Responses are never cached.

Each kind is its own route (`<pk>/documents/agreement/`, `<pk>/documents/agreement.docx`) under one
name, so the leak matrix sees routes that take only `pk`, and an unknown kind is simply no route:
reverse with keyword arguments, `{% url 'mediation:document' pk=dispute.pk kind='agreement' %}`.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.views import View

from fengqiao.core import audit
from fengqiao.core.errors import NotFound
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ScopedObjectMixin

from . import documents
from .models import Dispute

_ID = re.compile(r"[0-9]{1,18}")


class DocumentMixin(ScopedObjectMixin):
    module = Module.MEDIATION
    action = Action.CHANGE
    scoped_model = Dispute
    select_related = ("org", "office", "committee")
    fmt = ""

    def document(self, request, kind) -> dict:
        session = None
        if kind == documents.RECORD:
            raw = request.GET.get("session", "")
            if not _ID.fullmatch(raw):
                raise Http404
            session = int(raw)
        reveal = Dispute.objects.visible_to(request.user, Action.VIEW_SENSITIVE).filter(pk=self.object.pk).exists()
        try:
            ctx = documents.document_context(self.object, kind, session=session, reveal_ids=reveal)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        self.record(request, ctx)
        return ctx

    def record(self, request, ctx) -> None:
        """An export of one document of the case, filed under the case (and so its office)."""
        session = ctx["session"]
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action="export",
                kind=AuditKind.EXPORT,
                obj=self.object,
                object_repr=f"{self.object.number} {ctx['title']}",
                changes={
                    "what": f"mediation.document.{ctx['kind']}",
                    "rows": 1,
                    "filters": {
                        "dispute": self.object.pk,
                        "session": session.pk if session else None,
                        "format": self.fmt,
                        "full_id_numbers": ctx["reveal_ids"],
                    },
                },
            )


class DocumentView(DocumentMixin, View):
    """The document as a standalone page to print (A4, GB/T 9704 margins)."""

    fmt = "html"

    def get(self, request, pk, kind):
        ctx = self.document(request, kind)
        response = render(request, "mediation/documents/document.html", ctx)
        add_never_cache_headers(response)
        return response


class DocumentDocxView(DocumentMixin, View):
    """The document as a Word file, named after the case and the document."""

    fmt = "docx"

    def get(self, request, pk, kind):
        ctx = self.document(request, kind)
        response = HttpResponse(documents.render_docx(ctx), content_type=documents.DOCX_CONTENT_TYPE)
        # RFC 6266: an ASCII name for old clients, the Chinese one (RFC 5987) for everyone else.
        fallback = f"mediation-{self.object.pk}-{kind}.docx"
        response["Content-Disposition"] = (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(ctx['filename'])}"
        )
        add_never_cache_headers(response)
        return response


urlpatterns = [
    *[
        path(f"<id:pk>/documents/{kind}/", DocumentView.as_view(), {"kind": kind}, name="document")
        for kind in documents.KINDS
    ],
    *[
        path(f"<id:pk>/documents/{kind}.docx", DocumentDocxView.as_view(), {"kind": kind}, name="document_docx")
        for kind in documents.KINDS
    ],
]
