"""PostgreSQL restarted while the site serves: only the requests made while it
was down fail, then every page answers again, at once (persistent connections
are checked before use: CONN_HEALTH_CHECKS in config/settings.py)."""

import threading
import time
from dataclasses import dataclass

import pytest
import requests

from .conftest import DEMO_PASSWORD, Browser, portal_env

pytestmark = pytest.mark.faults


# A public page (database cache) and the référent's territory (session, user,
# permissions), both answered 200.
def pages(participation: int) -> list[str]:
    return ["/", f"/territoire/{participation}/"]


@dataclass
class Answer:
    sent: float
    received: float
    status: int  # 0: no HTTP answer at all


def fire(browser: Browser, paths: list[str], stop: threading.Event, answers: list[Answer]):
    """Requests one after the other, as fast as the site answers, until stopped."""
    n = 0
    while not stop.is_set():
        path = paths[n % len(paths)]
        n += 1
        sent = time.monotonic()
        try:
            status = browser.get(path, allow_redirects=False).status_code
        except requests.RequestException:
            status = 0
        answers.append(Answer(sent, time.monotonic(), status))
        time.sleep(0.01)


def test_a_postgresql_restart_fails_only_the_requests_in_flight(servers, portal_template):
    facts = portal_template.facts
    paths = pages(facts["participation"])
    pg = servers.postgres(portal_template)
    media = servers.media(portal_template)
    web = servers.gunicorn(portal_env(pg, media), workers=2, dependencies=[pg])

    stop = threading.Event()
    answers: list[list[Answer]] = []
    threads = []
    browsers = []
    for _ in range(2):  # one per gunicorn worker
        browser = Browser(web.url)
        browser.login(facts["referent"], DEMO_PASSWORD)
        browsers.append(browser)
        answers.append([])
        threads.append(threading.Thread(target=fire, args=(browser, paths, stop, answers[-1])))
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)  # traffic before the restart (and both connections opened)
        down_at = time.monotonic()
        pg.stop()  # fast shutdown: sessions ended, as pg_ctl restart -m fast does
        pg.start()
        up_at = time.monotonic()
        # Traffic after PostgreSQL is back: 3 s of it.
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    every = sorted((a for thread in answers for a in thread), key=lambda a: a.sent)
    before = [a for a in every if a.received < down_at]
    failed = [a for a in every if a.status != 200]
    after = [a for a in every if a.sent > up_at]
    late_failures = [a for a in failed if a.sent > up_at]
    summary = (
        f"{len(every)} requests, {len(failed)} failed ({sorted({a.status for a in failed})}); "
        f"PostgreSQL down {up_at - down_at:.2f} s; {len(after)} requests after it was back"
    )
    print(summary)
    assert before and all(a.status == 200 for a in before), summary
    # Only requests sent while PostgreSQL was down (or in flight when it went) failed.
    assert all(down_at - 1 <= a.sent <= up_at for a in failed), (summary, servers.logs())
    assert not late_failures, (summary, servers.logs())
    assert len(after) >= 20 and all(a.status == 200 for a in after), summary
    first_good = min(a.received for a in after if a.status == 200) - up_at
    print(f"first good answer {first_good:.2f} s after PostgreSQL accepted connections again")

    # Restarted again while no request is in flight: none fails, not even the
    # first one each gunicorn worker serves on its (dead) persistent connection.
    pg.stop()
    pg.start()
    statuses = [
        browser.get(path).status_code for _ in range(10) for path in paths for browser in browsers
    ]
    assert statuses == [200] * len(statuses), (statuses, servers.logs())
