"""Settings shared by every environment, read from the environment through django-environ.

A wrong value fails at start with a message that names the variable, so a typo in a
deployment never turns into a silently different configuration.
"""

import base64
from pathlib import Path
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

_SUPPORTED_DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
_SUPPORTED_BROKER_SCHEMES = {"redis", "rediss"}


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def _int(name: str, default: int) -> int:
    raw = env.str(name, default=str(default))
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def database_from_env(default: str) -> dict:
    """The DATABASES['default'] entry from DATABASE_URL, refusing schemes we do not run on."""
    url = env.str("DATABASE_URL", default=default)
    scheme = urlsplit(url).scheme
    if scheme not in _SUPPORTED_DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with sqlite:/// or postgres://, not {url!r}."
        )
    config = environ.Env.db_url_config(url)
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL names no database: {url!r}.")
    config["ATOMIC_REQUESTS"] = False
    if scheme == "sqlite":
        # WAL and a busy timeout let the dev server and an in-process worker share the file.
        config["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    else:
        config["CONN_MAX_AGE"] = _int("DATABASE_CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


def broker_from_env() -> str:
    """CELERY_BROKER_URL, else REDIS_URL, else '' (tasks then run eagerly in-process)."""
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        url = env.str(name, default="")
        if url:
            if urlsplit(url).scheme not in _SUPPORTED_BROKER_SCHEMES:
                raise ImproperlyConfigured(f"{name} must be a redis:// URL, not {url!r}.")
            return url
    return ""


def field_encryption_keys_from_env() -> list[str]:
    """PORTAL_FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys, newest first. The first
    encrypts, all decrypt, so a key is rotated by adding the new one in front. Empty when
    unset: dev and test settings then derive one, production refuses to start."""
    raw = env.list("PORTAL_FIELD_ENCRYPTION_KEYS", default=[])
    keys = [key.strip() for key in raw if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            # Never echo the value: it is a secret.
            raise ImproperlyConfigured(
                f"PORTAL_FIELD_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe "
                'base64-encoded bytes; make one with `python -c "from cryptography.fernet '
                'import Fernet; print(Fernet.generate_key().decode())"`).'
            ) from None
    return keys


def field_encryption_key_from_secret(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY (HKDF-SHA256), for dev and test settings only:
    the demo and the tests need no extra variable, and the same SECRET_KEY keeps reading
    what it encrypted. Production sets PORTAL_FIELD_ENCRYPTION_KEYS itself."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"supplier-portal field encryption"
    )
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode("ascii")


DEBUG = _bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "suppliers",
    "inventory",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "portal.middleware.RejectNulCharactersMiddleware",
    "portal.middleware.CorrelationIdMiddleware",
    # Inside the correlation id: the request's log line carries it (issue 20).
    "portal.observability.RequestMetricsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The user's language and time zone (from the user row already loaded), for all below.
    "portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication: users whose role needs MFA set it up before anything else.
    "portal.mfa.MfaRequiredMiddleware",
    # Innermost: in DEBUG (the demo) a view's 404 shows 404.html, not the technical page.
    "portal.middleware.FriendlyNotFoundMiddleware",
]

# Content-Security-Policy of every response (portal.middleware.SecurityHeadersMiddleware):
# scripts only from our own static files, never inline nor eval'd (htmx is told so by the
# htmx-config meta tag in _base.html). Inline styles stay allowed: a few style attributes
# (chart colours) and the admin's and Swagger UI's own need them, and a style cannot run code.
PORTAL_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features the portal never uses, switched off for it and anything it embeds.
PORTAL_PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.navigation.navigation",
                "portal.notification_views.notification_badge",
            ],
        },
    }
]

DATABASES = {"default": database_from_env(f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
# The list pages' per-request statements are prepared once per connection on PostgreSQL
# (integrations/prepared_sql.py); 0 behind a pooler that does not keep prepared statements.
DATABASE_PREPARED_STATEMENTS = _bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # allauth's, loading user, supplier membership and roles in one query per request.
    "portal.auth_backends.PortalAuthenticationBackend",
    # Sessions store the path of the backend that signed them in: these two keep sessions
    # from before the portal backend valid. Drop them once those have expired
    # (SESSION_COOKIE_AGE, two weeks).
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email is the login, there is no username, and accounts are created by
# invitation (onboarding), never by open sign-up.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "portal.accounts.AccountAdapter"
ACCOUNT_FORMS = {"signup": "portal.accounts.InvitationSignupForm"}
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Login throttling by account and by address (issue 18). An account takes 5 wrong
# passwords in 5 minutes, whoever sends them; an address takes 100 a minute across all
# accounts, and 300 sign-ins: an office behind one NAT address is not locked out by one
# colleague's typos, while a password sprayer is still slowed down.
ACCOUNT_RATE_LIMITS = {
    "login": env.str("PORTAL_LOGIN_RATE", default="300/m/ip"),
    "login_failed": env.str("PORTAL_LOGIN_FAILED_RATE", default="5/5m/key,100/m/ip"),
}

# MFA (allauth.mfa): TOTP with recovery codes. Required for supplier admins, buyers,
# integration operators and portal admins (portal.mfa.MfaRequiredMiddleware).
PORTAL_MFA_REQUIRED = _bool("PORTAL_MFA_REQUIRED", True)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Supplier Portal"
# Accept the code of the neighbouring 30-second period too: a code typed as the period
# turns over (or a phone clock a few seconds off) is not refused.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "portal.mfa.MfaAdapter"
# Onboarding: invitation links expire after this many days; document upload limit.
PORTAL_INVITATION_DAYS = _int("PORTAL_INVITATION_DAYS", 7)
PORTAL_DOCUMENT_MAX_MB = _int("PORTAL_DOCUMENT_MAX_MB", 10)
# Keys of the fields encrypted at rest (bank account numbers): suppliers/models/fields.py.
PORTAL_FIELD_ENCRYPTION_KEYS = field_encryption_keys_from_env()

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Supplier Portal <portal@localhost>")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = _int("EMAIL_PORT", 25)
# Where the file-based backend writes mail (`make demo` uses it: var/mail/, README).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))

# Languages and time zones (docs/architecture.md "Languages and time zones"): English is
# the default; a signed-in user's profile chooses the language and time zone of every page
# (portal.middleware.UserLanguageMiddleware), else the browser's Accept-Language. The API
# and log lines stay English. TIME_ZONE is the portal's zone for users who chose none.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
# The project catalog; each app's own (suppliers/locale) is found by Django itself.
LOCALE_PATHS = [BASE_DIR / "locale"]
# Input formats with ISO 8601 first, for <input type="date"> (portal/formats/__init__.py).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

REDIS_URL = env.str("REDIS_URL", default="")
# Redis is a cache, never the record (DESIGN §1): portal.cache.FailOpenRedisCache answers
# a miss when Redis is unreachable, so an outage costs throttling accuracy and speed, not
# availability (issue 18). Short socket timeouts keep a hung Redis from hanging requests.
REDIS_TIMEOUT_SECONDS = float(_int("REDIS_TIMEOUT_MS", 500)) / 1000
CACHES = {
    "default": (
        {
            "BACKEND": "portal.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "RETRY_AFTER_SECONDS": _int("REDIS_RETRY_AFTER_SECONDS", 5),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions live in the database (the record: they survive losing Redis, issue 18) and are
# read through the cache (issue 24: no session query per signed-in request). A cached
# copy lives at most SESSION_CACHE_SECONDS, which bounds how long a session ended while
# Redis was unreachable can come back with it (portal/sessions.py); 0: database only.
SESSION_ENGINE = "portal.sessions"
SESSION_CACHE_SECONDS = _int("SESSION_CACHE_SECONDS", 300)
# The signed-in user's row (user, membership, supplier, group names) is kept per process
# under a generation replaced by every change (portal/auth_cache.py); this bounds a kept
# row's age for a change made while Redis was unreachable. 0: read on every request, the
# default without Redis (a process-local cache cannot tell other processes of a change).
AUTH_USER_CACHE_SECONDS = _int("AUTH_USER_CACHE_SECONDS", 60 if REDIS_URL else 0)

# Celery (DESIGN §5): acks late + reject on worker lost + prefetch 1, so a killed worker's
# task is redelivered rather than lost. Without a broker, tasks run eagerly in-process.
CELERY_BROKER_URL = broker_from_env()
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker and beat outlive a broker outage (issue 18; proven by
# tests/integrations/test_worker_survives_broker_restart.py): reconnect forever (Celery's
# default gives up after 100 tries and the worker exits), notice a broker that vanished
# without closing the connection (failover, NAT) through socket timeouts and health checks
# instead of waiting on it forever, and let a task running at the loss finish: its result is
# in the database, and the redelivered message finds nothing left to do (tasks take ids and
# are idempotent). What was queued in a Redis restarted empty is re-sent by the sweeper.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# kombu's Redis transport without the worker's crash on a lost connection (portal/broker.py).
CELERY_BROKER_TRANSPORT = "portal.broker:Transport" if CELERY_BROKER_URL else None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 5,
    "socket_timeout": 10,
    "socket_keepalive": True,
    "health_check_interval": 25,
}
CELERY_BEAT_SCHEDULE: dict = {
    # Placeholder: the outbox sweeper, reconciliation and reminders register here.
    "portal-heartbeat": {"task": "portal.tasks.heartbeat", "schedule": 60.0},
    # The outbox sweeper (DESIGN §5): expired leases, lost messages, due retries.
    "integrations-outbox-sweep": {
        "task": "integrations.outbox_sweep",
        "schedule": float(_int("OUTBOX_SWEEP_SECONDS", 30)),
    },
    # EDI partner files from each trading partner's inbound folder (issue 10).
    "suppliers-edi-inbound-folders": {
        "task": "suppliers.edi_poll_inbound_folders",
        "schedule": float(_int("EDI_POLL_SECONDS", 60)),
    },
    # Daily chase of overdue PO acknowledgments (at most one reminder per PO per day).
    "suppliers-acknowledgment-reminders": {
        "task": "suppliers.send_acknowledgment_reminders",
        "schedule": 24 * 60 * 60.0,
    },
    # Daily: warn suppliers 30 days before a document expires, flag expired ones to buyers.
    "suppliers-document-expiry": {
        "task": "suppliers.check_document_expiry",
        "schedule": 24 * 60 * 60.0,
    },
    # Tryton ERP pulls (no-ops without an enabled `tryton` connector).
    "suppliers-tryton-purchases": {
        "task": "suppliers.pull_tryton_purchases",
        "schedule": float(_int("TRYTON_PULL_SECONDS", 120)),
    },
    "suppliers-tryton-receipts": {
        "task": "suppliers.pull_tryton_receipts",
        "schedule": float(_int("TRYTON_PULL_SECONDS", 120)),
    },
    "suppliers-tryton-invoices": {
        "task": "suppliers.pull_tryton_invoices",
        "schedule": float(_int("TRYTON_PULL_SECONDS", 120)),
    },
    "suppliers-tryton-stock": {"task": "suppliers.pull_tryton_stock", "schedule": 3600.0},
    "suppliers-tryton-stock-moves": {
        "task": "suppliers.pull_tryton_stock_moves",
        "schedule": float(_int("TRYTON_PULL_SECONDS", 120)),
    },
}
# Daily purge of rows past their retention (integrations/services/retention.py), in
# batches of RETENTION_BATCH_SIZE rows. Days (0 keeps forever); the API request log and
# idempotency records keep API_REQUEST_LOG_DAYS and API_IDEMPOTENCY_HOURS (below).
RETENTION_OUTBOX_DAYS = _int("RETENTION_OUTBOX_DAYS", 90)
RETENTION_INBOUND_DAYS = _int("RETENTION_INBOUND_DAYS", 365)
RETENTION_AUDIT_DAYS = _int("RETENTION_AUDIT_DAYS", 7 * 366)
RETENTION_BATCH_SIZE = _int("RETENTION_BATCH_SIZE", 2000)
CELERY_BEAT_SCHEDULE["integrations-retention-purge"] = {
    "task": "integrations.retention_purge",
    "schedule": 24 * 60 * 60.0,
}
# Nightly reconciliation at the time set in ReconciliationSchedule (admin): checked every
# 5 minutes. Exceptions past their SLA are escalated hourly; stale availability daily.
CELERY_BEAT_SCHEDULE["inventory-reconcile-nightly"] = {
    "task": "inventory.reconcile_nightly_if_due",
    "schedule": 300.0,
}
# Movement streams whose sequence gap has waited past the timeout (issue 22).
CELERY_BEAT_SCHEDULE["inventory-movements-release-gaps"] = {
    "task": "inventory.movements_release_gaps",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["integrations-escalate-exceptions"] = {
    "task": "integrations.escalate_exceptions",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["suppliers-refresh-inbound-positions"] = {
    "task": "suppliers.refresh_inbound_positions",
    "schedule": 3600.0,
}
# The inbound schedule's read model, compared with its definition and repaired per PO.
CELERY_BEAT_SCHEDULE["suppliers-repair-inbound-rows"] = {
    "task": "suppliers.repair_inbound_rows",
    "schedule": 3600.0,
}
# Invoices on hold whose PO lines changed (a receipt, a PO revision) are matched again.
CELERY_BEAT_SCHEDULE["suppliers-rematch-invoices"] = {
    "task": "suppliers.rematch_invoices",
    "schedule": 300.0,
}
# Service levels (portal.slos): a fast burn of a workflow's error budget opens an exception.
CELERY_BEAT_SCHEDULE["portal-check-slos"] = {"task": "portal.check_slos", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["suppliers-stale-availability"] = {
    "task": "suppliers.check_stale_availability",
    "schedule": 24 * 60 * 60.0,
}
# Notifications (portal.notifications): the daily digest, and every 5 minutes the e-mails
# due at once that a broker outage kept from their after-commit task.
CELERY_BEAT_SCHEDULE["portal-notification-digest"] = {
    "task": "portal.notification_digest",
    "schedule": 24 * 60 * 60.0,
}
CELERY_BEAT_SCHEDULE["portal-send-notifications"] = {
    "task": "portal.send_notifications",
    "schedule": 300.0,
}

# Every CSV/XLSX upload is read by integrations.spreadsheets within these limits (issue 18):
# an XLSX unpacking past the size, or compressed past the ratio, is refused unopened.
PORTAL_UPLOAD_MAX_MB = _int("PORTAL_UPLOAD_MAX_MB", 5)
PORTAL_UPLOAD_MAX_ROWS = _int("PORTAL_UPLOAD_MAX_ROWS", 20_000)
PORTAL_UPLOAD_MAX_COLUMNS = _int("PORTAL_UPLOAD_MAX_COLUMNS", 50)
PORTAL_UPLOAD_MAX_UNPACKED_MB = _int("PORTAL_UPLOAD_MAX_UNPACKED_MB", 50)
PORTAL_UPLOAD_MAX_COMPRESSION_RATIO = _int("PORTAL_UPLOAD_MAX_COMPRESSION_RATIO", 100)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

PORTAL_PAGE_SIZE = _int("PORTAL_PAGE_SIZE", 25)
# Absolute links in emails.
PORTAL_SITE_URL = env.str("PORTAL_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The daily task reminds suppliers of POs this many hours past their acknowledgment due time.
PORTAL_ACK_REMINDER_AFTER_HOURS = _int("PORTAL_ACK_REMINDER_AFTER_HOURS", 24)
# EDI (issue 17): an inbound interchange whose sender and ISA13 were processed within this
# many days is a resend (acknowledged again, applied once); past it, EDI files and
# interchanges have done their job (the daily retention purge, integrations.services.retention).
EDI_DUPLICATE_WINDOW_DAYS = _int("EDI_DUPLICATE_WINDOW_DAYS", 365)
if EDI_DUPLICATE_WINDOW_DAYS < 1:
    raise ImproperlyConfigured("EDI_DUPLICATE_WINDOW_DAYS must be at least 1.")

# Public REST API v1 (issue 9): Bearer API keys only, problem JSON errors, per-key and
# per-supplier throttles in the default cache (Redis in production).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["integrations.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.api.auth.HasApiKey"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["integrations.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "integrations.api.throttling.ApiKeyRateThrottle",
        "integrations.api.throttling.TenantRateThrottle",
    ],
    "EXCEPTION_HANDLER": "integrations.api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "integrations.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
API_THROTTLE_KEY_RATE = env.str("API_THROTTLE_KEY_RATE", default="600/min")
API_THROTTLE_TENANT_RATE = env.str("API_THROTTLE_TENANT_RATE", default="1200/min")
API_IDEMPOTENCY_HOURS = _int("API_IDEMPOTENCY_HOURS", 24)
API_REQUEST_LOG_DAYS = _int("API_REQUEST_LOG_DAYS", 90)
# Successful API reads keep no request-log row but this share of them (0 to 1), sampled
# by request id; writes and errors always keep theirs. Every request logs a line (issue 24).
API_REQUEST_LOG_READ_SAMPLE = float(env.str("API_REQUEST_LOG_READ_SAMPLE", default="0.01"))
API_MAX_BODY_BYTES = _int("API_MAX_BODY_BYTES", 5 * 1024 * 1024)
# JSON nested deeper than this is a 400 (ours nest 3 levels; Python's decoder recurses).
API_MAX_JSON_DEPTH = _int("API_MAX_JSON_DEPTH", 64)
# Raw stock files (POST /api/v1/stock-snapshots) are streamed to disk, not held in memory.
API_MAX_UPLOAD_BYTES = _int("API_MAX_UPLOAD_BYTES", 512 * 1024 * 1024)
# 10,000 availability items in one JSON body exceed Django's 2.5 MB default.
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
SPECTACULAR_SETTINGS = {
    "TITLE": "Supplier Portal API",
    "DESCRIPTION": "See integrations/api/docs.md (rendered in the docs page).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PurchaseOrderStatusEnum": "suppliers.models.PurchaseOrder.Status",
        "AsnStatusEnum": "suppliers.models.Shipment.Status",
        "AcknowledgmentStatusEnum": "suppliers.models.Acknowledgment.Status",
        "InvoiceStatusEnum": "suppliers.models.Invoice.Status",
        "InvoiceKindEnum": "suppliers.models.Invoice.Kind",
        "InvoiceLineKindEnum": "suppliers.models.InvoiceLine.Kind",
    },
    "PREPROCESSING_HOOKS": ["integrations.api.schema.only_api_v1"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.api.schema.add_problem_responses",
    ],
}

# Observability (issue 20, docs/architecture.md "Observability").
# /metrics: with PORTAL_METRICS_TOKEN set, only `Authorization: Bearer <token>` reads it;
# without one, only loopback addresses (a scraper on the same host), unless switched off.
PORTAL_METRICS_TOKEN = env.str("PORTAL_METRICS_TOKEN", default="")
PORTAL_METRICS_ALLOW_LOOPBACK = _bool("PORTAL_METRICS_ALLOW_LOOPBACK", True)
# /readyz: a worker heartbeat older than this is "missing"; beat's heartbeat task runs
# every 60 s, so three missed ticks. With PORTAL_READYZ_HEARTBEATS on (production), a
# missing worker or beat makes the answer "degraded"; off, they are only reported.
PORTAL_WORKER_HEARTBEAT_MAX_AGE = _int("PORTAL_WORKER_HEARTBEAT_MAX_AGE", 60)
PORTAL_BEAT_HEARTBEAT_MAX_AGE = _int("PORTAL_BEAT_HEARTBEAT_MAX_AGE", 180)
PORTAL_READYZ_HEARTBEATS = _bool("PORTAL_READYZ_HEARTBEATS", False)

# Logs: one JSON object per line in production (LOG_FORMAT=json), readable lines in
# development; every line carries the correlation id (portal.logs).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation_id": {"()": "portal.logs.CorrelationIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {"()": "portal.logs.PortalJsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["correlation_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task is noise; delivery attempts are recorded in the database.
        "celery.app.trace": {"level": "WARNING"},
    },
}
