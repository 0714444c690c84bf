from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def empty_page(request):
    """The floor of every page's time: base.html with an empty main block."""
    return render(request, "bench/empty.html", {"title": "Page vide"})
