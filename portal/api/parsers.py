"""The API's JSON parser: DRF's, with the depth bound of ``portal.jsonsafe``."""

from __future__ import annotations

import codecs

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.utils.json import strict_constant

from portal import jsonsafe


class JSONParser(DRFJSONParser):
    """Malformed, non-UTF-8, NaN/Infinity or too deeply nested bodies are a 400, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            raw = stream.read() if stream is not None else b""
            if codecs.lookup(encoding).name != "utf-8":
                raw = codecs.decode(raw, encoding)
            return jsonsafe.loads(raw, parse_constant=strict_constant)
        except (jsonsafe.JSONBodyError, UnicodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
