"""What ``make bench`` measures inside Django (bench settings, one database):
pages, PDFs and the reminder sweep. ``manage.py bench_measure`` runs one part
and writes its results as JSON; ``bench/run.py`` puts the parts together.

Every time is compared with a floor measured in the same run: an empty page on
the same base layout, requested by the same persona, interleaved with the
pages (one request of each page per round) so that the load of the machine
weighs on the page and on its floor alike.
"""

import copy
import gc
import statistics
import time
from dataclasses import dataclass

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from bench.dataset import EMAIL_DOMAIN, ICAL_EMAIL
from fabriques.models import Fabrique, TeamMember
from territories.models import ParticipationContact

EMPTY_URL = "/__bench__/vide/"


@dataclass
class Page:
    key: str
    label: str
    persona: str
    url: str | None  # None: the URL does not resolve (the page is not built yet)
    admin: bool = False


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _reverse(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def personas() -> dict[str, User | None]:
    """The people the pages are requested as, chosen the same way at every size:
    in the first running Fabrique, its first consultant and first élu."""
    running = Fabrique.objects.filter(status=Fabrique.Status.RUNNING).order_by("pk")
    consultant = (
        TeamMember.objects.filter(role=TeamMember.Role.CONSULTANT, contract__fabrique__in=running)
        .order_by("pk")
        .select_related("user")
        .first()
    )
    elu = (
        ParticipationContact.objects.filter(
            role=ParticipationContact.Role.ELU, participation__fabrique__in=running
        )
        .order_by("pk")
        .select_related("user")
        .first()
    )
    return {
        "anonyme": None,
        "anct": User.objects.get(email=f"anct-001@{EMAIL_DOMAIN}"),
        "prestataire": consultant.user,
        "elu": elu.user,
        "_elu_participation": elu.participation_id,
        "_prestataire_fabrique": consultant.contract.fabrique_id,
    }


def pages(people) -> list[Page]:
    from seminars.calendars import calendar_feed_create

    fabrique = Fabrique.objects.public().filter(status=Fabrique.Status.RUNNING).order_by("pk")
    fabrique = fabrique.first() or Fabrique.objects.public().order_by("pk").first()
    ical_user = User.objects.get(email=ICAL_EMAIL)
    _feed, token = calendar_feed_create(user=ical_user)
    year = timezone.localdate().year
    catalogue = _reverse("catalogue")
    return [
        Page("home", "Accueil", "anonyme", _reverse("home")),
        Page("catalogue", "Catalogue, page 1", "anonyme", catalogue),
        Page(
            "catalogue_filtered",
            "Catalogue, 3 filtres",
            "anonyme",
            f"{catalogue}?edition={year}&transition=ecologique&territory_kind=commune",
        ),
        Page("map", "Carte", "anonyme", _reverse("map")),
        Page(
            "fabrique",
            "Page publique d'une Fabrique",
            "anonyme",
            _reverse("fabrique_detail", fabrique.slug),
        ),  # fmt: skip
        Page(
            "territory_space",
            "Espace territoire (élu)",
            "elu",
            _reverse("territories:participation", people["_elu_participation"]),
        ),  # fmt: skip
        Page(
            "prestataire_space",
            "Espace prestataire",
            "prestataire",
            _reverse("fabriques:prestataire_space"),
        ),  # fmt: skip
        Page("dashboard", "Tableau de bord ANCT", "anct", _reverse("fabriques:dashboard")),
        Page("year_view", "Vue de l'année (ANCT)", "anct", _reverse("fabriques:year_view")),
        Page(
            "seminar_list",
            "Liste des séminaires (Fabrique, prestataire)",
            "prestataire",
            _reverse("fabriques:prestataire_fabrique", people["_prestataire_fabrique"]),
        ),  # fmt: skip
        Page(
            "notes_review", "Notes à examiner (ANCT)", "anct", _reverse("seminars:notes_review")
        ),  # fmt: skip
        Page("ical", "Flux iCal (≈200 séminaires)", "anonyme", _reverse("seminars:feed", token)),
        Page(
            "admin_fabriques", "Admin : Fabriques", "anct", "/admin/fabriques/fabrique/", admin=True
        ),  # fmt: skip
        Page(
            "admin_participations",
            "Admin : participations",
            "anct",
            "/admin/territories/participation/",
            admin=True,
        ),  # fmt: skip
        Page(
            "admin_seminars", "Admin : séminaires", "anct", "/admin/seminars/seminar/", admin=True
        ),  # fmt: skip
        Page(
            "admin_actions", "Admin : actions", "anct", "/admin/deliverables/action/", admin=True
        ),  # fmt: skip
    ]


def _clients(people) -> dict[str, Client]:
    clients = {}
    for name, user in people.items():
        if name.startswith("_"):
            continue
        # Exceptions of a page become a 500 in the table, not the end of the run.
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        clients[name] = client
    return clients


def _timed_get(client, url) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return time.perf_counter() - start, response.status_code


def measure_pages(*, requests: int = 30, timed: bool = True) -> dict:
    people = personas()
    page_list = pages(people)
    clients = _clients(people)
    results = {}
    floors = {name: [] for name in clients}
    # Warm-up (templates, URL resolvers, connections), then the query counts.
    for page in page_list:
        if page.url is None:
            results[page.key] = {"label": page.label, "persona": page.persona, "absent": True}
            continue
        client = clients[page.persona]
        for _ in range(2):
            client.get(page.url)
        with CaptureQueriesContext(connection) as captured:
            _elapsed, status = _timed_get(client, page.url)
        results[page.key] = {
            "label": page.label,
            "persona": page.persona,
            "url": page.url,
            "admin": page.admin,
            "status": status,
            "queries": len(captured),
            # What to look at when a budget fails: each query, shortened.
            "sql": [query["sql"][:400] for query in captured.captured_queries],
            "times": [],
        }
    for client in clients.values():
        client.get(EMPTY_URL)
    with CaptureQueriesContext(connection) as captured:
        clients["anonyme"].get(EMPTY_URL)
    empty_queries = len(captured)
    if timed:
        gc.collect()
        for _round in range(requests):
            for name, client in clients.items():
                floors[name].append(_timed_get(client, EMPTY_URL)[0])
            for page in page_list:
                if page.url is not None:
                    elapsed, _status = _timed_get(clients[page.persona], page.url)
                    results[page.key]["times"].append(elapsed)
            reset_queries()
    summary = {}
    for name, values in floors.items():
        summary[name] = {
            "median_ms": 1000 * statistics.median(values) if values else None,
            "p95_ms": 1000 * percentile(values, 95) if values else None,
        }
    for result in results.values():
        values = result.pop("times", [])
        if values:
            floor = summary[result["persona"]]
            result["median_ms"] = 1000 * statistics.median(values)
            result["p95_ms"] = 1000 * percentile(values, 95)
            result["median_ratio"] = result["median_ms"] / floor["median_ms"]
            result["p95_ratio"] = result["p95_ms"] / floor["p95_ms"]
            result["requests"] = len(values)
    return {"pages": results, "empty": summary, "empty_queries": empty_queries}


# --- PDFs ------------------------------------------------------------------------------


def _roadmap_with_actions(count: int):
    """An adopted-Fabrique roadmap holding exactly ``count`` actions (extra ones
    are added to a bench copy of its axes when the dataset has fewer)."""
    from deliverables.models import Action, Roadmap

    roadmap = (
        Roadmap.objects.filter(participation__fabrique__status=Fabrique.Status.RUNNING)
        .order_by("pk")
        .first()
    )
    if count != 25:
        roadmap = Roadmap.objects.filter(pk__gt=roadmap.pk).order_by("pk").first()
    actions = list(roadmap.actions.order_by("position", "pk"))
    extra = []
    for n in range(len(actions), count):
        model = copy.copy(actions[n % len(actions)])
        model.pk = None
        model.position = n
        model.title = f"{model.title} (suite {n})"
        extra.append(model)
    Action.objects.bulk_create(extra)
    roadmap.actions.filter(position__gte=count).delete()
    return roadmap


def _publication_fabrique():
    """A finished Fabrique of 8 territories with an adopted version of each roadmap."""
    from deliverables.models import Roadmap, RoadmapVersion
    from deliverables.services.roadmaps import (
        roadmap_for_snapshot,
        roadmap_snapshot,
        snapshot_sha256,
    )

    fabrique = (
        Fabrique.objects.filter(end_date__lt=timezone.localdate())
        .order_by("-end_date", "pk")
        .first()
    )
    if fabrique is None:  # a tiny dataset of this year's Fabriques only
        fabrique = Fabrique.objects.order_by("pk").first()
    staff = User.objects.get(email=f"anct-001@{EMAIL_DOMAIN}")
    for roadmap in Roadmap.objects.filter(participation__fabrique=fabrique):
        if roadmap.versions.exists():
            continue
        snapshot = roadmap_snapshot(roadmap_for_snapshot(roadmap.pk))
        RoadmapVersion.objects.create(
            roadmap=roadmap,
            number=1,
            adopted_on=roadmap.adopted_on or fabrique.end_date,
            adopted_by=staff,
            content=snapshot,
            content_sha256=snapshot_sha256(snapshot),
        )
    # Confirmed participations only are printed.
    fabrique.participations.update(status="confirmee", confirmed_on=fabrique.start_date)
    return fabrique


def _weasyprint_alone(html: str, pdf_module) -> float:
    from weasyprint import HTML

    from deliverables import pdf as pdf_helpers

    start = time.perf_counter()
    document = HTML(
        string=html,
        base_url=pdf_helpers.BASE_URL,
        url_fetcher=pdf_helpers.StaticFilesOnlyFetcher(),
    ).render(**pdf_helpers.PDF_OPTIONS)
    document.write_pdf(**pdf_helpers.PDF_OPTIONS)
    return time.perf_counter() - start


PDF_JOBS = {
    "roadmap_25": "Feuille de route, 25 actions",
    "roadmap_60": "Feuille de route, 60 actions",
    "publication_8": "Publication, Fabrique de 8 territoires",
}


def measure_pdf(job: str, *, repeats: int = 3) -> dict:
    """One PDF job, in a process of its own (``bench/run.py`` starts one per
    job) so that the process's peak RSS is this job's.

    The whole job is ``pdf_render`` (claim and load the rows, render the HTML,
    WeasyPrint, store the file); "WeasyPrint alone" renders the same HTML with
    the same fetcher and options, in the same process, alternating with it."""
    import resource

    from django.template.loader import render_to_string

    from deliverables.models import GeneratedPdf
    from deliverables.services import pdf_sources, rendering

    staff = User.objects.get(email=f"anct-001@{EMAIL_DOMAIN}")
    if job == "publication_8":
        source, _snapshot = pdf_sources.publication_source(_publication_fabrique())
    else:
        roadmap = _roadmap_with_actions(25 if job == "roadmap_25" else 60)
        source, _snapshot = pdf_sources.roadmap_source(roadmap)
    pdf, _created = GeneratedPdf.objects.get_or_create(
        source_key=source.key,
        source_sha256=source.sha256,
        defaults={
            "kind": source.kind,
            "title": source.title,
            "fabrique_id": source.fabrique_id,
            "participation_id": source.participation_id,
            "requested_by": staff,
        },
    )
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # A long job is measured once; the first run of a short one warms up.
    runs = 1 if job == "publication_8" else repeats + 1
    whole, alone, pages = [], [], None
    for attempt in range(runs):
        GeneratedPdf.objects.filter(pk=pdf.pk).update(state=GeneratedPdf.State.QUEUED)
        gc.collect()
        start = time.perf_counter()
        done = rendering.pdf_render(pdf_id=pdf.pk)
        elapsed = time.perf_counter() - start
        if done is None or done.state != GeneratedPdf.State.READY:
            return {"label": PDF_JOBS[job], "error": getattr(done, "error", "not rendered")}
        pages = done.page_count
        html = render_to_string(
            rendering.TEMPLATES[done.kind], rendering._context(done) | {"pdf_title": done.title}
        )
        gc.collect()
        alone_elapsed = _weasyprint_alone(html, rendering)
        if attempt or runs == 1:
            whole.append(elapsed)
            alone.append(alone_elapsed)
    whole_s, alone_s = statistics.median(whole), statistics.median(alone)
    return {
        "label": PDF_JOBS[job],
        "pages": pages,
        "seconds": whole_s,
        "seconds_per_page": whole_s / pages,
        "weasyprint_seconds": alone_s,
        "ratio_to_weasyprint": whole_s / alone_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mib": baseline_rss,
    }


# --- Reminder sweep ------------------------------------------------------------------------


def _sweep(services) -> dict:
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        report = services.reminders_sweep()
        elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "queries": len(captured),
        "planned": report.planned,
        "sent": report.sent,
    }


def measure_sweep() -> dict:
    """The sweep with nothing due (a second sweep right after one that sent
    whatever the dataset left due), then with 100 reminders due."""
    from bench.reminders_data import make_due
    from reminders import services

    results = {"first_sweep": _sweep(services)}
    results["nothing_due"] = _sweep(services)
    results["made_due"] = make_due(count=100)
    results["due_100"] = _sweep(services)
    return results


# --- Sessions for the load test ------------------------------------------------------------


def load_plan() -> dict:
    """The pages of the load test and a logged-in session cookie per persona."""
    from django.conf import settings

    people = personas()
    plan = {"cookie_name": settings.SESSION_COOKIE_NAME, "personas": {}, "empty": EMPTY_URL}
    for name, user in people.items():
        if name.startswith("_"):
            continue
        cookie = None
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        plan["personas"][name] = {"cookie": cookie, "pages": []}
    for page in pages(people):
        if page.url is not None and not page.admin:
            plan["personas"][page.persona]["pages"].append({"key": page.key, "url": page.url})
    return plan
