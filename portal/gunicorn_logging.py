"""gunicorn's access log without secrets (``logger_class`` in portal/gunicorn_conf.py).

gunicorn writes the request line with its query string, the Basic-auth user name and the
referer as they came. Here the user name is an API key (fincode's Basic scheme: the key is the
user name) and a query string or a referer may carry a card number or a token, so the access
log keeps the path only, never a user name, the referer without its query, and any card number
left in the path, the referer or the user agent masked.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from portal.logging import redact_pans


def _text(value: object) -> str:
    return redact_pans(value) if isinstance(value, str) else "-"


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = _text(environ.get("PATH_INFO", "-"))
        atoms["U"] = path
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        atoms["q"] = "-"
        atoms["u"] = "-"
        atoms["f"] = _text(environ.get("HTTP_REFERER", "-").split("?", 1)[0])
        atoms["a"] = _text(environ.get("HTTP_USER_AGENT", "-"))
        return atoms
