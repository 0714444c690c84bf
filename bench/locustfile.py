"""The load test of ``make bench``: users of every role on the portal's pages,
and the empty page under the same load.

``BENCH_LOAD_PLAN`` names the JSON written by ``manage.py bench_measure
load-plan`` (pages per persona and a logged-in session cookie each);
``BENCH_LOAD_OUTPUT`` the JSON this file writes at the end: every response
time, split into the portal's pages and the empty page.
"""

import json
import os
import random

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8").read())
# How the 50 users divide between roles: the public first, then the territories.
ROLE_WEIGHTS = {"anonyme": 40, "elu": 25, "prestataire": 20, "anct": 15}
TIMES = {"portal": [], "empty": []}
ERRORS = {"portal": 0, "empty": 0}


@events.request.add_listener
def record(request_type, name, response_time, response_length, exception, **kwargs):
    group = "empty" if name.startswith("vide") else "portal"
    TIMES[group].append(response_time)
    if exception is not None:
        ERRORS[group] += 1


@events.quitting.add_listener
def write(environment, **kwargs):
    output = os.environ.get("BENCH_LOAD_OUTPUT")
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            json.dump({"times_ms": TIMES, "errors": ERRORS}, handle)


class PortalUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        roles = [r for r in ROLE_WEIGHTS if PLAN["personas"].get(r, {}).get("pages")]
        self.role = random.choices(roles, weights=[ROLE_WEIGHTS[r] for r in roles])[0]
        persona = PLAN["personas"][self.role]
        if persona["cookie"]:
            self.client.cookies.set(PLAN["cookie_name"], persona["cookie"])
        self.pages = persona["pages"]

    @task(6)
    def page(self):
        page = random.choice(self.pages)
        self.client.get(page["url"], name=f"{self.role}:{page['key']}")

    @task(1)
    def empty(self):
        self.client.get(PLAN["empty"], name=f"vide:{self.role}")
