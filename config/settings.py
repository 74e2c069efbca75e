"""Casusregie settings: one module, driven by environment variables.

Every variable is documented in docs/configuration.md. ``CASUSREGIE_MODE`` selects the mode:

- ``production`` (default): every secret must be given; DEBUG off, secure cookies, HSTS, CSP.
- ``demo``: one machine, plain HTTP on 127.0.0.1; keys are generated into ``var/keys``.
- ``test``: used by the test suite, which supplies its own throw-away keys.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_int, env_list, env_required

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

MODE = env("CASUSREGIE_MODE", "production")
if MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(
        f"CASUSREGIE_MODE moet production, demo of test zijn, niet {MODE!r}."
    )
DEMO = MODE == "demo"
TESTING = MODE == "test"
PRODUCTION = MODE == "production"

VAR_DIR = Path(env("CASUSREGIE_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

if DEMO:
    # A single-machine installation keeps its keys in a git-ignored folder, made on first run.
    from core.keygen import ensure_local_keys

    for _name, _path in ensure_local_keys(VAR_DIR / "keys").items():
        if not env(_name.upper()):
            os.environ[f"{_name.upper()}_FILE"] = str(_path)
elif TESTING:
    # Throw-away keys for one test run, shared with the worker processes the tests start.
    from core.keygen import KEY_FILES

    for _name, _make in KEY_FILES.items():
        if not env(_name.upper()):
            os.environ[_name.upper()] = _make()

SECRET_KEY = env_required("SECRET_KEY", why="Django heeft een geheime sleutel nodig.")
ENCRYPTION_KEYS = env_required(
    "ENCRYPTION_KEYS",
    why="Zonder versleutelingssleutels kunnen persoonsgegevens niet worden opgeslagen of gelezen.",
)
INDEX_KEY = env_required(
    "INDEX_KEY", why="Zonder indexsleutel kan niet worden gezocht op BSN of naam."
)
AUDIT_KEY = env_required(
    "AUDIT_KEY",
    why="Zonder auditsleutel kan het toegangslogboek niet onvervalsbaar worden bijgehouden.",
)

# Parse the keys now: a malformed key stops the start, not the first save.
from core.crypto import KeyRing, validate_index_key  # noqa: E402

KeyRing.parse(ENCRYPTION_KEYS)
validate_index_key(INDEX_KEY)
validate_index_key(AUDIT_KEY, name="AUDIT_KEY")

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "Casusregie start niet: DEBUG staat aan in productie. Foutpagina's zouden dan "
        "ontsleutelde persoonsgegevens tonen."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if not PRODUCTION else [])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Casusregie start niet: ALLOWED_HOSTS ontbreekt (de hostnamen waarop de dienst "
        "bereikbaar is, gescheiden door komma's). Zie docs/configuration.md."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Proxies whose X-Forwarded-For we believe (IP addresses or CIDR ranges).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "config.apps.CasusregieAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "config.apps.CasusregieStaticFilesConfig",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "core",
    "audit",
    "partners",
    "persons",
    "caseroom",
    "consent",
    "escalation",
    "demo",
]

MIDDLEWARE = [
    # Probes and metrics first: answered for any host, over plain HTTP (core.health).
    "core.health.OperationsMiddleware",
    "core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "partners.middleware.ApiAwareLoginRequiredMiddleware",
    "partners.middleware.IdleTimeoutMiddleware",
    "partners.middleware.SecondFactorRequiredMiddleware",
    "audit.middleware.AuditlogActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "partners.context_processors.navigation",
            ],
        },
    },
]

if PRODUCTION:
    # No silent local defaults in production: a single machine says sqlite/filesystem itself.
    env_required("DATABASE_URL", why="Geef de database op, bijvoorbeeld postgres://….")
    env_required(
        "CELERY_BROKER_URL", why="Geef de broker op, bijvoorbeeld redis://… (of filesystem://)."
    )
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'casusregie.sqlite3'}") or "",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    if not TESTING:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "partners.User"
# No guardian backend: object access is decided only by caseroom.access (SQL predicates
# that honour expiry), never by user.has_perm(perm, obj).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "partners.backends.PasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Need-to-know: how long a break-the-glass grant lasts; the largest attachment accepted.
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 4)
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 10) * 1024 * 1024
# Uploads stay in memory up to that limit and are refused beyond it: never a temporary file,
# which would hold an attachment on disk unencrypted. The other form fields get 1 MB besides.
FILE_UPLOAD_HANDLERS = ["caseroom.uploads.AttachmentUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES
# At most this many files in one request, so one request holds at most that many limits in
# memory (behind the proxy, its body limit caps a request first).
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("ATTACHMENT_MAX_FILES", 10)
# All files of one request together: the handler stops reading beyond this.
ATTACHMENT_REQUEST_MAX_BYTES = env_int("ATTACHMENT_REQUEST_MAX_MB", 25) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024
# The public address of the service, for links in mails.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000") or ""
HIT_NO_HIT_RATE = env("HIT_NO_HIT_RATE", "30/hour") or "30/hour"
# The bearer token Prometheus sends to /metrics/; without it the endpoint does not exist.
METRICS_TOKEN = env("METRICS_TOKEN", "") or ""
# Anomaly rules for the privacy officer (audit.anomalies).
AUDIT_BULK_PERSONS_PER_HOUR = env_int("AUDIT_BULK_PERSONS_PER_HOUR", 50)
AUDIT_NIGHT_START = env_int("AUDIT_NIGHT_START", 22)
AUDIT_NIGHT_END = env_int("AUDIT_NIGHT_END", 7)
# The rules that are on (comma-separated codes; see docs/audit.md).
AUDIT_ANOMALY_RULES = env_list(
    "AUDIT_ANOMALY_RULES",
    ["break_glass", "off_hours", "bulk", "outside_participation", "protected_person"],
)
# NEN 7513: access logs are kept five years, independent of case retention.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 5 * 365)
# Case retention (consent.retention): months after closure when no covenant purpose of the
# case's meeting types says otherwise; removal follows this many days after the case first
# appears on the privacy officer's list of cases due.
CASE_RETENTION_MONTHS = env_int("CASE_RETENTION_MONTHS", 60)
RETENTION_NOTICE_DAYS = env_int("RETENTION_NOTICE_DAYS", 14)
# Stall sweep (escalation.sweep): days past due before an action stalls; days between the
# owner's reminder, the procesregisseur's and the proposal to escalate; a case without lead
# organisation for this many days; no meeting or timeline event for this many weeks.
STALL_GRACE_DAYS = env_int("STALL_GRACE_DAYS", 3)
STALL_STEP_DAYS = env_int("STALL_STEP_DAYS", 7)
STALL_NO_LEAD_DAYS = env_int("STALL_NO_LEAD_DAYS", 14)
STALL_NO_PROGRESS_WEEKS = env_int("STALL_NO_PROGRESS_WEEKS", 6)
# Anonymised exports: figures and records resting on fewer cases than this are suppressed.
EXPORT_MIN_GROUP = env_int("EXPORT_MIN_GROUP", 5)

LOGIN_URL = "partners:login"
LOGIN_REDIRECT_URL = "partners:home"
LOGOUT_REDIRECT_URL = "partners:login"

# Sessions: an idle timeout (enforced by partners.middleware.IdleTimeoutMiddleware) and an
# absolute lifetime of one working day.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_MAX_AGE = timedelta(hours=env_int("SESSION_MAX_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "casusregie_sessionid"
CSRF_COOKIE_HTTPONLY = True

# Lockout after repeated failed logins.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
# Lock the account, not the address: many partner staff share one office address, and a
# password-guessing run from rotating addresses must still stop.
AXES_LOCKOUT_PARAMETERS = ["username"]
# guardian.W001: its backend is left out on purpose (see AUTHENTICATION_BACKENDS).
SILENCED_SYSTEM_CHECKS = ["axes.W006", "guardian.W001"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "partners/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip_for_axes"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Casusregie"
# Nobody, not even a beheerder, reads a TOTP secret in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("Engels"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")) or "")
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
_NLDS = BASE_DIR / "node_modules" / "@utrecht"
if (_NLDS / "component-library-css" / "dist").is_dir():
    STATICFILES_DIRS += [
        ("vendor/utrecht/components", _NLDS / "component-library-css" / "dist"),
        ("vendor/utrecht/tokens", _NLDS / "design-tokens" / "dist"),
    ]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"

# Security headers. HSTS and secure cookies everywhere but the plain-HTTP demo and tests.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "not logged in" a 401.
        "partners.authentication.ApiTokenAuthentication",
        "partners.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Only the contribution endpoint takes files; elsewhere a multipart body is read for its
    # fields and a file in it is refused, so no file can silently cut off the fields after it.
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "caseroom.uploads.FieldsOnlyMultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casusregie API",
    "DESCRIPTION": "Casusregie voor Zorg- en Veiligheidshuizen.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.error_responses_hook",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "caseroom.models.Case.Status",
        "ReferralStatusEnum": "caseroom.models.Referral.Status",
        "ActionStatusEnum": "caseroom.models.Action.Status",
        "MeetingStatusEnum": "caseroom.models.Meeting.Status",
        "MinutesStatusEnum": "caseroom.models.Minutes.Status",
        "ReviewStatusEnum": "audit.models.ReviewItem.Status",
        "BasisKindEnum": "consent.models.BasisKind",
        "SubjectRequestKindEnum": "consent.models.SubjectRequest.Kind",
        "EscalationResponseKindEnum": "escalation.models.EscalationResponse.Kind",
        "StallKindEnum": "escalation.models.Stall.Kind",
    },
}

# django-guardian: grants are direct foreign-key permission models; no anonymous user.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDITLOG_INCLUDE_ALL_MODELS = False

# Celery: an embedded filesystem broker unless CELERY_BROKER_URL names a real one.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://") or "filesystem://"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND")
if CELERY_BROKER_URL == "filesystem://":
    # The embedded broker: message files in VAR_DIR, shared by web app, worker and beat.
    for _folder in ("queue", "processed", "results", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
    if CELERY_RESULT_BACKEND is None:
        CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery' / 'results'}"
    _queue = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Tasks are acknowledged late (below). Redis has no acknowledgement of its own: a message
    # taken by a worker that then died (killed, out of memory, machine lost) goes back on its
    # queue once it has been unacknowledged this long. Keep it longer than any task runs, or a
    # slow task is started a second time while it still runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60),
        # Installations sharing one Redis database keep their queues apart by a prefix.
        "global_keyprefix": env("CELERY_KEY_PREFIX", "") or "",
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "partners.tasks.clear_expired_sessions",
        "schedule": 60 * 60,
    },
    "audit-retention": {
        "task": "audit.tasks.purge_expired",
        "schedule": 24 * 60 * 60,
    },
    "audit-detect-anomalies": {
        "task": "audit.tasks.detect_anomalies",
        "schedule": 15 * 60,
    },
    "audit-verify-chain": {
        "task": "audit.tasks.verify_chain",
        "schedule": 24 * 60 * 60,
    },
    "case-retention": {
        "task": "consent.tasks.retention_run",
        "schedule": 24 * 60 * 60,
    },
    "stall-sweep": {
        "task": "escalation.tasks.sweep_stalls",
        "schedule": 60 * 60,
    },
    "action-due-reminders": {
        "task": "caseroom.tasks.send_due_reminders",
        "schedule": 60 * 60,
    },
    # Proves beat and a worker are alive (core.metrics: casusregie_beat_heartbeat_age_seconds).
    "beat-heartbeat": {
        "task": "core.tasks.beat_heartbeat",
        "schedule": 60,
    },
}
# Other intervals without a new release: "stall-sweep=600,beat-heartbeat=30" (seconds).
for _item in env_list("CELERY_BEAT_INTERVALS"):
    _entry, _sep, _seconds = _item.partition("=")
    if _entry not in CELERY_BEAT_SCHEDULE or not _seconds.isdigit() or int(_seconds) < 1:
        raise ImproperlyConfigured(
            f"CELERY_BEAT_INTERVALS: {_item!r} is geen naam=seconden met een bekende naam "
            f"({', '.join(sorted(CELERY_BEAT_SCHEDULE))})."
        )
    CELERY_BEAT_SCHEDULE[_entry]["schedule"] = int(_seconds)
# Workers log through LOGGING below (JSON in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

_cache_url = env("CACHE_URL")
# Rate limits (hit/no-hit, registering persons) live in the cache, so every web process must
# share it: Redis when CACHE_URL is set, else files in VAR_DIR (one machine, several gunicorn
# workers). Only the test suite keeps it in memory.
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if not PRODUCTION
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "casusregie@localhost")
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: one file per mail here.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Logs: JSON lines (production default) or plain text; both redact BSN-like numbers and
# e-mail addresses (core.logformat). Requests are logged by core.metrics with their route
# name, never their path or query string.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT moet json of plain zijn, niet {LOG_FORMAT!r}.")
LOG_REQUESTS = env_bool("LOG_REQUESTS", PRODUCTION)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logformat.JsonFormatter"},
        "plain": {"()": "core.logformat.PlainFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request log carries paths; core.metrics logs requests by route instead.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
