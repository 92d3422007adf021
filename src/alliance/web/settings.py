"""Django settings, read from the environment (see env.py). No local override files.

Embedded defaults: SQLite in ./var/alliance.sqlite3 and in-process background
work. Production: set DATABASE_URL (PostgreSQL), SECRET_KEY (or
SECRET_KEY_FILE), ALLOWED_HOSTS and ALLIANCE_TASK_BACKEND=database, and run
``manage.py db_worker`` beside the app processes.
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from alliance.web.env import envbool, envfraction, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(envstr("ALLIANCE_VAR_DIR", str(Path.cwd() / "var")) or "var")

DEBUG = envbool("DEBUG", False)
TESTING = "pytest" in sys.modules or envbool("ALLIANCE_TESTING", False)

SECRET_KEY = envsecret("SECRET_KEY") or ""
if not SECRET_KEY:
    if DEBUG or TESTING:
        # Development and tests only: an ephemeral key (sessions end on restart).
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = (envstr("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "alliance.web.crypto",
    "alliance.web.accounts",
    "alliance.web.audit",
    "alliance.web.care",
    "alliance.web.caseload",
    "alliance.web.measures",
    "alliance.web.goals",
    "alliance.web.alerts",
    "alliance.web.portal",
    "alliance.web.clinic",
    "alliance.web.sessiontranscripts",
    "alliance.web.ratelimit",
    "alliance.web.consent",
    "alliance.web.rights",
    "alliance.web.custominstruments",
    "alliance.web.api",
    "alliance.web.fhirapi",
    "alliance.web.research",
    "alliance.web.reports",
    "alliance.web.texting",
    "alliance.web.inroom",
    "alliance.web.paper",
    "alliance.web.followup",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "alliance.web.security.SecurityHeadersMiddleware",  # outermost: redirects get them too
    "alliance.web.security.NoStoreMiddleware",  # nothing but static files is kept by caches
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) for everyone; staff then get their own choice
    # (StaffLanguageMiddleware) and client pages the client's (languages.use_client_language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "alliance.web.accounts.middleware.IdleTimeoutMiddleware",
    "alliance.web.languages.StaffLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "alliance.web.accounts.middleware.TwoFactorMiddleware",
    # A device handed to a client in the room opens only that client's questionnaire.
    "alliance.web.inroom.lock.InRoomMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "alliance.web.urls"
WSGI_APPLICATION = "alliance.web.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "care:dashboard"
LOGOUT_REDIRECT_URL = "login"
# Sign-in security (see accounts/): authenticator codes for staff, lockout, idle logout.
ALLIANCE_REQUIRE_2FA = envbool("ALLIANCE_REQUIRE_2FA", True)
ALLIANCE_IDLE_MINUTES = envint("ALLIANCE_IDLE_MINUTES", 30, minimum=1)
ALLIANCE_LOGIN_MAX_FAILURES = envint("ALLIANCE_LOGIN_MAX_FAILURES", 5, minimum=1)
ALLIANCE_LOGIN_MAX_FAILURES_PER_IP = envint("ALLIANCE_LOGIN_MAX_FAILURES_PER_IP", 20, minimum=1)
ALLIANCE_LOCKOUT_MINUTES = envint("ALLIANCE_LOCKOUT_MINUTES", 15, minimum=1)
OTP_TOTP_ISSUER = "Alliance"
PASSWORD_RESET_TIMEOUT = 60 * 60

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
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'alliance.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(envstr("DATABASE_URL", _default_db) or _default_db)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The interface languages: each name in its own language, so a chooser reads right in
# any language. Spanish is complete for everything clients and staff see (locale/es);
# a questionnaire shows in a language only where a validated translation ships
# (instruments/data/translations/), otherwise the client is told it is in English.
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Europe/London") or "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Alliance <no-reply@localhost>")

# Text messages (texting/): a backend in the style of EMAIL_BACKEND. "console" prints them
# (the demo), "locmem" keeps them in memory (the tests), "file" appends JSON lines to
# ALLIANCE_SMS_FILE_PATH, "twilio" sends through Twilio's Messages API, or a dotted path
# to your own backend class. Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (or
# TWILIO_AUTH_TOKEN_FILE) and TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID.
ALLIANCE_SMS_BACKEND = envstr("ALLIANCE_SMS_BACKEND", "locmem" if TESTING else "console") or ""
ALLIANCE_SMS_FILE_PATH = envstr("ALLIANCE_SMS_FILE_PATH", str(VAR_DIR / "texts.jsonl"))
# Where phone numbers typed without a country code are read as national numbers.
ALLIANCE_PHONE_REGION = (envstr("ALLIANCE_PHONE_REGION", "GB") or "GB").upper()
# A failed send is retried with back-off (1, 2, 4, ... minutes) up to this many attempts,
# then marked failed and shown to the therapist; the message row is never deleted.
ALLIANCE_SMS_MAX_ATTEMPTS = envint("ALLIANCE_SMS_MAX_ATTEMPTS", 6, minimum=1)
TWILIO_ACCOUNT_SID = envstr("TWILIO_ACCOUNT_SID", "") or ""
TWILIO_AUTH_TOKEN = envsecret("TWILIO_AUTH_TOKEN") or ""
TWILIO_FROM_NUMBER = envstr("TWILIO_FROM_NUMBER", "") or ""
TWILIO_MESSAGING_SERVICE_SID = envstr("TWILIO_MESSAGING_SERVICE_SID", "") or ""
TWILIO_API_BASE = (envstr("TWILIO_API_BASE", "https://api.twilio.com") or "").rstrip("/")
TWILIO_TIMEOUT_SECONDS = envint("TWILIO_TIMEOUT_SECONDS", 10, minimum=1)
from alliance.web.texting.config import check_sms_settings  # noqa: E402

check_sms_settings(globals())

# Background work: in-process ("immediate") by default; "database" in production
# with `manage.py db_worker` running beside the app.
_task_backend = envstr("ALLIANCE_TASK_BACKEND", "immediate")
if _task_backend not in ("immediate", "database"):
    raise ImproperlyConfigured(
        f"ALLIANCE_TASK_BACKEND={_task_backend!r}: use 'immediate' or 'database'"
    )
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if _task_backend == "immediate"
        else "django_tasks_db.DatabaseBackend"
    }
}

# Client links: defaults from FIELD.md (Greenspace: expiry 4 days, reminder 2 days);
# each clinic can change them on its settings page.
ALLIANCE_LINK_EXPIRY_DAYS = envint("ALLIANCE_LINK_EXPIRY_DAYS", 4, minimum=1)
ALLIANCE_REMINDER_DAYS = envint("ALLIANCE_REMINDER_DAYS", 2, minimum=1)
ALLIANCE_PORTAL_LINK_DAYS = envint("ALLIANCE_PORTAL_LINK_DAYS", 90, minimum=1)

# Expected-recovery band (not-on-track rule and outcome chart): its central
# coverage. A client on the clinic's typical course is "not on track" in
# (1 - coverage) / 2 of sessions: 25% at 0.5, 5% at the default 0.9
# (alliance.stats.trajectories.DEFAULT_COVERAGE, not imported here to keep
# start-up light; a test keeps them equal; project default, not a published norm).
ALLIANCE_EXPECTED_BAND_COVERAGE = envfraction("ALLIANCE_EXPECTED_BAND_COVERAGE", 0.9)

# --- Security: transport, cookies, headers, client-link rate limits -----------
# Production (DEBUG off) passes `manage.py check --deploy` with no warnings on
# these defaults. DEBUG and the tests serve plain HTTP: no redirect, no Secure cookies.
_production = not DEBUG and not TESTING
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # no JavaScript reads it: the app has none
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", _production)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 8, minimum=60)
# HTTPS only: plain-HTTP requests are redirected (except the load balancer's health
# check), and browsers are told to use HTTPS for a year (HSTS; sent on HTTPS responses only).
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", _production)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
# Behind a proxy that ends TLS, name the header it sets to "https" on HTTPS requests
# (e.g. X-Forwarded-Proto). Only when the proxy always sets or strips that header itself:
# otherwise anyone could claim HTTPS.
_proxy_header = envstr("SECURE_PROXY_SSL_HEADER")
if _proxy_header is not None and not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_header):
    raise ImproperlyConfigured(
        f"SECURE_PROXY_SSL_HEADER={_proxy_header!r}: expected a header name such as X-Forwarded-Proto"
    )
SECURE_PROXY_SSL_HEADER = (
    None if _proxy_header is None else ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
)
# How many reverse proxies (load balancers) in front of the app append to
# X-Forwarded-For; the client-link rate limits count the address they saw. 0: REMOTE_ADDR.
ALLIANCE_TRUSTED_PROXIES = envint("ALLIANCE_TRUSTED_PROXIES", 0, minimum=0)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy, Permissions-Policy and Cross-Origin-Resource-Policy: security.py.
# Client links (/q/<token>/, /p/<token>/): requests and unknown tokens per client address,
# counted in the database so every app process agrees (see ratelimit/).
ALLIANCE_LINK_RATE_LIMIT = envint("ALLIANCE_LINK_RATE_LIMIT", 60, minimum=1)
ALLIANCE_LINK_RATE_WINDOW = envint("ALLIANCE_LINK_RATE_WINDOW", 5 * 60, minimum=1)
ALLIANCE_LINK_MAX_UNKNOWN = envint("ALLIANCE_LINK_MAX_UNKNOWN", 20, minimum=1)
ALLIANCE_LINK_UNKNOWN_WINDOW = envint("ALLIANCE_LINK_UNKNOWN_WINDOW", 15 * 60, minimum=1)

# --- REST API and FHIR ----------------------------------------------------------
# Per-user bearer tokens with scopes (api/); the same scoping as the web pages.
# ALLIANCE_API_RATE: requests per token per window ("<n>/<s|min|hour|day>").
ALLIANCE_API_RATE = envstr("ALLIANCE_API_RATE", "600/min") or "600/min"
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|m|min|h|hour|day)", ALLIANCE_API_RATE):
    raise ImproperlyConfigured(
        f"ALLIANCE_API_RATE={ALLIANCE_API_RATE!r}: expected '<number>/<s|min|hour|day>'"
    )
ALLIANCE_API_PAGE_SIZE = envint("ALLIANCE_API_PAGE_SIZE", 25, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["alliance.web.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["alliance.web.api.auth.ScopedClinicalAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["alliance.web.api.auth.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "alliance.web.api.pagination.Pages",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["alliance.web.api.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Alliance API",
    "DESCRIPTION": (
        "Clients, episodes, sessions, questionnaire links, responses, scores, alerts, goals "
        "and tasks, with the web app's permission rules. Authenticate with "
        "`Authorization: Bearer <token>` (create tokens on the API tokens page, /api/tokens/). "
        "FHIR R4 resources are under /fhir/."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "alliance.web.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ApproachEnum": "alliance.web.care.models.Approach",
        "SideEnum": "alliance.web.measures.models.Respondent",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# --- Encryption at rest -------------------------------------------------------
# Free text (goals, tasks, reflections, feedback, notes, questionnaire answers) is
# stored encrypted (Fernet) under ALLIANCE_DATA_KEYS or ALLIANCE_DATA_KEYS_FILE:
# Fernet keys, newest first. New values use the first key, reads try them all;
# `manage.py rotate_keys` moves everything to the first key so older keys can go.
# DEBUG and the tests without keys: a key derived from SECRET_KEY (with a warning
# under DEBUG); production without keys does not start. See alliance.web.crypto and the README.
from alliance.web.crypto import data_keys  # noqa: E402

ALLIANCE_DATA_KEYS = data_keys(
    debug=DEBUG,
    testing=TESTING,
    secret_key=SECRET_KEY,
    secret_key_set=bool(envsecret("SECRET_KEY")),
)
