"""The container image (Containerfile, compose.yaml, deploy/): its invariants read from the files,
and its read-only root filesystem tried for real on the product's web process.

No container engine runs on this machine, so the read-only test reproduces the image instead:
the application tree the build context leaves (.dockerignore), static files built as the
image builds them, the image's ENV with its paths moved under a temporary directory, and the
web role of deploy/entrypoint.sh. Requests then go through it, and the test asserts that nothing
was written outside the declared writable paths (/tmp and the uploads volume).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

import httpx
import pytest
import yaml

from tests import processes
from tests.processes import http_client

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
COMPOSE = ROOT / "compose.yaml"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
VENV_BIN = Path(sys.executable).parent
VENV = VENV_BIN.parent

COMPILERS = ("gcc", "g++", "cc", "clang", "build-essential", "make", "libc6-dev", "-dev ")
OUR_SERVICES = ("migrate", "web", "worker", "beat")
DECLARED = (PurePosixPath("/tmp"), PurePosixPath("/data"))  # tmpfs, the uploads volume


# --- reading the Containerfile -------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    """The build stages, each its instructions from its FROM on (global ARGs dropped)."""
    found: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions(CONTAINERFILE.read_text()):
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, rest))
    return found


def global_args() -> dict[str, str]:
    args = {}
    for keyword, rest in instructions(CONTAINERFILE.read_text()):
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in rest:
            name, value = rest.split("=", 1)
            args[name] = value
    return args


def base_images() -> list[str]:
    args = global_args()
    images = []
    for stage in stages():
        image = stage[0][1].split()[0]
        images.append(re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m[1], m[0]), image))
    return images


def final_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in stages()[-1]:
        if keyword == "ENV":
            for token in shlex.split(rest):
                name, _, value = token.partition("=")
                env[name] = value
    return env


def final(keyword: str) -> list[str]:
    return [rest for kw, rest in stages()[-1] if kw == keyword]


# --- the file's invariants ---------------------------------------------------------------------


def test_base_images_are_pinned_to_an_exact_python_release():
    images = base_images()
    assert len(images) >= 2
    for image in images:
        assert "latest" not in image
        name, _, tag = image.partition(":")
        assert name in {"python", "docker.io/library/python"}
        # python:3.11.N-slim-<debian> (or @sha256:…): a moving 3.11 or slim tag is refused
        assert re.fullmatch(r"3\.11\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", tag), image


def test_multi_stage_build_whose_final_stage_has_no_compilers():
    all_stages = stages()
    assert len(all_stages) >= 2
    builder, runtime = all_stages[0], all_stages[-1]
    assert any("build-essential" in rest for kw, rest in builder if kw == "RUN")
    assert any("pip wheel" in rest and "requirements.lock" in rest for kw, rest in builder if kw == "RUN")
    for command in final("RUN"):
        assert "apt-get install" not in command and "apk add" not in command
        for compiler in COMPILERS:
            assert compiler not in f"{command} ", (compiler, command)
    # from the builder only the virtual environment comes over, not its toolchain
    copies_from = [rest for rest in final("COPY") if rest.startswith("--from=")]
    assert copies_from == ["--from=builder /opt/venv /opt/venv"]
    assert runtime[0][1].split()[0] == all_stages[0][0][1].split()[0]  # same base, same interpreter


def test_final_stage_runs_as_a_fixed_non_root_user():
    users = final("USER")
    assert len(users) == 1
    uid, _, gid = users[0].partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and gid == uid
    created = " ".join(final("RUN"))
    assert f"--uid {uid}" in created and f"--gid {gid}" in created
    # every instruction after USER runs unprivileged: none of them installs or writes anything
    after = [kw for kw, _ in stages()[-1]][[kw for kw, _ in stages()[-1]].index("USER") :]
    assert "RUN" not in after and "COPY" not in after


def test_healthcheck_calls_healthz_with_python():
    (check,) = final("HEALTHCHECK")
    command = check.split("CMD", 1)[1].strip()
    assert command.startswith('["python"')
    script = ROOT / "deploy" / "healthcheck.py"
    assert f"/app/deploy/{script.name}" in command
    assert "/healthz" in script.read_text()
    assert "curl" not in check and "wget" not in check


def test_writable_paths_point_at_tmp_or_the_uploads_volume_and_static_files_are_built_in():
    env = final_env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PORTAL_ENV"] == "production"
    for name in (
        "PORTAL_VAR_DIR", "MEDIA_ROOT", "CREDIT_MODEL_DIR", "CELERY_BEAT_SCHEDULE_FILENAME",
        "HOME", "XDG_CACHE_HOME",
    ):  # fmt: skip
        path = PurePosixPath(env[name])
        assert any(path == d or d in path.parents for d in DECLARED), (name, path)
    assert final("VOLUME") == ['["/data"]']
    # static files: collected at build time into the (read-only) application directory
    static_root = PurePosixPath(env["STATIC_ROOT"])
    assert PurePosixPath("/app") in static_root.parents
    assert any("entrypoint.sh collectstatic" in run for run in final("RUN"))
    assert any("compileall" in run for run in final("RUN"))
    assert final("ENTRYPOINT") == ['["/app/deploy/entrypoint.sh"]']


def test_entrypoint_roles():
    text = ENTRYPOINT.read_text()
    assert os.access(ENTRYPOINT, os.X_OK)
    roles = set(re.findall(r"^\s+([a-z]+)\)$", text, flags=re.MULTILINE))
    assert {"web", "worker", "beat", "migrate", "collectstatic", "manage"} <= roles
    assert "gunicorn portal.wsgi --config python:portal.gunicorn_conf" in text
    assert "celery -A portal beat" in text and '--schedule "$CELERY_BEAT_SCHEDULE_FILENAME"' in text
    result = subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_dockerignore_keeps_state_secrets_and_tooling_out():
    patterns = dockerignore()
    for name in (".git", ".venv", "var", "tests", ".env", "**/__pycache__", "**/node_modules"):
        assert name in patterns


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_the_whole_product_read_only():
    spec = compose()
    services = spec["services"]
    assert set(services) >= {"postgres", "redis", "rabbitmq", *OUR_SERVICES}
    for name in ("postgres", "redis", "rabbitmq"):
        image = services[name]["image"]
        assert re.search(r":\d+\.\d+[.\d]*(-[a-z]+)?$", image) and "latest" not in image, image
        assert services[name]["healthcheck"]["test"]
    for name in ("postgres", "redis"):
        assert services[name]["read_only"] is True and "/tmp" in services[name]["tmpfs"]
    for name in OUR_SERVICES:
        service = services[name]
        assert service["read_only"] is True, name
        assert any(str(t).split(":")[0] == "/tmp" for t in service["tmpfs"]), name
        assert "uploads:/data" in service["volumes"], name
        assert service["user"] == "10001:10001"
        assert service["build"]["dockerfile"] == "Containerfile"
        assert service["command"][0] == name
    assert "uploads" in spec["volumes"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["healthcheck"]["test"]
    assert "healthcheck.py" in " ".join(services["web"]["healthcheck"]["test"])
    env = services["web"]["environment"]
    assert env["PORTAL_ENV"] == "production"
    assert env["CELERY_BROKER_URL"].startswith("amqp://") and "@rabbitmq:" in env["CELERY_BROKER_URL"]
    assert "@postgres:" in env["DATABASE_URL"] and "redis:6379" in env["REDIS_URL"]
    # the beat schedule goes where beat may write
    assert "/tmp/" in final_env()["CELERY_BEAT_SCHEDULE_FILENAME"]


# --- the read-only root filesystem, for real ---------------------------------------------------


def dockerignore() -> list[str]:
    lines = (line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines())
    return [line.rstrip("/") for line in lines if line and not line.startswith("#")]


def ignored(relative: PurePosixPath, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern.startswith("**/"):
            if fnmatch.fnmatch(relative.name, pattern[3:]):
                return True
        elif fnmatch.fnmatch(str(relative), pattern):
            return True
    return False


def build_context(destination: Path) -> None:
    """Copy what `COPY . .` brings into the image: the repository less .dockerignore."""
    patterns = dockerignore()
    for directory, dirs, files in os.walk(ROOT):
        here = PurePosixPath(Path(directory).relative_to(ROOT).as_posix())
        dirs[:] = [
            d for d in dirs if not ignored(here / d if str(here) != "." else PurePosixPath(d), patterns)
        ]
        for name in files:
            relative = here / name if str(here) != "." else PurePosixPath(name)
            if not ignored(relative, patterns):
                target = destination / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(directory) / name, target)


def snapshot(tree: Path, *, directories_only: bool = False) -> dict[str, tuple[int, int]]:
    """(mtime, size) of everything under ``tree``; of its directories only when that is enough
    (a file created, renamed or removed — a .pyc, say — changes its directory's mtime)."""
    state: dict[str, tuple[int, int]] = {}
    for directory, dirs, files in os.walk(tree):
        for name in dirs if directories_only else dirs + files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            state[path] = (info.st_mtime_ns, info.st_size)
    return state


def changes(before: dict, after: dict) -> list[str]:
    return sorted(
        [f"new {p}" for p in after.keys() - before.keys()]
        + [f"removed {p}" for p in before.keys() - after.keys()]
        + [f"changed {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
    )


def state(app: Path) -> tuple[dict, dict]:
    """The image's read-only trees: /app in full, /opt/venv by its directories."""
    return snapshot(app), snapshot(VENV, directories_only=True)


def written(before: tuple[dict, dict], after: tuple[dict, dict]) -> list[str]:
    """What changed in /app, and the bytecode written into the venv's existing packages (other
    engineers may install packages into this shared venv meanwhile: new packages are theirs)."""
    venv_before = before[1]
    in_venv = []
    for change in changes(venv_before, after[1]):
        package = change.split(" ", 1)[1].split("/__pycache__")[0]
        if "/__pycache__" in change and package in venv_before:
            in_venv.append(change)
    return changes(before[0], after[0]) + in_venv


def container_env(tmp_path: Path, app: Path) -> dict[str, str]:
    """The image's ENV, its /tmp, /data, /app and /opt/venv moved to this test's directories."""
    moves = {"/tmp": tmp_path / "tmp", "/data": tmp_path / "data", "/app": app, "/opt/venv": VENV}

    def moved(value: str) -> str:
        for prefix, target in moves.items():
            value = re.sub(rf"(?<![\w/]){re.escape(prefix)}(?=/|$|:)", str(target), value)
        return value

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_", "PYTHONPYCACHEPREFIX"))}
    for name, value in final_env().items():
        env[name] = moved(value.replace("$PATH", os.environ["PATH"]))
    env["TMPDIR"] = str(tmp_path / "tmp")
    return env


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """The image's /app: the build context, and static files built as the Containerfile does."""
    build = tmp_path_factory.mktemp("image")
    app = build / "app"
    build_context(app)
    env = container_env(build, app)
    assert env["PORTAL_ENV"] == "production" and env["STATIC_ROOT"] == str(app / "staticfiles")
    built = subprocess.run(
        [str(app / "deploy" / "entrypoint.sh"), "collectstatic"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return app


def container(tmp_path: Path, app: Path) -> dict[str, str]:
    """A container's environment, with its own empty /tmp and uploads volume."""
    for declared in ("tmp", "data/media", "data/models"):
        (tmp_path / declared).mkdir(parents=True)
    return container_env(tmp_path, app)


# What production refuses to start without; the services are the tests' own.
PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "A-very-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "CARD_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
    "CARD_HASH_KEY": "B" * 43 + "=",
    "METRICS_TOKEN": "m" * 40,
    "SECURE_SSL_REDIRECT": "false",
    "BEHIND_TLS_PROXY": "false",
}


def services() -> dict[str, str]:
    return {
        "DATABASE_URL": processes.test_database_url(),
        "REDIS_URL": processes.settings.REDIS_URL,
        "CELERY_BROKER_URL": processes.test_broker_url(),
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_web_role_writes_nothing_outside_tmp_and_the_uploads_volume(tmp_path, image, merchant, applicant):
    app = image
    env = container(tmp_path, app)
    manifest = (app / "staticfiles" / "staticfiles.json").read_text()

    port = processes.free_port()
    token = PRODUCTION["METRICS_TOKEN"]
    env.update(
        PRODUCTION,
        **services(),
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        WEB_THREADS="4",
        WEB_ACCESS_LOG="",
        DB_CONN_MAX_AGE="0",
    )
    before = state(app)
    web = processes.spawn([str(app / "deploy" / "entrypoint.sh"), "web"], env, tmp_path / "tmp" / "web.log")
    url = f"http://127.0.0.1:{port}"
    try:
        with http_client(base_url=url, timeout=10) as client:
            for _ in range(300):
                if web.process.poll() is not None:
                    pytest.fail(f"web exited:\n{web.log()}")
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            else:
                pytest.fail(f"web did not start:\n{web.log()}")

            assert client.get("/readyz").status_code == 200, web.log()
            metrics = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
            assert metrics.status_code == 200
            # a built-in static file, by its hashed name
            hashed = re.search(r'"(portal/[^"]+\.css)"\s*:\s*"([^"]+)"', manifest)
            assert hashed, manifest[:500]
            static = client.get(f"/static/{hashed[2]}")
            assert static.status_code == 200 and static.headers["cache-control"].startswith("max-age=")

            api = {"Authorization": f"Bearer {merchant.test_secret}"}
            created = client.post(
                "/v1/payments", json={"pay_type": "Card", "job_code": "AUTH", "amount": "1500"}, headers=api
            )
            assert created.status_code == 200, created.text
            payment = created.json()
            assert payment["id"] and payment["status"] == "UNPROCESSED" and payment["amount"] == 1500
            read = client.get(f"/v1/payments/{payment['id']}", params={"pay_type": "Card"}, headers=api)
            assert read.status_code == 200 and read.json()["id"] == payment["id"]

            # an upload goes to the volume (MEDIA_ROOT)
            png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40
            uploaded = client.post(
                "/v1/onboarding/application/documents",
                files={"file": ("scan.png", png, "image/png")},
                data={"kind": "registry"},
                headers={"Authorization": f"Bearer {applicant.test_secret}"},
            )
            assert uploaded.status_code == 201, uploaded.text

            # the image's HEALTHCHECK command, against this server
            check = subprocess.run(
                [sys.executable, str(app / "deploy" / "healthcheck.py")],
                env=env, capture_output=True, text=True, timeout=10, check=False,
            )  # fmt: skip
            assert check.returncode == 0, check.stderr
    finally:
        web.stop()

    assert written(before, state(app)) == []
    # …and what it did write went to the declared places
    stored = [p for p in (tmp_path / "data" / "media").rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == png
    assert list((Path(env["PORTAL_VAR_DIR"]) / "prometheus").glob("*.db"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_migrate_worker_and_beat_roles_write_nothing_outside_tmp_and_the_uploads_volume(tmp_path, image):
    app = image
    env = container(tmp_path, app)
    # beat's shortest schedule, the webhook sweep (10 s), every second here: the wait is for a
    # task to go from beat through the broker to the worker, not for the clock
    env.update(
        PRODUCTION, **services(), CELERY_CONCURRENCY="1", DB_CONN_MAX_AGE="0", WEBHOOK_SWEEP_SECONDS="1"
    )
    entrypoint = str(app / "deploy" / "entrypoint.sh")
    processes.purge_broker()
    before = state(app)

    worker = processes.spawn(
        [entrypoint, "worker", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env, tmp_path / "tmp" / "worker.log",
    )  # fmt: skip
    beat = processes.spawn([entrypoint, "beat"], env, tmp_path / "tmp" / "beat.log")
    schedule = Path(env["CELERY_BEAT_SCHEDULE_FILENAME"])
    try:
        # while they start (the test database is migrated already), the one-shot migrate
        # service: migrations, then a credit model onto the volume
        migrated = subprocess.run(
            [entrypoint, "migrate", "--samples", "2000"],
            env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert [p.suffix for p in (tmp_path / "data" / "models").iterdir()] == [".joblib"]

        # beat queues the webhook sweep; the worker runs it
        deadline = time.monotonic() + 60
        while not re.search(r"Task payments\.webhooks\.sweep\[[\w-]+\] succeeded", worker.log()):
            for proc in (worker, beat):
                if proc.process.poll() is not None:
                    pytest.fail(f"exited:\n{proc.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no task ran:\n{worker.log()}\n{beat.log()}")
            time.sleep(0.2)
    finally:
        beat.stop(graceful=False)
        worker.stop(graceful=False)
        processes.purge_broker()

    assert written(before, state(app)) == []
    assert list(schedule.parent.glob(schedule.name + "*"))  # beat's state: in /tmp
