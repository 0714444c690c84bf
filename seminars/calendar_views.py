"""Seminars in calendar clients: the private feed, its management page, one event."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import get_visible_or_404

from .calendars import (
    calendar_build,
    calendar_feed_active,
    calendar_feed_body,
    calendar_feed_create,
    calendar_feed_owner,
    calendar_feed_revoke,
    calendar_seminars,
)


def _ics_response(content: bytes, *, filename: str, disposition: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # Personal data behind a secret or a session: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def feed(request, token):
    """The subscribed calendar. No login (clients cannot log in): the secret in
    the URL stands for the owner, and every failure is the same 404."""
    owner = calendar_feed_owner(token)
    if owner is None:
        raise Http404
    response = _ics_response(
        calendar_feed_body(owner),
        filename="fabriques-prospectives.ics",
        disposition="inline",
    )
    # The URL is a credential: keep it out of search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_safe
def event_ics(request, pk):
    seminar = get_visible_or_404(calendar_seminars(request.user), pk=pk)
    return _ics_response(
        calendar_build([seminar], owner=request.user),
        filename=f"seminaire-{seminar.pk}.ics",
        disposition="attachment",
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed(request):
    """Create, regenerate or revoke one's feed. The secret URL can only be shown
    in the answer to its creation: the database keeps its hash alone."""
    user = request.user
    active = calendar_feed_active(user)
    feed_url = None
    if request.method == "POST":
        if request.POST.get("action") != "create":
            if request.POST.get("action") == "revoke" and active is not None:
                calendar_feed_revoke(feed=active)
                messages.success(
                    request, _("Votre lien d'abonnement est révoqué : il ne fonctionne plus.")
                )
            return redirect("seminars:calendar_feed")
        # Rendered, not redirected: the secret must not wait in a session.
        active, token = calendar_feed_create(user=user)
        feed_url = request.build_absolute_uri(reverse("seminars:feed", args=[token]))
    title = _("Mon calendrier")
    response = render(
        request,
        "seminars/calendar/feed.html",
        {
            "title": title,
            "breadcrumb_data": {
                "links": [
                    {"url": "/", "title": _("Accueil")},
                    {"url": reverse("accounts:account"), "title": _("Mon compte")},
                ],
                "current": title,
            },
            "feed": active,
            "feed_url": feed_url,
            "webcal_url": feed_url and "webcal://" + feed_url.split("://", 1)[1],
        },
    )
    # The page may hold the secret URL: no cache, not even the browser's.
    response["Cache-Control"] = "private, no-store"
    return response
