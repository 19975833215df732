"""The environment is read strictly: a value that cannot be read refuses to start, rather than
silently turning a protection off (``ADMIN_REQUIRE_OTP=Ture``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.environment import parse_bool


def settings_of(**env: str) -> subprocess.CompletedProcess:
    """The settings module evaluated in a fresh process with ``env`` (the apps are not loaded: a
    tenth of the time, and they read no environment)."""
    environment = {**os.environ, "PORTAL_ENV": "test", **env}
    code = "from django.conf import settings; print(settings.ADMIN_REQUIRE_OTP)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("value", ["Ture", "flase", "2", "enabled", "off-ish", "y"])
def test_a_misspelt_boolean_refuses_to_start(value):
    result = settings_of(ADMIN_REQUIRE_OTP=value)
    assert result.returncode != 0
    assert f"ADMIN_REQUIRE_OTP={value!r} is not a boolean" in result.stderr


@pytest.mark.parametrize(
    "value,expected", [("True", "True"), ("on", "True"), ("0", "False"), ("NO", "False")]
)
def test_booleans_in_every_usual_spelling(value, expected):
    result = settings_of(ADMIN_REQUIRE_OTP=value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_every_boolean_setting_is_strict():
    for name in ("DEBUG", "ADMISSION_ENABLED", "AXES_ENABLED", "CREDIT_EXPLAIN_TEST_MODE"):
        result = settings_of(**{name: "Ture"})
        assert result.returncode != 0, name
        assert "is not a boolean" in result.stderr


@pytest.mark.parametrize("raw", ["", "maybe", "tru e"])
def test_parse_bool_refuses(raw):
    with pytest.raises(ImproperlyConfigured):
        parse_bool("X", raw)
