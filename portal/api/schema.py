"""``GET /v1/openapi.json``: the API's OpenAPI schema, generated once per process and kept.

Generating it walks every view and serializer: ~200 ms of CPU for a ~1 MB answer, on an
endpoint anyone may call without a key (a few requests a second would keep a core busy). The
schema changes only with the code and the settings, that is with a new process, so each
process generates it once for each way it is asked for — each supported language and each
media type negotiated (``application/vnd.oai.openapi+json``, ``application/json``) — and sends
the same bytes after that. drf-spectacular's view still does the generating; this one keeps
its answer. A request naming a ``version``, or a ``lang`` that is not supported, is answered
as before, generated for it and not kept (the keys kept stay a handful).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularJSONAPIView


class SchemaView(SpectacularJSONAPIView):
    authentication_classes: ClassVar[list] = []
    permission_classes: ClassVar[list] = []
    # (language, media type) → (body, Content-Type, Content-Disposition)
    answers: ClassVar[dict[tuple[str, str], tuple[bytes, str, str]]] = {}

    @extend_schema(**SCHEMA_KWARGS)  # as drf-spectacular's view: the schema does not list itself
    def get(self, request, *args, **kwargs):
        key = self.answer_key(request)
        kept = self.answers.get(key) if key else None
        if kept is None:
            response = super().get(request, *args, **kwargs)
            if key is None:
                return response
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
    def language(request) -> str | None:
        """The language the schema is generated in (``?lang=`` first, as drf-spectacular's view
        reads it); None for a ``lang`` that is not supported."""
        asked = request.GET.get("lang") if settings.USE_I18N else None
        if not asked:
            return translation.get_language() or settings.LANGUAGE_CODE
        try:
            return translation.get_supported_language_variant(asked)
        except LookupError:
            return None

    def answer_key(self, request) -> tuple[str, str] | None:
        language = self.language(request)
        if language is None or request.GET.get("version"):
            return None
        return language, request.accepted_media_type
