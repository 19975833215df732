"""``GET /v1/openapi.json`` is generated once per process for each language and media type
(``portal/api/schema.py``): anyone may call it without a key, and each generation costs
~200 ms of CPU for a ~1 MB answer."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from portal.api.schema import SchemaView

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(monkeypatch) -> list[str]:
    """The language of each schema generation, from an empty store of kept answers."""
    languages: list[str] = []

    class Counting(SchemaView.generator_class):  # type: ignore[name-defined,misc]
        def get_schema(self, *args, **kwargs):
            languages.append(translation.get_language())
            return super().get_schema(*args, **kwargs)

    monkeypatch.setattr(SchemaView, "generator_class", Counting)
    monkeypatch.setattr(SchemaView, "answers", {})
    return languages


def test_the_schema_is_generated_once_per_language_and_media_type(client, generated):
    first = client.get("/v1/openapi.json")
    again = client.get("/v1/openapi.json")
    japanese = client.get("/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="ja")
    asked = client.get("/v1/openapi.json?lang=ja")
    plain = client.get("/v1/openapi.json", HTTP_ACCEPT="application/json")

    assert generated == ["en", "ja", "en"]
    assert first.content == again.content and japanese.content == asked.content
    assert first.content != japanese.content  # the descriptions are translated
    assert json.loads(plain.content) == json.loads(first.content)
    assert first["Content-Type"] == again["Content-Type"] == "application/vnd.oai.openapi+json"
    assert plain["Content-Type"].startswith("application/json")
    for answer in (first, again):  # a kept answer says what a generated one says
        assert answer["Content-Disposition"] == 'inline; filename="Merchant Portal API.json"'
        assert answer["Cache-Control"] == "no-store"
        assert {"Accept", "Accept-Language"} <= {v.strip() for v in answer["Vary"].split(",")}


@pytest.mark.parametrize("query", ["?version=9", "?lang=xx", "?lang=" + "x" * 5000, "?lang=../../etc"])
def test_a_version_or_an_unsupported_language_is_refused_and_generates_nothing(client, generated, query):
    # Each would otherwise be a schema of its own: a fresh ~200 ms generation per request.
    answer = client.get("/v1/openapi.json" + query)
    assert answer.status_code == 400
    assert [e["error_code"] for e in answer.json()["errors"]] == ["E0000000400"]
    assert generated == [] and SchemaView.answers == {}


def test_a_supported_language_variant_shares_its_languages_answer(client, generated):
    assert client.get("/v1/openapi.json?lang=ja-JP").status_code == 200
    assert client.get("/v1/openapi.json?lang=ja").status_code == 200
    assert generated == ["ja-jp"]
