"""``GET /v1/openapi.json``: the API's OpenAPI schema, generated once per process and kept.

Generating it walks every view and serializer: ~200 ms of CPU for a ~1 MB answer, on an
endpoint anyone may call without a key (a few requests a second would keep a core busy). The
schema changes only with the code and the settings, that is with a new process, so each
process generates it once for each way it is asked for — each supported language and each
media type negotiated (``application/vnd.oai.openapi+json``, ``application/json``) — and sends
the same bytes after that. drf-spectacular's view still does the generating; this one keeps
its answer. Nothing a caller sends can ask for a fresh generation: ``lang`` is one of the
supported languages (else 400), and ``version`` is refused (400): the API has one version
(drf-spectacular would only write the value into ``info.version``).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularJSONAPIView

from portal import errors
from portal.errors import PortalError


class SchemaView(SpectacularJSONAPIView):
    authentication_classes: ClassVar[list] = []
    permission_classes: ClassVar[list] = []
    # (language, media type) → (body, Content-Type, Content-Disposition)
    answers: ClassVar[dict[tuple[str, str], tuple[bytes, str, str]]] = {}

    @extend_schema(**SCHEMA_KWARGS)  # as drf-spectacular's view: the schema does not list itself
    def get(self, request, *args, **kwargs):
        key = self.answer_key(request)
        kept = self.answers.get(key)
        if kept is None:
            response = super().get(request, *args, **kwargs)
            # Rendered here, as DRF renders an answer (``finalize_response`` then runs once, on
            # the answer sent: its ``Vary`` and ``Allow`` as on every other answer).
            response.accepted_renderer = request.accepted_renderer
            response.accepted_media_type = request.accepted_media_type
            response.renderer_context = self.get_renderer_context()
            response.render()
            kept = self.answers[key] = (
                response.content,
                response["Content-Type"],
                response["Content-Disposition"],
            )
        body, content_type, disposition = kept
        return HttpResponse(body, content_type=content_type, headers={"Content-Disposition": disposition})

    @staticmethod
    def answer_key(request) -> tuple[str, str]:
        """(language, media type): what the answer depends on. ``?lang=`` first, as
        drf-spectacular's view reads it, else the request's language."""
        if request.GET.get("version"):
            raise PortalError(errors.BAD_REQUEST, "version: this API has one version.", field="version")
        asked = request.GET.get("lang") if settings.USE_I18N else None
        if not asked:
            return translation.get_language() or settings.LANGUAGE_CODE, request.accepted_media_type
        try:
            return translation.get_supported_language_variant(asked), request.accepted_media_type
        except LookupError:
            supported = ", ".join(code for code, _ in settings.LANGUAGES)
            raise PortalError(errors.BAD_REQUEST, f"lang: one of {supported}.", field="lang") from None
