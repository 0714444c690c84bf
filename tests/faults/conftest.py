"""Throwaway servers for the fault tests (issue 8), shared by the three tests.

Every test gets its own PostgreSQL cluster, Redis, gunicorn and Celery workers
on free loopback ports, in a temporary folder, and breaks them: nothing
touches the servers CI starts for the other tests (``DATABASE_URL``,
``CELERY_*`` of the environment are dropped from the children's environment).
Each server is started in a session of its own and stopped by the test's
finalizer, its whole process group killed if it does not stop, so no process
outlives a test, even a failed one; the servers' logs are printed then.

Migrating and loading the demonstration data takes ~25 s: it is done once, in
a template cluster that each test copies (``cp -a`` of the stopped data folder).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import redis as redis_client
import requests

BASE_DIR = Path(__file__).resolve().parents[2]
PGBIN = Path(os.environ.get("FAULTS_PGBIN", "/usr/lib/postgresql/15/bin"))
AS_ROOT = os.geteuid() == 0
DEMO_PASSWORD = "pannes-demo-2026"

# The project's variables that CI (or a developer's shell) may export for the
# other tests: the servers of these tests never see them.
PROJECT_VARIABLES = (
    "CELERY_",
    "DJANGO_",
    "DATABASE_",
    "CLAMAV_",
    "MEDIA_ROOT",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def workdir_make() -> Path:
    """A temporary folder PostgreSQL can reach (pytest's tmp_path sits in a
    folder only root may enter)."""
    path = Path(tempfile.mkdtemp(prefix="fabriques-faults-"))
    if AS_ROOT:
        shutil.chown(path, "postgres", "postgres")
    return path


# --- Processes -------------------------------------------------------------------------


class Server:
    """A process started in its own session (its pid is its process group's),
    logging into ``<workdir>/<name>.log``."""

    stop_signal = signal.SIGTERM

    def __init__(self, workdir: Path, name: str):
        self.workdir = workdir
        self.name = name
        self.log = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def _spawn(self, command: list, *, env: dict | None = None, as_postgres=False) -> None:
        assert not self.alive, f"{self.name} is already running"
        extra = {}
        if as_postgres and AS_ROOT:
            extra = {"user": "postgres", "group": "postgres", "extra_groups": []}
        with self.log.open("a") as output:
            output.write(f"\n--- {time.strftime('%H:%M:%S')} start: {command[0]} ---\n")
            output.flush()
            self.process = subprocess.Popen(
                [str(part) for part in command],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **extra,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """kill -9 of the whole process group (a crash, an OOM kill, a lost machine)."""
        if self.process is None or self.process.returncode is not None:
            return
        _killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 20) -> None:
        """Stop cleanly, then by force; never leaves a process of its group behind."""
        if self.process is None or self.process.returncode is not None:
            return  # never started, or already stopped (and its group killed)
        try:
            os.kill(self.process.pid, self.stop_signal)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        # The leader if it did not stop, and whatever it left behind (a pool
        # process, a backend), right away: the group's id is still ours.
        _killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log_text(self, limit: int = 6000) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return text[-limit:]


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_for(check: Callable, *, timeout: float, what: str, servers=(), interval=0.1):
    """Poll ``check`` until it returns something true (exceptions count as not
    yet); fail with the servers' logs after ``timeout`` s or as soon as one of
    ``servers`` has exited."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = check()
        except Exception as exc:  # the server is not there yet
            value, last_error = None, exc
        if value:
            return value
        dead = [server for server in servers if not server.alive]
        if dead or time.monotonic() > deadline:
            why = f"{', '.join(s.name for s in dead)} exited" if dead else f"{timeout} s passed"
            pytest.fail(
                f"{what}: not reached ({why}; last error: {last_error!r})\n" + logs_of(servers),
                pytrace=False,
            )
        time.sleep(interval)


def logs_of(servers) -> str:
    return "\n".join(f"===== {s.name} ({s.log}) =====\n{s.log_text()}" for s in servers)


# --- PostgreSQL ------------------------------------------------------------------------


class Postgres(Server):
    # SIGINT: PostgreSQL's "fast" shutdown (what pg_ctl stop -m fast sends).
    stop_signal = signal.SIGINT

    def __init__(self, workdir: Path, name: str = "postgresql"):
        super().__init__(workdir, name)
        self.data = workdir / "pgdata"
        self.port = free_port()

    def _as_postgres(self, command: list) -> None:
        extra = {"user": "postgres", "group": "postgres", "extra_groups": []} if AS_ROOT else {}
        result = subprocess.run(
            [str(part) for part in command], capture_output=True, text=True, **extra
        )
        if result.returncode:
            pytest.fail(f"{command[0]} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)

    def initdb(self) -> None:
        self._as_postgres(
            [PGBIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust"]
            + ["-E", "UTF8", "--locale=C.UTF-8"]
        )

    def copy_from(self, data: Path) -> None:
        """A cluster of its own: a copy of a stopped template cluster."""
        subprocess.run(["cp", "-a", str(data), str(self.data)], check=True)

    def start(self) -> None:
        self._spawn(
            [PGBIN / "postgres", "-D", self.data, "-p", self.port, "-k", self.workdir]
            + ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
            + ["-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            as_postgres=True,
        )
        wait_for(self.ready, timeout=30, what="PostgreSQL accepts connections", servers=[self])

    def ready(self) -> bool:
        psycopg.connect(self.url("postgres"), connect_timeout=2).close()
        return True

    def url(self, database: str = "portal") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as connection:
            return connection.execute(sql, params).fetchall()


# --- Redis -----------------------------------------------------------------------------


class Redis(Server):
    def __init__(self, workdir: Path):
        super().__init__(workdir, "redis")
        self.port = free_port()

    def start(self) -> None:
        self._spawn(
            ["redis-server", "--port", self.port, "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", self.workdir, "--daemonize", "no"]
        )
        wait_for(self.ping, timeout=20, what="Redis answers PING", servers=[self])

    def ping(self) -> bool:
        client = redis_client.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            return client.ping()
        finally:
            client.close()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


# --- The portal's processes ------------------------------------------------------------


def portal_env(pg: Postgres, media: Path, redis: Redis | None = None, **extra) -> dict:
    """The environment of the portal's processes on these servers: without
    Redis, Celery runs tasks eagerly (config.settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_VARIABLES)}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": pg.url(),
        "MEDIA_ROOT": str(media),
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    if redis is not None:
        env |= {"CELERY_BROKER_URL": redis.url(0), "CELERY_RESULT_BACKEND": redis.url(0)}
    return env | extra


class Gunicorn(Server):
    stop_signal = signal.SIGQUIT  # quick shutdown: the test is over

    def __init__(self, workdir: Path):
        super().__init__(workdir, "gunicorn")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def launch(self, env: dict, *, workers: int = 2) -> None:
        self._spawn(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
            + ["--bind", f"127.0.0.1:{self.port}", "--workers", workers]
            + ["--timeout", "60", "--graceful-timeout", "5"]
            + ["--access-logfile", "-", "--error-logfile", "-"],
            env=env,
        )

    def wait_ready(self, dependencies=()) -> None:
        wait_for(
            lambda: requests.get(self.url + "/", timeout=10).status_code == 200,
            timeout=60,
            what="gunicorn serves the home page",
            servers=[self, *dependencies],
        )


class Worker(Server):
    """A Celery worker as production runs it (prefork pool), optionally with
    its first PDF render hanging (tests/faults/slow_worker.py)."""

    stop_signal = signal.SIGQUIT  # cold shutdown: the test is over
    count = 0

    def __init__(self, workdir: Path):
        Worker.count += 1
        super().__init__(workdir, f"worker-{Worker.count}")
        self.hostname = f"faults-{Worker.count}@%h"

    def launch(self, env: dict, *, hang_flag: Path | None = None) -> None:
        if hang_flag is None:
            program = ["-m", "celery", "-A", "config", "worker"]
        else:
            program = ["-m", "tests.faults.slow_worker", "worker"]
            env = env | {"FAULTS_HANG_FLAG": str(hang_flag)}
        self._spawn(
            [sys.executable, *program, "--pool=prefork", "--concurrency=1"]
            + ["--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"]
            + [f"--hostname={self.hostname}"],
            env=env,
        )

    def wait_ready(self, dependencies=()) -> None:
        wait_for(
            lambda: " ready." in self.log_text(limit=10**7),
            timeout=60,
            what=f"{self.name} ready",
            servers=[self, *dependencies],
        )


class Browser:
    """A person on the portal over real HTTP: cookies, CSRF token, log-in."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, path: str, **options) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=30, **options)

    def post(self, path: str, data: dict, **options) -> requests.Response:
        # The CSRF cookie's secret is also a valid form token.
        token = self.session.cookies.get("csrftoken", "")
        return self.session.post(
            self.base_url + path,
            data=data | {"csrfmiddlewaretoken": token},
            headers={"Referer": self.base_url + path},
            timeout=30,
            **options,
        )

    def login(self, email: str, password: str, *, totp_secret: str | None = None):
        assert self.get("/compte/login/").status_code == 200
        response = self.post("/compte/login/", {"login": email, "password": password})
        if totp_secret is not None:
            from accounts.mfa import current_totp_code

            assert "/compte/2fa/authenticate/" in response.url, response.url
            if time.time() % 30 > 27:  # not a code about to expire
                time.sleep(30 - time.time() % 30 + 0.2)
            response = self.post(
                "/compte/2fa/authenticate/", {"code": current_totp_code(totp_secret)}
            )
        assert response.status_code == 200 and "/compte/" not in response.url, (
            response.status_code,
            response.url,
        )
        assert self.session.cookies.get("sessionid")
        return response


# --- Fixtures --------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.faults_failed = report.failed
    return report


class Servers:
    """What one test started, stopped in reverse order at its end."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.started: list[Server] = []

    def add(self, server: Server) -> Server:
        self.started.append(server)
        return server

    def postgres(self, template: "PortalTemplate") -> Postgres:
        pg = self.add(Postgres(self.workdir))
        pg.copy_from(template.data)
        pg.start()
        return pg

    def redis(self) -> Redis:
        redis = self.add(Redis(self.workdir))
        redis.start()
        return redis

    def media(self, template: "PortalTemplate") -> Path:
        media = self.workdir / "media"
        shutil.copytree(template.media, media)
        return media

    def gunicorn(self, env: dict, *, wait=True, dependencies=(), **options) -> Gunicorn:
        server = self.add(Gunicorn(self.workdir))
        server.launch(env, **options)
        if wait:
            server.wait_ready(dependencies)
        return server

    def worker(self, env: dict, *, wait=True, dependencies=(), **options) -> Worker:
        """A worker, ready (``wait=False``: started, ``wait_ready`` later)."""
        worker = self.add(Worker(self.workdir))
        worker.launch(env, **options)
        if wait:
            worker.wait_ready(dependencies)
        return worker

    def logs(self) -> str:
        return logs_of(self.started)


@pytest.fixture
def servers(request):
    workdir = workdir_make()
    started = Servers(workdir)
    try:
        yield started
    finally:
        for server in reversed(started.started):
            server.stop()
        if getattr(request.node, "faults_failed", False) or os.environ.get("FAULTS_SHOW_LOGS"):
            print(started.logs())
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass(frozen=True)
class PortalTemplate:
    """A stopped cluster holding the migrated portal and its demonstration data."""

    data: Path
    media: Path
    facts: dict


SETUP_SCRIPT = textwrap.dedent(
    """
    import json, os
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from accounts.demo import demo_accounts_ensure
    from deliverables.models import Roadmap
    from deliverables.services import rendering
    from seminars.models import Seminar
    from territories.models import ParticipationContact

    call_command("migrate", interactive=False, verbosity=0)
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)
    with transaction.atomic():
        accounts = {a.role: a.email for a in demo_accounts_ensure(password=os.environ["PASSWORD"])}

    def email(prefix):
        return next(e for role, e in accounts.items() if role.startswith(prefix))

    referent = email("Agent référent")
    contact = ParticipationContact.objects.select_related("participation").get(
        user__email=referent
    )
    participation = contact.participation
    seminar = (
        Seminar.objects.filter(fabrique=participation.fabrique, status=Seminar.Status.HELD)
        .exclude(participation=None)
        .order_by("pk")
        .first()
    )
    # A roadmap PDF job of another territory, queued but never sent (as if
    # the web had just saved it): the worker test sends it.
    other = (
        Roadmap.objects.filter(participation__fabrique=participation.fabrique)
        .exclude(participation=participation)
        .select_related("participation__territory")
        .order_by("pk")
        .first()
    )
    rendering._enqueue = lambda pdf: None
    job = rendering.roadmap_pdf_request(roadmap=other, by=None)
    facts = {
        "referent": referent,
        "elu": email("Élu référent"),
        "prestataire": email("Prestataire"),
        "participation": participation.pk,
        "territory": participation.territory.name,
        "seminar": seminar.pk,
        "job": job.pk,
        "job_territory": other.participation.territory.name,
    }
    with open(os.environ["FACTS"], "w") as out:
        json.dump(facts, out)
    """
)


@pytest.fixture(scope="session")
def portal_template():
    workdir = workdir_make()
    pg = Postgres(workdir, name="template-postgresql")
    try:
        pg.initdb()
        pg.start()
        with psycopg.connect(pg.url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE portal")
        facts_file = workdir / "facts.json"
        env = portal_env(pg, workdir / "media", PASSWORD=DEMO_PASSWORD, FACTS=str(facts_file))
        setup = subprocess.run(
            [sys.executable, "-c", SETUP_SCRIPT],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if setup.returncode:
            pytest.fail(
                f"demo data setup failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-6000:]}",
                pytrace=False,
            )
        pg.stop()
        facts = json.loads(facts_file.read_text())
        (workdir / "media").mkdir(exist_ok=True)
        yield PortalTemplate(data=pg.data, media=workdir / "media", facts=facts)
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def job_row(pg: Postgres, pk: int) -> dict:
    rows = pg.query(
        "SELECT state, attempts, file, error, source_key FROM deliverables_generatedpdf"
        " WHERE id = %s",
        (pk,),
    )
    assert rows, f"no GeneratedPdf {pk}"
    state, attempts, file, error, source_key = rows[0]
    return {"state": state, "attempts": attempts, "file": file, "error": error, "key": source_key}
