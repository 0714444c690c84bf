"""ANCT staff pages beyond the dashboard: the year view and the exports.
Like the dashboard, they are a 404 for anyone who is not ANCT staff."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.permissions import is_anct_staff

from . import exports, year_view


def _staff_or_404(request):
    if not is_anct_staff(request.user):
        raise Http404


@login_required
@require_safe
def year_view_page(request):
    _staff_or_404(request)
    today = timezone.localdate()
    years = year_view.available_years(today)
    year = year_view.parse_year(request.GET.get("annee"), years, today.year)
    title = _("Vue annuelle des Fabriques")
    return render(
        request,
        "fabriques/year_view.html",
        {
            "title": title,
            "active_space": "anct",
            "breadcrumb_data": {
                "links": [
                    {"url": "/", "title": _("Accueil")},
                    {"url": reverse("fabriques:dashboard"), "title": _("Tableau de bord ANCT")},
                ],
                "current": title,
            },
            "today": today,
            "year": year,
            "years": years,
            "months": year_view.month_starts(year),
            "rows": year_view.year_rows(year, today),
            "datasets": exports.DATASETS.values(),
        },
    )


@login_required
@require_safe
def staff_export(request, dataset, extension):
    _staff_or_404(request)
    if dataset not in exports.DATASETS or extension not in exports.FORMATS:
        raise Http404
    today = timezone.localdate()
    content = exports.export(exports.DATASETS[dataset], extension, today)
    response = HttpResponse(content, content_type=exports.FORMATS[extension])
    filename = f"fabriques-prospectives-{dataset}-{today:%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
