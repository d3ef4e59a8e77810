"""落户通 settings: one module, every value from the environment (see deploy/.env.example)."""

import datetime as dt
from pathlib import Path

import dj_database_url

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    production_blind_index_key,
    production_field_encryption_keys,
    production_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)
# Development gets a fixed throwaway key; production must set a real one or fail at start
# (missing, short, or the placeholder copied from deploy/.env.example).
SECRET_KEY = env_str("SECRET_KEY", default="dev-insecure-key-do-not-use" if DEBUG else None)
if not DEBUG:
    production_secret_key(SECRET_KEY)

# Identity numbers, phones and reporters' contacts are encrypted at rest (workflow.crypto).
# FIELD_ENCRYPTION_KEYS: AES-256 keys (32 bytes, URL-safe base64), comma-separated; the first
# encrypts, every one decrypts (add a new key in front, run `manage.py rotate_field_keys`,
# then drop the old one).
# BLIND_INDEX_KEY: the HMAC key that finds an identity number without decrypting any.
# Development and tests use fixed keys (their bytes say "do-not-use"), refused in production.
DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtMDA="
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS", [DEV_FIELD_ENCRYPTION_KEY] if DEBUG else []
)
BLIND_INDEX_KEY = env_str(
    "BLIND_INDEX_KEY", default="dev-blind-index-key-do-not-use" if DEBUG else None
)
if not DEBUG:
    production_field_encryption_keys(FIELD_ENCRYPTION_KEYS)
    production_blind_index_key(BLIND_INDEX_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_celery_beat",
    "import_export",
    "workflow",
    "review",
    "ranking",
    "publicity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.AdminQueryWithoutNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    # Last: turns a login refused for too many failures into the lockout page (429).
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
                "workflow.context_processors.current_round",
                "workflow.context_processors.portal_header",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection is checked before its first use in a request or a task: one
        # that PostgreSQL closed meanwhile (a restart, an idle timeout) is replaced, not
        # handed to the work as an error.
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# New and changed passwords are stored with Argon2id (workflow.passwords); a PBKDF2 hash
# from before still verifies, and is re-hashed with Argon2id at that user's next login.
PASSWORD_HASHERS = [
    "workflow.passwords.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "workflow.passwords.ChineseMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# AxesStandaloneBackend first: it refuses a locked account or address before any password
# is checked; an applicant's identity number then finds the account through its blind index
# (user names are not identity numbers); AccountBackend (ModelBackend reading the user with
# their role) authenticates every other user name. A session remembers the backend that
# logged it in: one from before AccountBackend replaced ModelBackend asks its user to log in
# again, once.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "workflow.backends.IdentityNumberBackend",
    "workflow.backends.AccountBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
# One language: every page, Django's own messages (password rules, the admin) included, is
# Chinese whatever the browser's Accept-Language says (LocaleMiddleware picks only from here).
LANGUAGES = [("zh-hans", "简体中文")]
# The round's windows are Beijing wall-clock times; the policy says so, not the server.
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Evidence files hold personal documents: kept outside the web root, served only via a view
# that checks the object's permissions (never by nginx directly).
PRIVATE_STORAGE_ROOT = Path(env_str("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "private")))
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# At most this many evidence files per indicator and purpose (申报、复查、申诉): enough for a
# contract's pages, and stated on the page before anything is uploaded.
EVIDENCE_MAX_FILES = env_int("EVIDENCE_MAX_FILES", 10)

# --- Imports: what one file may hold (stated on the upload page) --------------------------
# Department batches (CSV/XLSX). 200,000 rows is above the largest batch a department sends
# (社保 periods of ~130,000 applicants in one file is ~150,000 rows, ~7 MB as CSV).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_FIELD_CHARS = env_int("IMPORT_MAX_FIELD_CHARS", 1000)
# An XLSX is a zip: its size says little about what openpyxl must parse. 150,000 rows are
# ~46 MB of sheet XML; a zip bomb of 800 KB expands to gigabytes.
IMPORT_MAX_XLSX_EXPANDED_BYTES = env_int("IMPORT_MAX_XLSX_EXPANDED_BYTES", 128 * 1024 * 1024)
# Facts format 1 as JSON Lines (manage.py score, import_facts): one line is one applicant,
# ~1–3 KB; a city's round is ~130,000 lines.
FACTS_MAX_LINE_BYTES = env_int("FACTS_MAX_LINE_BYTES", 100_000)
FACTS_IMPORT_MAX_LINES = env_int("FACTS_IMPORT_MAX_LINES", 300_000)
FACTS_IMPORT_MAX_BYTES = env_int("FACTS_IMPORT_MAX_BYTES", 1024 * 1024 * 1024)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="noreply@luohutong.local")
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# Notices (workflow.notices): the short-message gateway (a dotted path to a class with
# send(*, to, text)); the default writes each message to the log. SITE_URL makes the links
# in mails and messages absolute.
SMS_BACKEND = env_str("SMS_BACKEND", default="workflow.sms.LogSmsBackend")
SITE_URL = env_str("SITE_URL", default="http://localhost:8000").rstrip("/")

# --- Celery -----------------------------------------------------------------------------
# Without Redis everything runs in-process (development, unit tests); with it a real worker.
# Production requires it: a ranking run or a 150,000-row batch must never run silently in a
# web process (and die with it at the request timeout).
REDIS_URL = env_str(
    "REDIS_URL",
    default="" if DEBUG else None,
    why="DEBUG 关闭时任务必须交给 Celery worker / with DEBUG off tasks go to a Celery worker",
)
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# Work that must not be lost: acknowledge only after the task ran, and give a task back to
# the queue when its worker dies under it (Celery docs, "Should I use retry or acks_late?").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Redis redelivers an unacknowledged task after the visibility timeout: it must exceed the
# longest task, or a long ranking run would be started twice.
# Only the worker-crash integration test shortens it (to see a redelivery within seconds).
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 2)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reconciliation (workflow.reconcile, beat every minute): a job or chunk not done this many
# seconds after it was handed to the broker, with nobody working on it, is enqueued again
# from what PostgreSQL holds, whatever Redis lost; one that has been started this many times
# without finishing ends failed with the reason. Minutes, not the visibility timeout.
JOB_RECONCILE_AFTER = env_int("JOB_RECONCILE_AFTER", 300)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 10)
CELERY_TASK_TRACK_STARTED = True
# Celery's Django fixup closes a worker's database connection before and after every task
# unless told how many tasks may reuse it: a connection (and its authentication) per task,
# a seventh of the worker's time delivering notices. It is kept for this many tasks; around
# each task Django's own rule applies (config.celery: CONN_MAX_AGE, the health check, a
# connection left in a broken state is closed), as around a web request.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# How many worker processes are asked to share a round's mass phase jobs (withdrawing the
# unsubmitted, starting the review, publishing results, finalizing and scoring, publicizing)
# with the process that advances the round (workflow.phase_jobs.SHARED_JOBS). Helpers only
# take chunks nobody holds, so a busy or absent worker never holds the job up; a helper
# keeps its worker process until the job ends (under a minute at 130,000), and tasks queued
# behind it (a chunk's notices) wait that long. 0 = the advancing process alone.
PHASE_JOB_HELPERS = env_int("PHASE_JOB_HELPERS", 2)
# Exactly one scheduler: django-celery-beat's, whose schedule lives in the database.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Caches -----------------------------------------------------------------------------
CACHES = {
    "default": (
        {"BACKEND": "config.cache.PooledRedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Fragments that depend only on the code and their key (the simulator's blank form, the
    # public list's pages) and reference data read once a minute (department names): kept
    # per process, so a deploy or a test run never serves the previous code's HTML.
    "rendered": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rendered-fragments",
    },
    # A published list's pages, rendered once per list version for every process
    # (publicity.list_pages: the publish job prepares them; their keys name the list's
    # version and the templates' digest, so a deploy or a new version never meets old HTML).
    "published": (
        {
            "BACKEND": "config.cache.PooledRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "published",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "published"}
    ),
}

# --- Sessions ------------------------------------------------------------------------------
# With Redis every signed-in page reads its session from the cache instead of PostgreSQL
# (issue 13: the page frame was most of a portal page's CPU). cached_db writes each session
# to the database too and reads it from there on a cache miss, so a Redis restart signs
# nobody out. Without Redis the database alone: a per-process cache would keep a session
# another process has logged out.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

# --- Login throttling (django-axes) -------------------------------------------------------
# 10 failed logins within 15 minutes, counted per account and separately per address, lock
# that account or address for 15 minutes. The counters live in the cache: Redis in
# production, so the lock holds across every gunicorn worker and host. An administrator
# lifts a lock early in the admin (解除登录锁定; workflow.services.login_unlock).
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Failures during the lock do not extend it: the page promises 15 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "workflow.views.accounts.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Behind nginx every request comes from nginx: the client is the X-Real-IP nginx sets itself
# (deploy/nginx.conf). Without a proxy (development) that header is the client's to forge.
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=not DEBUG)
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_ip"
# Applicants log in with their identity number: axes counts it against the account's user
# name (or, for a number without an account, a keyed hash of it), so a lock's cache key, the
# unlock record and any log line never hold the number; its log lines mask even that (its
# default), and its database tables and admin stay unused with the cache handler.
AXES_USERNAME_CALLABLE = "workflow.backends.login_key"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# One development process needs no shared cache; production has Redis (REDIS_URL required).
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["axes.W001"]

# --- Security (production) ----------------------------------------------------------------
# Behind nginx, which terminates TLS and always sets X-Forwarded-Proto itself (a client's
# own header never gets through: deploy/nginx.conf), and gunicorn listens only where nginx
# can reach it. `manage.py check --deploy --fail-level WARNING` passes with DEBUG off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# Sent by config.middleware on every response. No inline script anywhere (behaviour lives in
# static/js); inline style *attributes* are used (the simulator's bars), so styles allow
# 'unsafe-inline'. Inline <svg> in the pages is markup, not an image: img-src does not apply.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)

# django-import-export: department batches are big; import in one transaction, all or nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
}
