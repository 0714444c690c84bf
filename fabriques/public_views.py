"""Public pages (no login): home page, catalogue and Fabrique pages.

They show only public Fabriques and, of those, only what the programme
publishes: no person, no contact detail, no meeting place or link, no
unpublished document.
"""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from deliverables.models import TransversalNote
from seminars.models import Seminar
from territories.models import Participation

from .filters import PublicFabriqueFilter
from .models import Fabrique
from .stats import key_figures

CATALOGUE_PAGE_SIZE = 12


@require_safe
def home(request):
    current = (
        Fabrique.objects.public()
        .current(timezone.localdate())
        .with_confirmed_territories()
        .prefetch_related("transitions")
    )
    context = {
        "title": _("Accueil"),
        "current_fabriques": current,
        "figures": key_figures(),
    }
    return render(request, "portal/home.html", context)


@require_safe
def catalogue(request):
    # Always bound: with no parameter, no filter applies and every option counts.
    filterset = PublicFabriqueFilter(
        request.GET,
        queryset=Fabrique.objects.public().order_by("-edition", "title"),
    )
    fabriques = filterset.qs.with_confirmed_territories().prefetch_related("transitions")
    page = Paginator(fabriques, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    facets = filterset.facets()
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
    fabrique = get_object_or_404(
        Fabrique.objects.public()
        .select_related("anct_programme")
        .prefetch_related(
            "transitions",
            "partnerships__organisation",
            Prefetch(
                "participations",
                queryset=Participation.objects.confirmed()
                .select_related("territory__departement")
                .order_by("territory__name"),
                to_attr="confirmed_participations",
            ),
        ),
        slug=slug,
    )
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
    deliverables = TransversalNote.objects.filter(fabrique=fabrique, is_published=True).only(
        "kind", "title", "published_on"
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
        "deliverables": deliverables,
    }
    return render(request, "public/fabrique_detail.html", context)
