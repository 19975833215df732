"""Serializer bases shared by the merchant APIs."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.fields import Field, empty

from portal.validators import is_canonical_integer

# Each request serializer class's fields as DRF builds them (``Serializer.get_fields``), once.
_FIELD_PROTOTYPES: dict[type, dict[str, Field]] = {}


def _fresh(field: Field) -> Field:
    """A field of its own for one serializer instance (binding sets its name and parent).

    A plain field keeps nothing per instance but what ``bind`` sets: a shallow copy of it
    does (its validators, choices and messages, set up once, are shared and never changed).
    A field holding other fields (a nested serializer, a list's ``child``) binds them to
    itself: it is copied whole, as DRF copies every field.
    """
    if isinstance(field, serializers.BaseSerializer) or hasattr(field, "child"):
        return copy.deepcopy(field)
    clone = object.__new__(type(field))  # copy.copy's shallow copy, without its generic protocol
    vars(clone).update(vars(field))
    return clone


class RequestSerializer(serializers.Serializer):
    """A request body's serializer: text fields take JSON strings only (see ``to_internal_value``).

    Its fields are DRF's own deep copies, made once per class; each instance gets shallow copies
    of them (``get_fields``; DRF's private ``_declared_fields`` is not read: issue 17).
    """

    # Build only the fields that can give something for the body at hand: those it sends, the
    # required ones and those with a default. An optional field the body does not send gives
    # nothing (DRF skips it), so a body of three fields is validated by three fields, not a
    # dozen. Off by default: a serializer that looks its fields up by name whatever the body
    # (``self.fields["…"]``) needs them all.
    build_sent_fields_only = False

    def get_fields(self) -> dict[str, Field]:
        cls = type(self)
        prototypes = _FIELD_PROTOTYPES.get(cls)
        if prototypes is None:
            prototypes = _FIELD_PROTOTYPES[cls] = super().get_fields()
        body = getattr(self, "initial_data", None)
        if self.build_sent_fields_only and type(body) is dict:
            return {
                name: _fresh(field)
                for name, field in prototypes.items()
                if name in body or field.required or field.default is not empty
            }
        return {name: _fresh(field) for name, field in prototypes.items()}

    def to_internal_value(self, data):
        """Text fields take JSON strings, as fincode's contract and this API's schema say: DRF's
        ``CharField`` would take the number 12 as "12" (found by tests/test_openapi_fuzz.py)."""
        if isinstance(data, Mapping):
            wrong = {
                name: [serializers.ErrorDetail("must be a string", code="invalid")]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and isinstance(data.get(name), int | float)
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer from a JSON number or a string of ASCII digits — nothing else.

    DRF's ``IntegerField`` takes what Python's ``int()`` takes after stripping spaces: "１００",
    "١٠٠", " 100", "00100", and floats such as ``1e2``. Money and counts come in whole, as
    written: a JSON integer, or digits without sign, spaces or leading zeros.
    """

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, str):
            if not is_canonical_integer(data):
                self.fail("invalid")
            if len(data) > self.MAX_STRING_LENGTH:
                self.fail("max_string_length")
            data = int(data)
        return super().to_internal_value(data)
