"""``make bench``: build the two datasets on a throwaway PostgreSQL, measure,
print the table with the budgets of issue 9, write ``bench/results.json``.

    .venv/bin/python -m bench.run [--scale 1] [--small-scale 0.1] [--load-seconds 60]

Starts its own PostgreSQL cluster (initdb + postgres on a free loopback port,
as ``.ci/run`` does) and stops it, with gunicorn, whatever happens. Celery runs
eagerly (no broker), so no Redis is needed. Never fails on a budget: the exit
code is 0 unless the benchmark itself could not run.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
RESULTS = ROOT / "bench" / "results.json"

# Budgets of issue 9.
MAX_QUERIES = 12
MAX_MEDIAN_RATIO = 4
MAX_P95_RATIO = 6
MAX_PDF_RATIO = 1.3
MAX_PER_PAGE_GROWTH = 1.5
MAX_SWEEP_QUERIES = 5
MAX_LOAD_P95_RATIO = 4


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    """A throwaway cluster; as root it runs as the postgres user."""

    def __init__(self, workdir: Path):
        self.dir = workdir / "pg"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *command, **kwargs):
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        return subprocess.run([*prefix, *map(str, command)], check=True, **kwargs)

    def start(self):
        self.dir.mkdir()
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(PGBIN / "initdb", "-D", self.dir / "data", "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", stdout=subprocess.DEVNULL)  # fmt: skip
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        self._run(PGBIN / "pg_ctl", "-D", self.dir / "data", "-l", self.dir / "log", "-w",
                  "-o", options, "start", stdout=subprocess.DEVNULL)  # fmt: skip
        log(f"PostgreSQL on 127.0.0.1:{self.port}")

    def stop(self):
        if (self.dir / "data" / "postmaster.pid").exists():
            self._run(PGBIN / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "-w", "stop",
                      stdout=subprocess.DEVNULL)  # fmt: skip
            log("PostgreSQL stopped")

    def sql(self, statement: str, database: str = "postgres"):
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
             "-qc", statement],
            check=True,
        )  # fmt: skip

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


class Bench:
    def __init__(self, args, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.pg = Postgres(workdir)
        self.gunicorn = None

    def env(self, database: str, size: str) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DJANGO_ENV"}
        }
        env |= {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.pg.url(database),
            "BENCH_MEDIA_ROOT": str(self.workdir / f"media-{size}"),
            "PYTHONPATH": str(ROOT),
        }
        return env

    def manage(self, size: str, *command, database=None):
        subprocess.run(
            [PYTHON, "manage.py", *map(str, command)],
            cwd=ROOT,
            env=self.env(database or f"bench_{size}", size),
            check=True,
        )

    def measure(self, size: str, part: str, *extra) -> dict:
        output = self.workdir / f"{part}-{size}-{len(extra)}-{time.monotonic_ns()}.json"
        self.manage(size, "bench_measure", part, "--output", output, *extra)
        return json.loads(output.read_text())

    # --- Steps -----------------------------------------------------------------------

    def databases(self):
        log("migrating a template database and importing the geography")
        self.pg.sql("CREATE DATABASE bench_template")
        self.manage("template", "migrate", "--noinput", "-v0", database="bench_template")
        self.manage("template", "import_geography", database="bench_template")
        sizes = {"small": self.args.small_scale, "large": self.args.scale}
        built = {}
        for size, scale in sizes.items():
            self.pg.sql(f"CREATE DATABASE bench_{size} TEMPLATE bench_template")
            log(f"building the {size} dataset (scale {scale}, seed {self.args.seed})")
            start = time.perf_counter()
            self.manage(size, "bench_data", "--seed", self.args.seed, "--scale", scale)
            # What autovacuum gives a database in service: planner statistics
            # and a visibility map (index-only scans). Right after a bulk load
            # it has had no time to run, and the plans would be a fresh
            # load's, not the portal's.
            self.pg.sql("VACUUM ANALYZE", database=f"bench_{size}")
            built[size] = {"scale": scale, "seconds": time.perf_counter() - start}
        return built

    def load(self) -> dict:
        plan = self.workdir / "load-plan.json"
        self.manage("large", "bench_measure", "load-plan", "--output", plan)
        port = free_port()
        log(f"load: gunicorn (2 workers) on 127.0.0.1:{port}, locust with {self.args.users} users "
            f"for {self.args.load_seconds} s")  # fmt: skip
        access_log = self.workdir / "access.log"
        self.gunicorn = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--bind",
             f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
             "--access-logfile", str(access_log), "--access-logformat", "%(U)s %(s)s %(D)s"],
            cwd=ROOT,
            env=self.env("bench_large", "large"),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/__bench__/vide/", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or self.gunicorn.poll() is not None:
                    raise RuntimeError("gunicorn did not answer") from None
                time.sleep(0.5)
        # Warm both workers up, then measure from a clean access log.
        for _ in range(6):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).read()
        access_log.write_text("")
        output = self.workdir / "load.json"
        env = os.environ | {"BENCH_LOAD_PLAN": str(plan), "BENCH_LOAD_OUTPUT": str(output)}
        locust_log = self.workdir / "locust.log"
        try:
            subprocess.run(
                [PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                 "-u", str(self.args.users), "-r", str(max(1, self.args.users // 5)),
                 "-t", f"{self.args.load_seconds}s", "-H", f"http://127.0.0.1:{port}",
                 "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
                cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                stderr=locust_log.open("w"),
            )  # fmt: skip
        except subprocess.CalledProcessError:
            print(locust_log.read_text()[-3000:], file=sys.stderr)
            raise
        self.stop_gunicorn()
        data = json.loads(output.read_text())
        # Server time of each request (gunicorn's %(D)s, microseconds): what the
        # worker spent on it, without the wait in the listen queue that client
        # times include once the two workers are saturated.
        server = {"portal": [], "empty": []}
        for line in access_log.read_text().splitlines():
            path, _status, micros = line.split()
            if path == "/__bench__/vide/":
                server["empty"].append(int(micros) / 1000)
            else:
                server["portal"].append(int(micros) / 1000)
        result = {"seconds": self.args.load_seconds, "users": self.args.users}
        for group in ("portal", "empty"):
            times = data["times_ms"][group]
            result[group] = {
                "requests": len(times),
                "errors": data["errors"][group],
                "throughput_rps": len(times) / self.args.load_seconds,
                "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "p99_ms": percentile(times, 99),
                "server_p50_ms": percentile(server[group], 50),
                "server_p95_ms": percentile(server[group], 95),
                "server_p99_ms": percentile(server[group], 99),
            }
        return result

    def stop_gunicorn(self):
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            self.gunicorn.terminate()
            try:
                self.gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
                self.gunicorn.wait()
        self.gunicorn = None

    def run(self) -> dict:
        started = time.perf_counter()
        results = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                   "seed": self.args.seed}  # fmt: skip
        self.pg.start()
        results["datasets"] = self.databases()
        log("pages: query counts on the small dataset")
        results["pages_small"] = self.measure("small", "pages", "--untimed")
        log(f"pages: query counts and {self.args.requests} timed rounds on the large dataset")
        results["pages_large"] = self.measure("large", "pages", "--requests", self.args.requests)
        log("PDFs (one process per job, on the large dataset)")
        results["pdfs"] = {
            job: self.measure("large", "pdfs", "--job", job)
            for job in ("roadmap_25", "roadmap_60", "publication_8")
        }
        log("reminder sweep")
        results["sweep"] = {size: self.measure(size, "sweep") for size in ("small", "large")}
        if self.args.load_seconds > 0:
            results["load"] = self.load()
        results["total_seconds"] = time.perf_counter() - started
        return results


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


# --- The table ------------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "FAIL")


def num(value, digits=1, suffix=""):
    return "—" if value is None else f"{value:.{digits}f}{suffix}"


def budgets(results: dict) -> tuple[list[str], list[dict]]:
    """The printed table and one row per budget line (for results.json)."""
    lines, checks = [], []

    def check(section, name, ok, detail):
        checks.append({"section": section, "line": name, "result": verdict(ok), "detail": detail})
        return verdict(ok)

    small, large = results["pages_small"]["pages"], results["pages_large"]["pages"]
    lines.append("1. Pages (time: large dataset; ×vide = ratio to the empty page, same persona)")
    header = (f"{'page':46} {'persona':11} {'req S':>5} {'req L':>5} {'med ms':>7} {'×vide':>6} "
              f"{'p95 ms':>7} {'×vide':>6}  budget")  # fmt: skip
    lines += [header, "-" * len(header)]
    for key, page in large.items():
        if page.get("absent"):
            lines.append(f"{page['label']:46} {page['persona']:11} absent")
            checks.append({"section": "pages", "line": page["label"], "result": "absent"})
            continue
        q_small, q_large = small[key].get("queries"), page["queries"]
        problems = []
        if page["status"] != 200 or small[key].get("status") != 200:
            problems.append(f"HTTP {small[key].get('status')}/{page['status']}")
        if q_large > MAX_QUERIES:
            problems.append(f"{q_large} queries > {MAX_QUERIES}")
        if q_small != q_large:
            problems.append("queries grow with the data")
        if not page["admin"]:
            if page.get("median_ratio", 0) > MAX_MEDIAN_RATIO:
                problems.append(f"median ×{page['median_ratio']:.1f} > {MAX_MEDIAN_RATIO}")
            if page.get("p95_ratio", 0) > MAX_P95_RATIO:
                problems.append(f"p95 ×{page['p95_ratio']:.1f} > {MAX_P95_RATIO}")
        result = check("pages", page["label"], not problems, "; ".join(problems))
        lines.append(
            f"{page['label']:46} {page['persona']:11} {q_small!s:>5} {q_large:>5} "
            f"{num(page.get('median_ms')):>7} {num(page.get('median_ratio')):>6} "
            f"{num(page.get('p95_ms')):>7} {num(page.get('p95_ratio')):>6}  {result}"
            + (f" ({'; '.join(problems)})" if problems else "")
        )
    for persona, floor in results["pages_large"]["empty"].items():
        lines.append(f"{'Page vide (plancher)':46} {persona:11} {'':>5} "
                     f"{results['pages_large']['empty_queries']:>5} {num(floor['median_ms']):>7} "
                     f"{'1.0':>6} {num(floor['p95_ms']):>7} {'1.0':>6}")  # fmt: skip

    lines += ["", "2. PDFs (large dataset)"]
    header = (f"{'job':40} {'pages':>5} {'s':>6} {'s/page':>7} {'WP s':>6} {'×WP':>5} "
              f"{'RSS MiB':>8}  budget")  # fmt: skip
    lines += [header, "-" * len(header)]
    pdfs = results["pdfs"]
    for job in pdfs.values():
        if "absent" in job or "error" in job:
            lines.append(f"{job['label']:40} {job.get('absent') and 'absent' or job['error']}")
            checks.append({"section": "pdfs", "line": job["label"], "result": "absent"})
            continue
        ok = job["ratio_to_weasyprint"] <= MAX_PDF_RATIO
        result = check("pdfs", job["label"], ok, f"×{job['ratio_to_weasyprint']:.2f} WeasyPrint")
        lines.append(
            f"{job['label']:40} {job['pages']:>5} {job['seconds']:>6.2f} "
            f"{job['seconds_per_page']:>7.3f} {job['weasyprint_seconds']:>6.2f} "
            f"{job['ratio_to_weasyprint']:>5.2f} {job['peak_rss_mib']:>8.0f}  {result}"
        )
    if "seconds_per_page" in pdfs["roadmap_25"] and "seconds_per_page" in pdfs["roadmap_60"]:
        growth = pdfs["roadmap_60"]["seconds_per_page"] / pdfs["roadmap_25"]["seconds_per_page"]
        result = check("pdfs", "s/page 60 vs 25 actions", growth <= MAX_PER_PAGE_GROWTH,
                       f"×{growth:.2f}")  # fmt: skip
        lines.append(f"{'time per page, 60 vs 25 actions':40} ×{growth:.2f} "
                     f"(≤ {MAX_PER_PAGE_GROWTH})  {result}")  # fmt: skip

    lines += ["", "3. Reminder sweep"]
    sweep = results["sweep"]
    if any("absent" in s for s in sweep.values()):
        lines.append(f"absent ({sweep['large'].get('absent', '')})")
        checks.append({"section": "sweep", "line": "reminder sweep", "result": "absent"})
    else:
        for label, key in [("nothing due", "nothing_due"), ("100 due", "due_100")]:
            for size in ("small", "large"):
                entry = sweep[size].get(key, {})
                if "absent" in entry or not entry:
                    lines.append(f"{label:14} {size:6} absent")
                    continue
                ok = entry["queries"] <= MAX_SWEEP_QUERIES if key == "nothing_due" else None
                result = check("sweep", f"{label} ({size})", ok, f"{entry['queries']} queries")
                lines.append(f"{label:14} {size:6} {entry['queries']:>4} queries "
                             f"{1000 * entry['seconds']:>8.1f} ms  {result}")  # fmt: skip

    lines += ["", "4. Load (gunicorn 2 workers, large dataset)"]
    load = results.get("load")
    if not load:
        lines.append("skipped (--load-seconds 0)")
    else:
        lines.append(f"{load['users']} users for {load['seconds']} s")
        header = (f"{'':12} {'req':>6} {'err':>4} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}"
                  f"  | server {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")  # fmt: skip
        lines += [header, "-" * len(header)]
        for group in ("portal", "empty"):
            g = load[group]
            client = " ".join(f"{num(g[k], 0):>6}" for k in ("p50_ms", "p95_ms", "p99_ms"))
            server = " ".join(
                f"{num(g[k], 0):>6}" for k in ("server_p50_ms", "server_p95_ms", "server_p99_ms")
            )
            lines.append(f"{group:12} {g['requests']:>6} {g['errors']:>4} "
                         f"{g['throughput_rps']:>6.1f} {client}  |        {server}")  # fmt: skip
        errors = load["portal"]["errors"] + load["empty"]["errors"]
        lines.append(f"errors: {errors}  {check('load', 'errors', errors == 0, str(errors))}")
        for label, field in [("client", "p95_ms"), ("server", "server_p95_ms")]:
            if load["portal"][field] and load["empty"][field]:
                ratio = load["portal"][field] / load["empty"][field]
                result = check("load", f"{label} p95 vs empty page",
                               ratio <= MAX_LOAD_P95_RATIO, f"×{ratio:.2f}")  # fmt: skip
                lines.append(f"portal p95 / empty p95 ({label} time): ×{ratio:.2f} "
                             f"(≤ {MAX_LOAD_P95_RATIO})  {result}")  # fmt: skip
    failed = sum(1 for c in checks if c["result"] == "FAIL")
    passed = sum(1 for c in checks if c["result"] == "PASS")
    total = results.get("total_seconds", 0)
    lines += [
        "",
        f"Budgets: {passed} PASS, {failed} FAIL. Whole run: {total:.0f} s. "
        f"Details: {results.get('output', RESULTS)}",
    ]
    return lines, checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="large dataset (default 1)")
    parser.add_argument("--small-scale", type=float, default=None,
                        help="small dataset (default: a tenth of --scale)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=60, help="timed rounds of pages")
    parser.add_argument("--load-seconds", type=int, default=60, help="0 skips the load test")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.small_scale is None:
        args.small_scale = args.scale / 10

    if not (PGBIN / "initdb").exists():
        sys.exit(f"PostgreSQL 15 binaries not found in {PGBIN} (set PGBIN=/path/to/bin)")
    # A Ctrl-C or a kill still stops PostgreSQL and gunicorn (finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="fabriques-bench-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
        os.chmod(workdir, 0o777)
    bench = Bench(args, workdir)
    try:
        results = bench.run()
    finally:
        bench.stop_gunicorn()
        try:
            bench.pg.stop()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    results["output"] = str(args.output)
    lines, checks = budgets(results)
    results["budgets"] = checks
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
