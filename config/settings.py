"""Settings of the portal, read from the environment.

Without any variable the portal runs on an embedded default: a SQLite file,
Celery tasks run eagerly in the web process, e-mails printed to the console,
media files in ./media. ``DJANGO_ENV=production`` refuses to start without the
secrets a real deployment needs.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

from .env import env_bool, env_int, env_list, env_str, require

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_str("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
if PRODUCTION:
    require(
        ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"],
        "DJANGO_ENV=production needs its secrets",
    )

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
# The fallback key is only ever used outside production (checked above).
SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # dsfr before django.forms so its form widget templates take precedence.
    "dsfr",
    "django.forms",
    "widget_tweaks",
    "django_htmx",
    "django_filters",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "fabriques",
    "territories",
    "seminars",
    "deliverables",
    "reminders",
    "backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.TotpRequiredMiddleware",
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "accounts.security_log.SecurityLogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change in the audit trail (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
]

if PRODUCTION:
    # Static files from the application server itself (the compose file's
    # proxy serves them too); in development runserver does it.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"

# A strict Content Security Policy (Django's own, in every environment so
# development shows what production refuses): only the portal's own files,
# scripts only from them or with the per-request nonce, no inline style nor
# script, no framing, no third party anywhere. Downloads set their own
# stricter "sandbox" policy, which the middleware leaves as it is.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # DSFR's stylesheets draw some icons and the map's patterns from data: URLs.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # csp_nonce, for the few <script> tags that need one (htmx).
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.spaces",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# PostgreSQL: parameters bound by the server, so that a query the same page
# runs again (same SQL, other values) is prepared once per connection and
# not planned again. The benchmark measured it: PostgreSQL spent 1 to 3 ms
# planning the pages' queries (joins, access-rule subqueries), repeated on
# every request. Behind a pooler in transaction mode that cannot keep
# prepared statements (PgBouncer without max_prepared_statements), set
# DATABASE_PREPARED_STATEMENTS=0.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "/"

# django-allauth: e-mail login only, accounts come from invitations (no open
# sign-up), verified e-mail, no way to learn whether an address has an account,
# and its rate limits (6th failed login for one account within 5 minutes is
# refused) kept at their defaults.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# allauth would tell an unknown address that it has no account and invite it
# to sign up, which is closed: it is sent nothing.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
# Working-group members are anonymised this many years after their
# Fabrique's six-month follow-up (territories/retention.py).
WORKING_GROUP_RETENTION_YEARS = env_int("WORKING_GROUP_RETENTION_YEARS", 3)
# ANCT staff are logged out after this long without a request (accounts.middleware).
STAFF_IDLE_TIMEOUT_MINUTES = env_int("STAFF_IDLE_TIMEOUT_MINUTES", 30)
# Audit trail (django-simple-history): a record of who changed what, not an
# undo button — reverting in the admin would skip the services' rules (seminar
# windows, roadmap versions). Stored files are kept as names in the history:
# deleting history never touches them.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_FILEFIELD_TO_CHARFIELD = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Fabriques Prospectives] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Fabriques Prospectives (ANCT)"

# The rate-limit counters and anything cached must survive a Redis outage, so
# the cache lives in the database (table created by a migration of accounts).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    },
    # Rendered fragments of the public pages (fabriques.public_cache): per
    # process, so reading one costs no query. They are keyed by a version token
    # kept in "default" (shared by every process and bumped on each save of the
    # data they show), so a stale fragment is never read, whatever the process.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-fragments",
        "TIMEOUT": 5 * 60,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# django-dsfr (the French State design system, assets served from its wheel).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
DSFR_MARK_OPTIONAL_FIELDS = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
# Set behind nginx (docker-compose.yml): downloads are then answered with
# X-Accel-Redirect to this internal location instead of streaming the bytes.
MEDIA_X_ACCEL_PREFIX = env_str("MEDIA_X_ACCEL_PREFIX", "")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Where `manage.py backup` writes its archives (backups/services.py).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "backups-data")))
# Optional antivirus (seminars/antivirus.py): a ClamAV daemon, as
# "tcp://127.0.0.1:3310" or "unix:///run/clamav/clamd.ctl". Empty: uploads are
# not scanned. Set but unreachable: uploads wait in quarantine until a rescan
# (CELERY_BEAT_SCHEDULE "scan-quarantine", or `manage.py scan_quarantine`).
CLAMAV_URL = (env_str("CLAMAV_URL", "") or "").strip()
CLAMAV_TIMEOUT = env_int("CLAMAV_TIMEOUT", 30)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Who hosts the portal, for the legal notice (mentions légales).
LEGAL_HOST = env_str(
    "LEGAL_HOST",
    "Hébergeur indiqué par l'exploitant du portail (variable LEGAL_HOST).",
)

# Absolute links in e-mails sent outside a request (Celery tasks, commands).
PORTAL_BASE_URL = env_str(
    "PORTAL_BASE_URL", "https://fabriques.anct.gouv.fr" if PRODUCTION else "http://127.0.0.1:8000"
)

# E-mail through Django 6.1's MAILERS: the console by default in development
# (so `make run` shows what would be sent), SMTP in production (EMAIL_HOST...).
EMAIL_BACKEND_PATH = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
_mailer = {"BACKEND": EMAIL_BACKEND_PATH}
if EMAIL_BACKEND_PATH == "django.core.mail.backends.smtp.EmailBackend":
    _mailer["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Fabriques Prospectives <noreply@anct.gouv.fr>")

# Celery: without a broker, tasks run eagerly in the calling process so that
# `make run` needs no Redis; with CELERY_BROKER_URL they go to real workers.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Beat ticks in CELERY_TIMEZONE (Paris). The sweep sends each reminder once
# however often it runs (reminders.services), so a double tick is harmless.
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "reminders.tasks.send_reminders_task",
        "schedule": crontab(minute="*/15"),
    },
    "anonymise-working-groups": {
        "task": "territories.tasks.anonymise_working_groups_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # PDF jobs left queued while Redis was down, or stuck by a dead worker.
    "requeue-stale-pdfs": {
        "task": "deliverables.tasks.requeue_stale_pdfs_task",
        "schedule": crontab(minute="*/10"),
    },
    # Uploads quarantined while the antivirus was down: rescanned until it answers.
    "scan-quarantine": {
        "task": "seminars.tasks.scan_quarantine_task",
        "schedule": crontab(minute="*/5"),
    },
}

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # accounts/security_log.py: one line per security event, no personal data.
    "loggers": {
        "portal.security": {"level": "INFO"},
        # WeasyPrint logs each step of every rendering (and one on import) at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
