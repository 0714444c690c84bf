"""Public pages (no login): home page, catalogue and Fabrique pages.

They show only public Fabriques and, of those, only what the programme
publishes: no person, no contact detail, no meeting place or link, no
unpublished document.
"""

from collections import Counter

from django.db.models import Count, Min
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from config.pagination import WindowCountPaginator
from deliverables.public_views import public_results
from seminars.models import Seminar, SeminarKind
from territories.models import Participation, Territory

from .filters import PublicFabriqueFilter
from .models import Fabrique, Transition
from .public_cache import cached_fragment, public_version
from .stats import public_participations

CATALOGUE_PAGE_SIZE = 12


@require_safe
def home(request):
    # The Fabriques listed stay live (the admin's bulk "retirer du catalogue"
    # sends no signal); the key figures, four aggregates identical for every
    # visitor, are a cached fragment (public_cache).
    version = public_version()
    current = with_cached_transitions(
        Fabrique.objects.public().current(timezone.localdate()).as_cards(),
        version=version,
    )
    context = {
        "title": _("Accueil"),
        "current_fabriques": current,
        "figures": cached_fragment("home-figures", home_key_figures, version=version),
    }
    return render(request, "portal/home.html", context)


def with_cached_transitions(fabriques, *, version=None) -> list[Fabrique]:
    """The Fabriques (read live), each with its transitions in
    ``card_transitions`` (what public/fabrique_card.html prints), from a cached
    map of every Fabrique's transitions: a Transition's save and any change of
    a Fabrique's transitions bump the public version (public_cache), so the
    map is never stale; it names no Fabrique, only ids looked up for the
    Fabriques just read."""
    fabriques = list(fabriques)
    by_fabrique = cached_fragment("fabrique-transitions", _transitions_by_fabrique, version=version)
    for fabrique in fabriques:
        fabrique.card_transitions = [
            Transition(pk=pk, code=code) for pk, code in by_fabrique.get(fabrique.pk, ())
        ]
    return fabriques


def _transitions_by_fabrique() -> dict[int, list[tuple[int, str]]]:
    """Plain values (cheap to keep and to read back): fabrique id → [(pk, code)],
    in the transitions' own order."""
    links = Fabrique.transitions.through.objects.order_by(
        "transition__code", "transition__pk"
    ).values_list("fabrique_id", "transition_id", "transition__code")
    by_fabrique: dict[int, list[tuple[int, str]]] = {}
    for fabrique_id, pk, code in links:
        by_fabrique.setdefault(fabrique_id, []).append((pk, code))
    return by_fabrique


def home_key_figures() -> dict:
    """``stats.key_figures()`` in two queries instead of four (the distinct
    territories are counted here, from one row per territory), so that the
    home page stays within its query budget when its fragment is recomputed."""
    fabriques = Fabrique.objects.public().aggregate(count=Count("pk"), since=Min("edition"))
    territories = (
        public_participations()
        .order_by()
        .values_list("territory", "territory__kind", "territory__departement__region__name")
        .distinct()
    )
    kinds, regions, seen = Counter(), Counter(), set()
    for territory, kind, region in territories:
        # A territory has one kind and one region: each counts it once.
        if territory not in seen:
            seen.add(territory)
            kinds[kind] += 1
            regions[region] += 1
    kind_labels = dict(Territory.Kind.choices)
    by_kind = [
        {"label": kind_labels.get(kind, kind), "territory__kind": kind, "count": count}
        for kind, count in sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
    ]
    by_region = [
        {"territory__departement__region__name": name, "count": count}
        # SQL's "ORDER BY name" puts no region (NULL) last.
        for name, count in sorted(
            regions.items(), key=lambda item: (-item[1], item[0] is None, item[0] or "")
        )
    ]
    return {
        "fabriques": fabriques["count"],
        "since": fabriques["since"],
        "territories": len(seen),
        "by_kind": by_kind,
        "by_region": by_region,
    }


@require_safe
def catalogue(request):
    # Always bound: with no parameter, no filter applies and every option counts.
    filterset = PublicFabriqueFilter(
        request.GET,
        queryset=Fabrique.objects.public().order_by("-edition", "title"),
    )
    version = public_version()
    fabriques = filterset.qs.as_cards()
    page = WindowCountPaginator(fabriques, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_cached_transitions(page.object_list, version=version)
    # The counts of every option (seven aggregate queries) depend only on the
    # active filters and the public data: cached per combination of filters.
    # Their rendered options are cached under the same two things (the
    # template's "catalogue-facets" fragment, keyed on ``facets_key``), so the
    # counts are only read back when that fragment is rendered again.
    filterset.form.is_valid()
    active = sorted((name, str(value)) for name, value in filterset.form.cleaned_data.items())

    def facet_list():
        facets = cached_fragment("catalogue-facets", filterset.facets, active, version=version)
        return [
            {"name": name, "label": filterset.filters[name].label, "options": options}
            for name, options in facets.items()
        ]

    context = {
        "title": _("Catalogue des Fabriques"),
        "breadcrumb_data": {
            "links": [{"url": reverse("home"), "title": _("Accueil")}],
            "current": _("Catalogue des Fabriques"),
        },
        "filter": filterset,
        "facets": SimpleLazyObject(facet_list),
        "facets_key": (version, active),
        "query": filterset.form.cleaned_data.get("q", ""),
        "page_obj": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1),
    }
    return render(request, "public/catalogue.html", context)


@require_safe
def fabrique_detail(request, slug):
    # The Fabrique itself is read live (is it still public?); its transitions,
    # partners and territories (three queries) are a cached fragment.
    fabrique = get_object_or_404(
        Fabrique.objects.public().select_related("anct_programme"), slug=slug
    )
    version = public_version()
    related = cached_fragment(
        "fabrique-related", lambda: _public_related(fabrique), fabrique.pk, version=version
    )
    # Only what the calendar says publicly: which seminar, on what theme, when.
    # Plain values, shaped as the template reads a seminar (no model built per
    # row; the table is a cached fragment keyed on these values).
    seminar_rows = list(
        Seminar.objects.filter(fabrique=fabrique)
        .exclude(status=Seminar.Status.CANCELLED)
        .order_by("window_start", "starts_at", "kind", "number")
        .values_list(
            "kind",
            "number",
            "theme",
            "window_start",
            "starts_at",
            "participation_id",
            "participation__territory__name",
        )
    )
    kind_labels = {kind: str(label) for kind, label in SeminarKind.choices}
    seminars = [
        {
            "kind": kind,
            "get_kind_display": kind_labels.get(kind, kind),
            "number": number,
            "theme": theme,
            "window_start": window_start,
            "starts_at": starts_at,
            "participation": {"territory": {"name": territory}} if participation_id else None,
        }
        for kind, number, theme, window_start, starts_at, participation_id, territory in (
            seminar_rows
        )
    ]
    context = {
        "title": fabrique.display_title,
        "breadcrumb_data": {
            "links": [
                {"url": reverse("home"), "title": _("Accueil")},
                {"url": reverse("catalogue"), "title": _("Catalogue des Fabriques")},
            ],
            "current": fabrique.display_title,
        },
        "fabrique": fabrique,
        # Its transitions, partners and confirmed territories, and what their
        # rendering depends on (the template's cached fragment).
        "related": related,
        "related_key": (version, fabrique.pk),
        "seminars": seminars,
        # What the rendered calendar depends on (the template's cached fragment).
        "seminar_rows": seminar_rows,
        # Its published PDFs and notes: relations of a Fabrique still public,
        # published and withdrawn by saves (which bump the version).
        "results": cached_fragment(
            "fabrique-results", lambda: public_results(fabrique), fabrique.pk, version=version
        ),
    }
    return render(request, "public/fabrique_detail.html", context)


def _public_related(fabrique) -> dict:
    """What the Fabrique page shows of its relations, as plain lists (kept in
    the cache as they are)."""
    return {
        "transitions": list(fabrique.transitions.all()),
        # One query with their organisations, not two.
        "partnerships": list(fabrique.partnerships.select_related("organisation")),
        "participations": list(
            Participation.objects.confirmed()
            .filter(fabrique=fabrique)
            .select_related("territory__departement")
            .order_by("territory__name")
        ),
    }
