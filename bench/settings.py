"""Settings of the benchmark: the portal's own, plus the bench app and its
empty page. ``DJANGO_SETTINGS_MODULE=bench.settings``; the portal itself never
installs the bench app."""

import os
from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

# The bench measures pages, not the login: the second factor that staff and
# prestataires must set up (accounts.middleware.TotpRequiredMiddleware) would
# redirect every one of their pages to the set-up; the bench logs its personas
# in with Client.force_login / ready-made session cookies instead.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "accounts.middleware.TotpRequiredMiddleware"]

# The portal's URLs plus the floor every page is compared to.
ROOT_URLCONF = "bench.urls"

# Production-like rendering: no debug toolbar-ish overhead, no SQL kept in memory
# (CaptureQueriesContext forces its own capture).
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# The bench's note files and PDFs go to a throwaway folder.
MEDIA_ROOT = Path(os.environ.get("BENCH_MEDIA_ROOT", "/tmp/fabriques-bench-media"))

# Bench personas never log in by password; keep any hashing cheap anyway.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Requests of the load test must not be refused by allauth's rate limits.
ACCOUNT_RATE_LIMITS = False

# Reminders the sweep sends are kept in memory, not printed.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # 404s of the scoped pages and PDF workers' info lines would drown the table.
    "root": {"handlers": ["console"], "level": "ERROR"},
}
