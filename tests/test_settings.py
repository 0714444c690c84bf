"""Settings come from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_SECRETS = ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"]


def load_settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_SECRETS}
    base.pop("CELERY_BROKER_URL", None)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.MAILERS['default']['BACKEND'], s.TIME_ZONE, s.LANGUAGE_CODE, s.DEBUG)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base | env, capture_output=True, text=True
    )


def test_without_variables_the_embedded_defaults_apply():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "Europe/Paris",
        "fr-fr",
        "True",
    ]


def test_database_and_broker_urls_switch_to_postgresql_and_redis():
    result = load_settings(
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/portal",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    engine, eager, *_ = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"


def test_production_refuses_to_start_without_its_secrets():
    result = load_settings(DJANGO_ENV="production", SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "DJANGO_ENV=production needs its secrets: set ALLOWED_HOSTS, DATABASE_URL" in (
        result.stderr
    )


def test_production_starts_with_its_secrets():
    result = load_settings(
        DJANGO_ENV="production",
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="fabriques.anct.gouv.fr",
        DATABASE_URL="postgres://u:p@db:5432/portal",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"  # DEBUG off


def test_a_malformed_boolean_is_refused():
    result = load_settings(DEBUG="peut-être")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_the_deployment_checks_pass_with_production_settings(tmp_path):
    """`check --deploy --fail-level WARNING`: HSTS, secure cookies, SSL
    redirect, a real mailer... nothing silenced."""
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (tests/e2e/conftest.py),
    # which no deployment sets and the checks rightly refuse.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_SECRETS and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env |= {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 20 + "-Zq8#xV2!mP4@rT6$wY9%bN3^hJ5&dL7*fG1(sA0)eC",
        "ALLOWED_HOSTS": "fabriques.anct.gouv.fr",
        # The checks need no server: an SQLite file stands in for PostgreSQL.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout
