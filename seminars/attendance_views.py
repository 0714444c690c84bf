"""Inviting people to a seminar, recording who came, printing the sign-in sheet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import (
    get_runnable_seminar_or_404,
)

from .attendance import RECORDED_STATUSES, attendance_record, invitee_groups, seminar_invite
from .downloads import generated_attachment_response
from .models import Attendance, Seminar, SeminarKind
from .pages import seminar_page_context


def _where(seminar: Seminar) -> str:
    """The territory, or the Fabrique for an intersite seminar."""
    if seminar.participation_id:
        return seminar.participation.territory.name
    return seminar.fabrique.display_title


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    seminar = get_runnable_seminar_or_404(request.user, pk)
    errors = []
    if request.method == "POST":
        errors, message = _act(request, seminar)
        if message:
            messages.success(request, message)
            return redirect("seminars:attendance", pk=seminar.pk)
    title = _("Participants")
    return render(
        request,
        "seminars/attendance/attendance.html",
        seminar_page_context(request.user, seminar, title=title)
        | {
            "title": f"{title} — {seminar} — {_where(seminar)}",
            "seminar": seminar,
            "where": _where(seminar),
            "groups": invitee_groups(seminar),
            "can_invite": seminar.status != Seminar.Status.CANCELLED,
            "can_record": seminar.status == Seminar.Status.HELD,
            "choices": [
                (value, label)
                for value, label in Attendance.Status.choices
                if value in RECORDED_STATUSES
            ],
            "errors": errors,
        },
    )


def _act(request, seminar) -> tuple[list[str], str]:
    """Run the posted action: (errors, "") when refused, ([], message) when done."""
    action = request.POST.get("action")
    try:
        if action == "record":
            count = attendance_record(
                seminar=seminar, statuses=_posted_statuses(request.POST), by=request.user
            )
            return [], ngettext(
                "%(n)d présence enregistrée.", "%(n)d présences enregistrées.", count
            ) % {"n": count}
        if action == "invite":
            count = seminar_invite(seminar=seminar, by=request.user)
            if not count:
                return [], _("Toutes les personnes concernées étaient déjà invitées.")
            return [], ngettext("%(n)d personne invitée.", "%(n)d personnes invitées.", count) % {
                "n": count
            }
    except ValidationError as error:
        return error.messages, ""
    return [_("Choisissez une action : inviter les participants ou enregistrer les présences.")], ""


def _posted_statuses(data) -> dict[int, str]:
    """``presence-<attendance pk>`` radios; rows left unanswered are not written."""
    statuses = {}
    for key, value in data.items():
        prefix, _sep, pk = key.partition("-")
        if prefix == "presence" and pk.isdigit() and value:
            statuses[int(pk)] = value
    return statuses


@login_required
@require_safe
def sign_in_sheet(request, pk):
    # Importing WeasyPrint costs ~0.6 s (it parses its stylesheets): paid by
    # the first sign-in sheet, not by every process that loads the URLs.
    from deliverables.pdf import render_pdf

    seminar = get_runnable_seminar_or_404(request.user, pk)
    where = _where(seminar)
    if seminar.kind == SeminarKind.INTERSITE:
        name = f"emargement-{seminar.fabrique.slug}-intersite-{seminar.number}.pdf"
    elif seminar.kind == SeminarKind.IMMERSION:
        name = f"emargement-{slugify(where)}-immersion.pdf"
    else:
        name = f"emargement-{slugify(where)}-seminaire-{seminar.number}.pdf"
    title = _("Feuille d'émargement — %(seminar)s — %(where)s") % {
        "seminar": seminar,
        "where": where,
    }
    pdf = render_pdf(
        template="deliverables/pdf/sign_in_sheet.html",
        context={
            "seminar": seminar,
            "where": where,
            "day": timezone.localtime(seminar.starts_at) if seminar.starts_at else None,
            "groups": invitee_groups(seminar),
            "blank_rows": range(5),
        },
        title=title,
    )
    return generated_attachment_response(pdf, filename=name)
