"""Reading the environment strictly: a setting that cannot be read refuses to start.

django-environ reads any boolean it does not recognise as False, so ``ADMIN_REQUIRE_OTP=Ture``
would silently turn two-factor sign-in off. ``StrictEnv.bool`` accepts the usual spellings and
refuses everything else (as Healthchecks' ``envbool`` does); an empty value means "not set".
"""

from __future__ import annotations

import os

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of true/false, yes/no, on/off, 1/0")


class StrictEnv(environ.Env):
    def bool(self, var, default=environ.Env.NOTSET):  # type: ignore[override]
        raw = os.environ.get(var)
        if raw is None or not raw.strip():
            if default is environ.Env.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable")
            return default
        return parse_bool(var, raw)
