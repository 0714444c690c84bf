"""Public pages (no login): the map of territories, a territory's page, open data."""

from urllib.parse import urlencode

from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from fabriques import opendata
from fabriques.models import Fabrique, Transition
from fabriques.public_cache import cached_fragment, public_version

from . import francemap
from .models import Departement, Participation, Territory

HOME_LINK = {"url": "/", "title": gettext_lazy("Accueil")}
# Where the map's drawing goes in the rendered page (escaped input can never
# produce it: "<" is always written "&lt;").
SVG_SLOT = "<!--portal-map-svg-->"


def _public_participations():
    """What the public may know of: confirmed participations in public Fabriques."""
    return (
        Participation.objects.confirmed()
        .filter(fabrique__is_public=True)
        .select_related("fabrique")
        .order_by("fabrique__edition", "fabrique__title")
    )


def _with_public_participations(territories):
    return territories.prefetch_related(
        Prefetch(
            "participations", queryset=_public_participations(), to_attr="public_participations"
        )
    )


@require_safe
def territory_map(request):
    # The editions, the counts per département and the coloured SVG are the
    # same for every visitor until the public data changes: cached fragments
    # (fabriques.public_cache), keyed by the filters.
    version = public_version()
    editions = cached_fragment("map-editions", _public_editions, version=version)
    edition = request.GET.get("edition", "")
    edition = int(edition) if edition.isdigit() and int(edition) in editions else None
    transition = request.GET.get("transition", "")
    transition = transition if transition in Transition.Code.values else ""
    requested = request.GET.get("dept", "")[:5]
    drawn = cached_fragment(
        "map",
        lambda: _map_fragment(edition, transition, requested),
        edition,
        transition,
        requested,
        version=version,
    )
    selected = drawn["selected"]
    selected_territories = []
    if selected:
        selected_territories = _with_public_participations(
            _mapped_territories(edition, transition)
            .filter(departement_id=selected)
            .distinct()
            .order_by("name")
        )

    title = _("Carte des territoires accompagnés")
    response = render(
        request,
        "public/map/map.html",
        {
            "title": title,
            "breadcrumb_data": {"links": [HOME_LINK], "current": title},
            "editions": editions,
            "edition": edition,
            "transitions": Transition.Code.choices,
            "transition": transition,
            # The drawing (about 600 kB) is spliced into the rendered page, as
            # bytes encoded once with the fragment, rather than carried
            # through every level of the templates and encoded on each request.
            "svg": mark_safe(SVG_SLOT),
            "rows": drawn["rows"],
            "total": drawn["total"],
            "selected": selected,
            "selected_name": drawn["selected_name"],
            "selected_territories": selected_territories,
        },
    )
    head, slot, tail = response.content.partition(SVG_SLOT.encode())
    # ElementTree escaped every text and attribute it wrote.
    response.content = head + drawn["svg_bytes"] + tail if slot else response.content
    return response


def _public_editions() -> list[int]:
    return list(
        Fabrique.objects.public().order_by("-edition").values_list("edition", flat=True).distinct()
    )


def _mapped_territories(edition, transition):
    # One filter() call, so the status, visibility, edition and transition all
    # apply to the same participation.
    lookups = {
        "participations__status": Participation.Status.CONFIRMED,
        "participations__fabrique__is_public": True,
    }
    if edition:
        lookups["participations__fabrique__edition"] = edition
    if transition:
        lookups["participations__fabrique__transitions__code"] = transition
    return Territory.objects.filter(**lookups)


def _map_fragment(edition, transition, requested) -> dict:
    """The counts per département, the SVG and the table of the map (plain
    strings and numbers: cached as they are)."""
    counts = {
        row["departement"]: row["count"]
        for row in _mapped_territories(edition, transition)
        .values("departement")
        .annotate(count=Count("pk", distinct=True))
        .order_by()
    }
    names = dict(Departement.objects.values_list("code", "name"))

    filters = {
        key: value for key, value in (("edition", edition), ("transition", transition)) if value
    }

    def link(code):
        return "?" + urlencode(filters | {"dept": code}) + "#departement"

    def label(name, count):
        return ngettext(
            "%(name)s : %(count)d territoire accompagné",
            "%(name)s : %(count)d territoires accompagnés",
            count,
        ) % {"name": name, "count": count}

    selected = requested if requested in counts else ""
    svg = str(
        francemap.map_svg(counts=counts, names=names, link=link, label=label, selected=selected)
    )
    return {
        "svg_bytes": svg.encode(),
        "rows": [
            {"code": code, "name": names.get(code, code), "count": count, "link": link(code)}
            for code, count in sorted(counts.items())
        ],
        "total": sum(counts.values()),
        "selected": selected,
        "selected_name": names.get(selected, ""),
    }


@require_safe
def territory_detail(request, pk):
    territory = get_object_or_404(
        _with_public_participations(Territory.objects.select_related("departement__region")),
        pk=pk,
    )
    # A territory is only public through a public Fabrique it took part in.
    if not territory.public_participations:
        raise Http404
    return render(
        request,
        "public/territory/detail.html",
        {
            "title": territory.name,
            "breadcrumb_data": {
                "links": [HOME_LINK, {"url": "/carte/", "title": _("Carte des territoires")}],
                "current": territory.name,
            },
            "territory": territory,
            "participations": territory.public_participations,
        },
    )


@require_safe
def opendata_page(request):
    title = _("Données ouvertes")
    return render(
        request,
        "public/opendata/index.html",
        {
            "title": title,
            "breadcrumb_data": {"links": [HOME_LINK], "current": title},
            "licence": opendata.LICENCE,
            "fields": opendata.schema()["fields"],
        },
    )


@require_safe
def opendata_catalogue_csv(request):
    response = HttpResponse(opendata.catalogue_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fabriques-prospectives.csv"'
    return response


@require_safe
def opendata_catalogue_json(request):
    return HttpResponse(opendata.catalogue_json(), content_type="application/json")


@require_safe
def opendata_schema(request):
    return HttpResponse(opendata.schema_json(), content_type="application/json")
