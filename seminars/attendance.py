"""Who is invited to a seminar, and who came.

A local seminar or immersion day gathers the territory's référents (élus and
agent) and its working group; an intersite seminar gathers every confirmed
territory's référents and the COPIL. Invitations are Attendance rows in the
``invite`` status; after a held seminar the prestataire turns them into
present, excused or absent.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can_run_fabrique
from fabriques.models import CopilMember
from territories.models import Participation, ParticipationContact, WorkingGroupMember

from .models import Attendance, Seminar, SeminarKind

# What can be recorded after the seminar: "invité" is the state before.
RECORDED_STATUSES = [
    Attendance.Status.PRESENT,
    Attendance.Status.EXCUSED,
    Attendance.Status.ABSENT,
]


def _contacts_for(seminar: Seminar, today: date):
    if seminar.kind == SeminarKind.INTERSITE:
        contacts = ParticipationContact.objects.filter(
            participation__fabrique_id=seminar.fabrique_id,
            participation__status=Participation.Status.CONFIRMED,
        )
    else:
        contacts = ParticipationContact.objects.filter(participation_id=seminar.participation_id)
    return contacts.active_on(today)


def _copil_for(seminar: Seminar, today: date):
    # Partners are organisations: only the people who sit for them can sign.
    return CopilMember.objects.active_on(today).filter(
        fabrique_id=seminar.fabrique_id, user__isnull=False
    )


def seminar_invite(*, seminar: Seminar, by, today: date | None = None) -> int:
    """Invite everyone the seminar gathers who is not invited yet; inviting
    again only adds the people who joined since. Returns how many were added."""
    if not can_run_fabrique(by, seminar.fabrique):
        raise PermissionDenied
    if seminar.status == Seminar.Status.CANCELLED:
        raise ValidationError(_("Ce séminaire est annulé : il n'y a personne à inviter."))
    today = today or timezone.localdate()
    user_ids = set(_contacts_for(seminar, today).values_list("user_id", flat=True))
    member_ids = set()
    if seminar.kind == SeminarKind.INTERSITE:
        user_ids |= set(_copil_for(seminar, today).values_list("user_id", flat=True))
    else:
        member_ids = set(
            WorkingGroupMember.objects.current(today)
            .filter(participation_id=seminar.participation_id)
            .values_list("pk", flat=True)
        )
    invited = Attendance.objects.filter(seminar=seminar)
    user_ids -= set(invited.filter(user__isnull=False).values_list("user_id", flat=True))
    member_ids -= set(
        invited.filter(working_group_member__isnull=False).values_list(
            "working_group_member_id", flat=True
        )
    )
    # A double click racing with itself meets the unique constraints: skip, not fail.
    created = Attendance.objects.bulk_create(
        [Attendance(seminar=seminar, user_id=pk) for pk in sorted(user_ids)]
        + [Attendance(seminar=seminar, working_group_member_id=pk) for pk in sorted(member_ids)],
        ignore_conflicts=True,
    )
    return len(created)


def attendance_record(*, seminar: Seminar, statuses: dict[int, str], by) -> int:
    """Record who came to a held seminar (attendance pk -> status). Returns the
    number of rows written."""
    if not can_run_fabrique(by, seminar.fabrique):
        raise PermissionDenied
    if seminar.status != Seminar.Status.HELD:
        raise ValidationError(
            _("Les présences se saisissent une fois le séminaire tenu (statut actuel : %(s)s).")
            % {"s": seminar.get_status_display().lower()}
        )
    if unknown := set(statuses.values()) - set(RECORDED_STATUSES):
        raise ValidationError(
            _("Présence inconnue : %(v)s. Choisissez présent, excusé ou absent.")
            % {"v": ", ".join(sorted(unknown))}
        )
    rows = Attendance.objects.filter(seminar=seminar, pk__in=statuses)
    with transaction.atomic():
        if rows.count() != len(statuses):
            raise ValidationError(_("Certaines personnes ne sont pas invitées à ce séminaire."))
        # One UPDATE per status, whatever the number of people.
        return sum(
            rows.filter(pk__in=[pk for pk, s in statuses.items() if s == status]).update(
                status=status
            )
            for status in RECORDED_STATUSES
            if status in statuses.values()
        )


# --- The list of invitees, grouped for the page and the sign-in sheet ---------


@dataclass
class Invitee:
    attendance: Attendance
    name: str
    detail: str
    sort_key: tuple = ()


@dataclass
class InviteeGroup:
    title: str
    invitees: list[Invitee] = field(default_factory=list)


def invitee_groups(seminar: Seminar, today: date | None = None) -> list[InviteeGroup]:
    """The seminar's invitees in groups (référents per territory, working group
    per college, COPIL), in three queries whatever their number."""
    today = today or timezone.localdate()
    attendances = list(
        seminar.attendances.select_related("user", "working_group_member").order_by("pk")
    )
    user_ids = [a.user_id for a in attendances if a.user_id]
    contacts = {
        c.user_id: c
        for c in _contacts_for(seminar, today)
        .filter(user_id__in=user_ids)
        .select_related("participation__territory")
        .order_by("participation__territory__name", "role")
    }
    copil = {
        m.user_id: m
        for m in _copil_for(seminar, today)
        .filter(user_id__in=user_ids)
        .select_related("organisation")
    }
    colleges = dict(WorkingGroupMember.College.choices)
    groups: dict[tuple, InviteeGroup] = {}

    def add(key, title, invitee):
        groups.setdefault(key, InviteeGroup(title=title)).invitees.append(invitee)

    for attendance in attendances:
        if member := attendance.working_group_member:
            label = colleges.get(member.college, member.college)
            add(
                (2, label),
                _("Groupe de travail — %(college)s") % {"college": label},
                Invitee(
                    attendance,
                    f"{member.first_name} {member.last_name}",
                    member.organisation or label,
                    (member.last_name.lower(), member.first_name.lower()),
                ),
            )
            continue
        user = attendance.user
        name = user.get_full_name() or user.email
        sort_key = (user.last_name.lower(), user.first_name.lower(), user.email)
        if contact := contacts.get(user.pk):
            territory = contact.participation.territory.name
            detail = contact.get_role_display()
            if contact.function:
                detail = f"{detail} — {contact.function}"
            add(
                (1, territory),
                _("Référents — %(territory)s") % {"territory": territory},
                Invitee(attendance, name, detail, sort_key),
            )
        elif member := copil.get(user.pk):
            detail = member.organisation.acronym or member.organisation.name
            if member.function:
                detail = f"{detail} — {member.function}"
            add((3,), _("COPIL"), Invitee(attendance, name, detail, sort_key))
        else:
            # Invited while in a role that has ended since.
            add((4,), _("Autres invités"), Invitee(attendance, name, "", sort_key))
    ordered = [groups[key] for key in sorted(groups)]
    for group in ordered:
        group.invitees.sort(key=lambda invitee: invitee.sort_key)
    return ordered
