"""Public pages (no login): home page, catalogue and Fabrique pages.

They show only public Fabriques and, of those, only what the programme
publishes: no person, no contact detail, no meeting place or link, no
unpublished document.
"""

from collections import Counter

from django.core.paginator import Paginator
from django.db.models import Count, Min, Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from deliverables.public_views import public_results
from seminars.models import Seminar
from territories.models import Participation, Territory

from .filters import PublicFabriqueFilter
from .models import Fabrique, Partnership
from .public_cache import cached_fragment
from .stats import public_participations

CATALOGUE_PAGE_SIZE = 12


@require_safe
def home(request):
    # The Fabriques listed stay live (the admin's bulk "retirer du catalogue"
    # sends no signal); the key figures, four aggregates identical for every
    # visitor, are a cached fragment (public_cache).
    current = (
        Fabrique.objects.public()
        .current(timezone.localdate())
        .with_confirmed_territories()
        .prefetch_related("transitions")
    )
    context = {
        "title": _("Accueil"),
        "current_fabriques": current,
        "figures": cached_fragment("home-figures", home_key_figures),
    }
    return render(request, "portal/home.html", context)


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
    fabriques = filterset.qs.with_confirmed_territories().prefetch_related("transitions")
    page = Paginator(fabriques, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    # The counts of every option (seven aggregate queries) depend only on the
    # active filters and the public data: cached per combination of filters.
    filterset.form.is_valid()
    active = sorted((name, str(value)) for name, value in filterset.form.cleaned_data.items())
    facets = cached_fragment("catalogue-facets", filterset.facets, active)
    context = {
        "title": _("Catalogue des Fabriques"),
        "breadcrumb_data": {
            "links": [{"url": reverse("home"), "title": _("Accueil")}],
            "current": _("Catalogue des Fabriques"),
        },
        "filter": filterset,
        "facets": [
            {"name": name, "label": filterset.filters[name].label, "options": options}
            for name, options in facets.items()
        ],
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
    related = cached_fragment("fabrique-related", lambda: _public_related(fabrique), fabrique.pk)
    fabrique.confirmed_participations = related["participations"]
    fabrique._prefetched_objects_cache = {
        "transitions": related["transitions"],
        "partnerships": related["partnerships"],
    }
    # Only what the calendar says publicly: which seminar, on what theme, when.
    seminars = (
        Seminar.objects.filter(fabrique=fabrique)
        .exclude(status=Seminar.Status.CANCELLED)
        .select_related("participation__territory")
        .only(
            "kind",
            "number",
            "theme",
            "window_start",
            "starts_at",
            "participation__territory__name",
        )
        .order_by("window_start", "starts_at", "kind", "number")
    )
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
        "seminars": seminars,
        "results": public_results(fabrique),
    }
    return render(request, "public/fabrique_detail.html", context)


def _public_related(fabrique) -> dict:
    """What the Fabrique page shows of its relations, as prefetched querysets
    (the template reads them through ``fabrique.transitions.all`` and so on)."""
    prefetch_related_objects(
        [fabrique],
        "transitions",
        # One query with their organisations, not two.
        Prefetch("partnerships", queryset=Partnership.objects.select_related("organisation")),
        Prefetch(
            "participations",
            queryset=Participation.objects.confirmed()
            .select_related("territory__departement")
            .order_by("territory__name"),
            to_attr="confirmed_participations",
        ),
    )
    return {
        "transitions": fabrique.transitions.all(),
        "partnerships": fabrique.partnerships.all(),
        "participations": fabrique.confirmed_participations,
    }
