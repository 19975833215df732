"""What the generated OpenAPI schema says beyond each view's own ``extend_schema``.

drf-spectacular runs ``postprocess`` on the whole schema (``SPECTACULAR_SETTINGS
["POSTPROCESSING_HOOKS"]``). It adds, in one place rather than on every view:

- fincode's error body as one component, ``FincodeErrorResponse``
  (``{"errors": [{"error_code", "error_message"}]}``), and the 4xx answers every operation
  can give with it;
- fincode's answer to DELETE: 200 with the deleted object's ``id`` and ``delete_flag``
  (drf-spectacular documents a DELETE as "204 No response body" unless told otherwise);
- in each ``oneOf`` discriminated by ``pay_type``, each variant's ``pay_type`` pinned to the
  values that select it, so that a body matches exactly one variant, as ``oneOf`` means;
- that an optional query parameter sent empty is taken as not sent (DRF's reading), and that
  a body with required fields must be sent.
"""

from __future__ import annotations

import re
from typing import Any

ERROR_COMPONENT = "FincodeErrorResponse"
ERROR_REF = f"#/components/schemas/{ERROR_COMPONENT}"
DELETED_COMPONENT = "FincodeDeleted"

_ERROR_SCHEMAS = {
    "FincodeError": {
        "type": "object",
        "description": "One error (fincode's `FincodeAPIError`).",
        "properties": {
            "error_code": {
                "type": "string",
                "description": "What went wrong, for programs: see /docs/errors/.",
                "example": "E0000000400",
            },
            "error_message": {"type": "string", "description": "What went wrong, for people."},
        },
        "required": ["error_code", "error_message"],
    },
    ERROR_COMPONENT: {
        "type": "object",
        "description": "Every 4xx/5xx answer of the API (fincode's `FincodeAPIError.Response`).",
        "properties": {
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FincodeError"}, "minItems": 1}
        },
        "required": ["errors"],
    },
}

_DELETED_SCHEMA = {
    "type": "object",
    "description": "fincode's answer to a DELETE: the deleted object's id and `delete_flag` \"1\".",
    "properties": {
        "id": {"type": "string"},
        "delete_flag": {"type": "string", "enum": ["1", "0"]},
    },
    "required": ["id", "delete_flag"],
}

# What each 4xx means, whichever operation answers it.
_REASONS = {
    "400": "Invalid request: malformed JSON, a field's value refused, or a rule of the operation broken.",
    "401": "No API key, or a key that is malformed, unknown, revoked or expired.",
    "402": "The payment was declined by the card network or the provider.",
    "403": "The key may not do this (a public key, or a merchant not enabled for live mode).",
    "404": "No such object for this merchant and mode.",
    "409": "The object's state does not allow this, or an idempotency key was reused with another body.",
    "413": "The request body is too large.",
    "415": "The request body is not `application/json`.",
    "429": "Too many requests (or failed authentications); retry after `Retry-After` seconds.",
}
_ALWAYS = ("400", "401", "403", "429")
_WITH_BODY = ("409", "413", "415")
_PATH_PARAMETER = re.compile(r"{[^}]+}")


NO_NUL = r"^[^\x00]*$"


def _error_codes(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    codes = list(_ALWAYS)
    if _PATH_PARAMETER.search(path) or method != "get":
        # An unknown object; or the object's state (e.g. no 3-D Secure in progress).
        codes.extend(("404", "409"))
    if method in ("post", "put", "patch", "delete"):
        codes.extend(_WITH_BODY)
    # Codes an operation declares itself (e.g. 402 on payments) get the error body too.
    codes.extend(code for code in operation.get("responses", {}) if code.startswith("4"))
    return sorted(set(codes))


def _document_errors(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for code in _error_codes(path, method, operation):
        response = responses.setdefault(code, {})
        response.setdefault("description", _REASONS.get(code, "Refused (see `errors`)."))
        response["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}


def _document_delete(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A DELETE answers 200 with a body as fincode's do; one still documented as 204 gets the
    minimal fincode body (``id`` and ``delete_flag``). ``delete_flag`` gets fincode's enum here
    rather than from a serializer field: drf-spectacular would take its "1"/"0" for
    ``default_flag``'s choice set under a second name (a warning ``check --deploy`` reports)."""
    responses = operation.setdefault("responses", {})
    if "204" in responses and "content" not in responses["204"]:
        del responses["204"]
        schemas.setdefault(DELETED_COMPONENT, _DELETED_SCHEMA)
        responses["200"] = {
            "description": "Deleted.",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{DELETED_COMPONENT}"}}
            },
        }
    ref = (
        responses.get("200", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    )
    answer = schemas.get(ref.rsplit("/", 1)[-1]) if ref else None
    if answer and "delete_flag" in answer.get("properties", {}):
        answer["properties"]["delete_flag"] = dict(_DELETED_SCHEMA["properties"]["delete_flag"])


def _pin_discriminators(schemas: dict[str, Any]) -> None:
    """Each variant of a discriminated ``oneOf`` accepts only the discriminator values mapped to it."""
    pinned: dict[tuple[str, str], set[str]] = {}
    for schema in schemas.values():
        discriminator = schema.get("discriminator") if "oneOf" in schema else None
        if not discriminator:
            continue
        field = discriminator["propertyName"]
        for value, ref in discriminator.get("mapping", {}).items():
            pinned.setdefault((ref.rsplit("/", 1)[-1], field), set()).add(value)
    for (name, field), values in pinned.items():
        variant = schemas.get(name)
        if variant is None or field not in variant.get("properties", {}):
            continue
        prop = variant["properties"][field]
        variant["properties"][field] = {
            key: value for key, value in prop.items() if key in ("description", "readOnly", "writeOnly")
        } | {"type": "string", "enum": sorted(values)}


def _require_bodies(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A body with required fields (or one of several shapes) cannot be left out."""
    body = operation.get("requestBody")
    if not body:
        return
    for media in body.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        schema = schemas.get(ref.rsplit("/", 1)[-1], {})
        if schema.get("required") or "oneOf" in schema:
            body["required"] = True


def _allow_empty_query_values(operation: dict[str, Any]) -> None:
    """DRF takes an optional query field sent empty (``?sort=``) as not sent: say so."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and not parameter.get("required"):
            parameter["allowEmptyValue"] = True


def _refuse_nul_in_url_parameters(operation: dict[str, Any]) -> None:
    """A NUL character anywhere in the URL is a 400 (``RejectNulMiddleware``): a free-text path
    or query parameter says so with a pattern."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        free_text = schema.get("type") == "string" and not ({"pattern", "enum", "format"} & set(schema))
        if parameter.get("in") in ("path", "query") and free_text:
            schema["pattern"] = NO_NUL


def _refuse_nul_in_strings(schema: dict[str, Any]) -> None:
    """Request bodies: DRF's ``CharField`` refuses a NUL character (PostgreSQL text cannot hold
    one), so every free-text string of a request schema says so with a pattern."""
    if schema.get("type") == "string" and not ({"pattern", "enum", "format", "$ref"} & set(schema)):
        schema["pattern"] = NO_NUL
    for child in schema.get("properties", {}).values():
        _refuse_nul_in_strings(child)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _refuse_nul_in_strings(schema[key])
    for key in ("allOf", "oneOf", "anyOf"):
        for child in schema.get(key, []):
            _refuse_nul_in_strings(child)


def postprocess(result: dict[str, Any], generator=None, request=None, public=None) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_ERROR_SCHEMAS)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method == "delete":
                _document_delete(operation, schemas)
            _document_errors(path, method, operation)
            _allow_empty_query_values(operation)
            _refuse_nul_in_url_parameters(operation)
            _require_bodies(operation, schemas)
    for name, schema in schemas.items():
        if name.endswith("Request"):
            _refuse_nul_in_strings(schema)
    _pin_discriminators(schemas)
    return result
