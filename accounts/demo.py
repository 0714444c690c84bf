"""Demo data for `make run`, on top of the imported real Fabriques.

«Villes moyennes et transition écologique» (2019) is replayed as if it were
running now: its year moves so that today falls in its eighth month, and it
gets a prestataire team, a COPIL with people, référents and working groups,
seminars held or scheduled, attendance, notes and draft roadmaps. One account
per role gets the given password; every other fictitious person has an
unusable password. All addresses use the reserved `.invalid` domain.

Idempotent: rows are matched on natural keys (e-mail, participation and name,
seminar and version...). Facts that depend on today (dates, statuses) are
brought back in line at each run; what people may edit in the portal
(attendance, notes, roadmaps) is only created when missing.
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from deliverables.models import Action, Axis, Roadmap
from deliverables.services.rendering import roadmap_version_pdf_request
from deliverables.services.roadmaps import roadmap_adopt, roadmap_submit
from fabriques.models import (
    CopilMember,
    Fabrique,
    Organisation,
    Partnership,
    PrestataireContract,
    TeamMember,
    default_end_date,
    default_follow_up_date,
)
from fabriques.services import fabrique_update
from seminars.models import Attendance, NoteVersion, Seminar, SeminarKind
from seminars.services import (
    seminar_template_default,
    seminars_plan_intersite,
    seminars_plan_local,
    step_window,
)
from territories.models import Participation, ParticipationContact, WorkingGroupMember

from . import demo_data as data
from .mfa import demo_totp_ensure, mfa_required
from .models import User
from .roles import anct_staff_group_ensure

ANCT_STAFF_EMAIL = "anct@demo.invalid"
PARIS = ZoneInfo("Europe/Paris")
# The working group changes between the first and the second local seminar.
GROUP_CHANGE = relativedelta(months=4)
PRESENCE = (Attendance.Status.PRESENT, Attendance.Status.EXCUSED, Attendance.Status.ABSENT)
PRESENCE_WEIGHTS = (78, 14, 8)
MISSING_DATA = (
    "Données réelles absentes ({what}) : lancez d'abord « python manage.py import_geography » "
    "puis « python manage.py import_fabriques »."
)


# The second factor of the demo staff and prestataire accounts: a published
# secret, acceptable only because these accounts exist on a local demo base.
DEMO_TOTP_SECRET = "FABRIQUESDEMOANCTFABRIQUESDEMO22"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    # A sign-in hint printed with the account (the second factor it needs).
    note: str | None = None


@dataclass(frozen=True)
class DemoWorld:
    participations: dict[str, Participation]  # by territory code
    users: dict[str, User]  # by e-mail


@transaction.atomic
def demo_accounts_ensure(*, password: str, today: date | None = None) -> list[DemoAccount]:
    """Build the demo world, then give one account per role the password."""
    world = demo_world_ensure(today=today or timezone.localdate())
    staff = _anct_staff_ensure()
    users = world.users
    lorient = world.participations[data.LORIENT.code].territory.name
    saint_die = world.participations[data.SAINT_DIE.code].territory.name
    elu, agent = ParticipationContact.Role.ELU.label, ParticipationContact.Role.AGENT.label
    accounts = [
        ("Équipe ANCT (back-office)", staff),
        ("Prestataire (cheffe de projet)", users[data.PROJECT_LEAD.email]),
        (f"{elu} — {lorient}", users[data.LORIENT.elu.email]),
        (f"{agent} — {lorient}", users[data.LORIENT.agent.email]),
        (f"{elu} — {saint_die}", users[data.SAINT_DIE.elu.email]),
        (
            f"Membre du COPIL — {data.COPIL_DEMO_SEAT}",
            users[data.COPIL_SEATS[data.COPIL_DEMO_SEAT].email],
        ),
    ]
    _passwords_set(users=[user for _role, user in accounts], password=password)
    result = []
    for role, user in accounts:
        # The invitation link proves the address in real life; demo accounts
        # skip it, so their address is marked verified here.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        note = None
        if mfa_required(user):
            demo_totp_ensure(user=user, secret=DEMO_TOTP_SECRET)
            note = "double authentification : code TOTP (voir ci-dessous)"
        result.append(DemoAccount(role=role, email=user.email, note=note))
    return result


@transaction.atomic
def demo_world_ensure(*, today: date) -> DemoWorld:
    fabrique, participations, contract, template = _real_data()
    _fabrique_make_running(fabrique=fabrique, today=today)
    start = fabrique.start_date
    rng = random.Random(data.SEED)
    users = _users_ensure()
    team = _team_ensure(contract=contract, users=users, start=start)
    _participations_settle(participations=participations, team=team, start=start)
    _copil_ensure(fabrique=fabrique, users=users)
    _contacts_ensure(participations=participations, users=users, start=start)
    members = _working_groups_ensure(participations=participations, rng=rng, start=start)
    held = _seminars_ensure(
        fabrique=fabrique, participations=participations, template=template, rng=rng, today=today
    )
    _attendance_ensure(
        held=held, participations=participations, users=users, members=members, rng=rng
    )
    _notes_ensure(held=held, fabrique=fabrique, participations=participations, team=team, rng=rng)
    _roadmaps_ensure(participations=participations)
    _first_roadmap_adopted(participations=participations, today=today)
    return DemoWorld(participations=participations, users=users)


# --- Helpers -----------------------------------------------------------------------


def _rows_sync(queryset, *, key: tuple[str, ...], rows: list[dict], create_only=False, build=None):
    """Make ``queryset`` hold ``rows`` (dicts by attname), matched on ``key``.

    Missing rows are created and, unless ``create_only``, differing fields
    updated, in one query each. Nothing is deleted: rows added by hand while
    trying the demo stay. Returns every matched or created row by key.
    """
    model = queryset.model
    build = build or (lambda row: model(**row))
    found = {tuple(getattr(obj, field) for field in key): obj for obj in queryset}
    new, changed, fields = [], [], set()
    for row in rows:
        obj = found.get(tuple(row[field] for field in key))
        if obj is None:
            new.append(build(row))
            continue
        diff = {field for field, value in row.items() if getattr(obj, field) != value}
        if diff and not create_only:
            for field in diff:
                setattr(obj, field, row[field])
            changed.append(obj)
            fields |= diff
    if changed:
        model.objects.bulk_update(changed, sorted(fields))
    for obj in model.objects.bulk_create(new):
        found[tuple(getattr(obj, field) for field in key)] = obj
    return found


def _spec_of(participations: dict[str, Participation]) -> dict[int, data.TerritorySpec]:
    return {participations[spec.code].pk: spec for spec in data.TERRITORIES}


# --- The real data the demo builds on ------------------------------------------------


def _real_data():
    fabrique = Fabrique.objects.filter(
        edition=data.FABRIQUE_EDITION, title__startswith=data.FABRIQUE_TITLE_PREFIX
    ).first()
    if fabrique is None:
        raise ImproperlyConfigured(
            MISSING_DATA.format(what=f"Fabrique « {data.FABRIQUE_TITLE_PREFIX} » de 2019")
        )
    participations = {
        participation.territory.official_code: participation
        for participation in fabrique.participations.select_related("territory")
    }
    if any(spec.code not in participations for spec in data.TERRITORIES):
        raise ImproperlyConfigured(MISSING_DATA.format(what="territoires de la Fabrique"))
    contract = PrestataireContract.objects.filter(fabrique=fabrique).first()
    if contract is None:
        raise ImproperlyConfigured(MISSING_DATA.format(what="marché du prestataire"))
    template = fabrique.seminar_template or seminar_template_default()
    if template is None:
        raise ImproperlyConfigured(
            "Aucun parcours de séminaires par défaut : lancez « python manage.py migrate »."
        )
    participations = {spec.code: participations[spec.code] for spec in data.TERRITORIES}
    return fabrique, participations, contract, template


def _fabrique_make_running(*, fabrique: Fabrique, today: date) -> None:
    start = today.replace(day=1) - relativedelta(months=data.MONTHS_BEFORE_TODAY)
    end = default_end_date(start)
    wanted = {
        "start_date": start,
        "end_date": end,
        "follow_up_due_date": default_follow_up_date(end),
        "status": Fabrique.Status.RUNNING,
    }
    changed = [field for field, value in wanted.items() if getattr(fabrique, field) != value]
    if changed:
        for field in changed:
            setattr(fabrique, field, wanted[field])
        fabrique_update(fabrique=fabrique, changed_fields=changed)


# --- People --------------------------------------------------------------------------


def _people() -> list[data.Person]:
    people = [person for person, _role in data.TEAM]
    people += data.COPIL_SEATS.values()
    for spec in data.TERRITORIES:
        people += [spec.elu, spec.agent]
    return people


def _user_new(row: dict) -> User:
    user = User(**row)
    # Nobody signs in as a fictitious person except through the demo accounts.
    user.set_unusable_password()
    return user


def _users_ensure() -> dict[str, User]:
    rows = [
        {"email": person.email, "first_name": person.first_name, "last_name": person.last_name}
        for person in _people()
    ]
    found = _rows_sync(
        User.objects.filter(email__in=[row["email"] for row in rows]),
        key=("email",),
        rows=rows,
        build=_user_new,
    )
    return {email: user for (email,), user in found.items()}


def _anct_staff_ensure() -> User:
    staff, _created = User.objects.get_or_create(
        email=ANCT_STAFF_EMAIL,
        defaults={"first_name": "Camille", "last_name": "Démo (ANCT)", "is_staff": True},
    )
    if not staff.is_staff or not staff.is_active:
        staff.is_staff = staff.is_active = True
        staff.save(update_fields=["is_staff", "is_active"])
    staff.groups.add(anct_staff_group_ensure())
    return staff


def _passwords_set(*, users: list[User], password: str) -> None:
    # The accounts share one hash: hashing costs about half a second each, and
    # they have the same password anyway. Checking the first one tells whether
    # the password changed since the last run.
    first = users[0]
    encoded = first.password if first.check_password(password) else make_password(password)
    stale = [user for user in users if user.password != encoded]
    for user in stale:
        user.password = encoded
    User.objects.bulk_update(stale, ["password"])


def _team_ensure(*, contract, users, start: date) -> dict[str, TeamMember]:
    rows = [
        {
            "contract_id": contract.pk,
            "user_id": users[person.email].pk,
            "role": role,
            "starts_on": start,
        }
        for person, role in data.TEAM
    ]
    found = _rows_sync(contract.team.all(), key=("contract_id", "user_id", "role"), rows=rows)
    return {
        person.email: found[(contract.pk, users[person.email].pk, role)]
        for person, role in data.TEAM
    }


def _participations_settle(*, participations, team, start: date) -> None:
    """Confirmed at the start (as the importer does) and each with its pilot."""
    stale = []
    for spec in data.TERRITORIES:
        participation = participations[spec.code]
        lead = team[spec.lead_consultant.email]
        if (participation.confirmed_on, participation.lead_consultant_id) != (start, lead.pk):
            participation.confirmed_on = start
            participation.lead_consultant = lead
            stale.append(participation)
    Participation.objects.bulk_update(stale, ["confirmed_on", "lead_consultant"])


def _copil_ensure(*, fabrique: Fabrique, users) -> None:
    research, _created = Organisation.objects.get_or_create(
        name=data.RESEARCH_ORGANISATION, defaults={"kind": Organisation.Kind.RESEARCH}
    )
    Partnership.objects.get_or_create(
        fabrique=fabrique, organisation=research, defaults={"role": Partnership.Role.RESEARCH}
    )
    keys = list(data.COPIL_SEATS)
    organisations = {
        key: organisation
        for organisation in Organisation.objects.filter(Q(acronym__in=keys) | Q(name__in=keys))
        for key in keys
        if key in (organisation.acronym, organisation.name)
    }
    missing = [key for key in keys if key not in organisations]
    if missing:
        raise ImproperlyConfigured(
            MISSING_DATA.format(what=f"organisations {', '.join(missing)} du COPIL")
        )
    seats = list(fabrique.copil.all())
    new, changed = [], []
    for key, person in data.COPIL_SEATS.items():
        organisation, user = organisations[key], users[person.email]
        of_organisation = [seat for seat in seats if seat.organisation_id == organisation.pk]
        seat = next((s for s in of_organisation if s.user_id == user.pk), None) or next(
            (s for s in of_organisation if s.user_id is None), None
        )
        if seat is None:
            new.append(
                CopilMember(
                    fabrique=fabrique,
                    organisation=organisation,
                    user=user,
                    function=person.function,
                )
            )
        elif (seat.user_id, seat.function) != (user.pk, person.function):
            seat.user, seat.function = user, person.function
            changed.append(seat)
    CopilMember.objects.bulk_create(new)
    CopilMember.objects.bulk_update(changed, ["user", "function"])


def _contacts_ensure(*, participations, users, start: date) -> None:
    rows = []
    for spec in data.TERRITORIES:
        for person, role in ((spec.elu, "elu"), (spec.agent, "agent")):
            rows.append(
                {
                    "participation_id": participations[spec.code].pk,
                    "user_id": users[person.email].pk,
                    "role": role,
                    "function": person.function,
                    "starts_on": start,
                }
            )
    _rows_sync(
        ParticipationContact.objects.filter(participation__in=participations.values()),
        key=("participation_id", "user_id", "role"),
        rows=rows,
    )


def _working_groups_ensure(*, participations, rng, start: date) -> list[WorkingGroupMember]:
    rows = []
    for code, members in data.working_groups(rng=rng).items():
        for member in members:
            rows.append(
                {
                    "participation_id": participations[code].pk,
                    "first_name": member.first_name,
                    "last_name": member.last_name,
                    "organisation": member.organisation,
                    "college": member.college,
                    "email": member.email,
                    "phone": member.phone,
                    "joined_on": start + GROUP_CHANGE if member.joins_late else start,
                    "left_on": start + GROUP_CHANGE - timedelta(days=1) if member.leaves else None,
                }
            )
    found = _rows_sync(
        WorkingGroupMember.objects.filter(participation__in=participations.values()),
        key=("participation_id", "first_name", "last_name"),
        rows=rows,
    )
    return list(found.values())


# --- Seminars --------------------------------------------------------------------------


def _step_key(kind: str, number: int | None) -> tuple[str, int | None]:
    return kind, None if kind == SeminarKind.IMMERSION else number


def _meeting_day(*, start: date, step, rng) -> date:
    """A weekday in the middle month of the step's window."""
    middle = step.first_month - 1 + (step.last_month - step.first_month + 1) // 2
    day = start + relativedelta(months=middle) + timedelta(days=rng.randrange(20))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _meeting_times(*, kind: str, day: date, rng) -> tuple[datetime, datetime]:
    if kind == SeminarKind.LOCAL:
        begins = rng.choice((time(9, 30), time(14, 0)))
        hours = 3
    else:
        # Immersion days and intersite seminars take the whole day.
        begins, hours = time(9, 30), 7
    starts_at = datetime.combine(day, begins, tzinfo=PARIS)
    return starts_at, starts_at + timedelta(hours=hours)


def _seminars_ensure(*, fabrique, participations, template, rng, today) -> list[Seminar]:
    """Plan the path, then tell which seminars were held and which have a date.
    Returns the held ones, in a stable order."""
    seminars_plan_intersite(fabrique=fabrique, template=template)
    for participation in participations.values():
        seminars_plan_local(participation=participation, template=template)
    steps = {_step_key(step.kind, step.number): step for step in template.steps.all()}
    specs = _spec_of(participations)
    order = {participation.pk: index for index, participation in enumerate(participations.values())}
    seminars = sorted(
        fabrique.seminars.all(),
        key=lambda s: (order.get(s.participation_id, -1), s.kind, s.number or 0),
    )
    rows = []
    for seminar in seminars:
        step = steps[_step_key(seminar.kind, seminar.number)]
        window_start, window_end = step_window(fabrique_start=fabrique.start_date, step=step)
        spec = specs.get(seminar.participation_id)
        row = {
            "participation_id": seminar.participation_id,
            "kind": seminar.kind,
            "number": seminar.number,
            "window_start": window_start,
            "window_end": window_end,
            "status": Seminar.Status.PLANNED,
            "starts_at": None,
            "ends_at": None,
            "place": "",
        }
        held = window_end < today
        next_one = window_start <= today and (spec is None or spec.schedules_next_seminar)
        if held or next_one:
            day = _meeting_day(start=fabrique.start_date, step=step, rng=rng)
            starts_at, ends_at = _meeting_times(kind=seminar.kind, day=day, rng=rng)
            places = spec.places if spec else (data.INTERSITE_PLACE,)
            row |= {
                "status": Seminar.Status.HELD if held else Seminar.Status.SCHEDULED,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "place": places[(seminar.number or 0) % len(places)],
            }
        rows.append(row)
    key = ("participation_id", "kind", "number")
    found = _rows_sync(fabrique.seminars.all(), key=key, rows=rows)
    synced = [found[tuple(row[field] for field in key)] for row in rows]
    return [seminar for seminar in synced if seminar.status == Seminar.Status.HELD]


def _attendance_ensure(*, held, participations, users, members, rng) -> None:
    specs = _spec_of(participations)
    referents = [(users[s.elu.email], users[s.agent.email]) for s in data.TERRITORIES]
    copil = [users[person.email] for person in data.COPIL_SEATS.values()]
    rows = []
    for seminar in held:
        day = timezone.localdate(seminar.starts_at, PARIS)
        if seminar.participation_id is None:
            invited_users = [user for pair in referents for user in pair] + copil
            invited_members = []
        else:
            spec = specs[seminar.participation_id]
            invited_users = [users[spec.elu.email], users[spec.agent.email]]
            # The working group is formed during the immersion day.
            invited_members = [
                member
                for member in members
                if seminar.kind == SeminarKind.LOCAL
                and member.participation_id == seminar.participation_id
                and member.joined_on <= day
                and (member.left_on is None or day <= member.left_on)
            ]
        for user in invited_users:
            rows.append(_attendance_row(seminar=seminar, user=user, rng=rng))
        for member in invited_members:
            rows.append(_attendance_row(seminar=seminar, member=member, rng=rng))
    _rows_sync(
        Attendance.objects.filter(seminar__in=held),
        key=("seminar_id", "user_id", "working_group_member_id"),
        rows=rows,
        create_only=True,
    )


def _attendance_row(*, seminar, rng, user=None, member=None) -> dict:
    return {
        "seminar_id": seminar.pk,
        "user_id": user.pk if user else None,
        "working_group_member_id": member.pk if member else None,
        "status": rng.choices(PRESENCE, weights=PRESENCE_WEIGHTS)[0],
    }


# --- Notes and roadmaps ------------------------------------------------------------------


def _notes_ensure(*, held, fabrique, participations, team, rng) -> None:
    specs = _spec_of(participations)
    territories = {p.pk: p.territory for p in participations.values()}
    # ``held`` is sorted by kind then number: the last one of a territory is its latest.
    latest = {seminar.participation_id: seminar for seminar in held}
    done = set(NoteVersion.objects.filter(seminar__in=held).values_list("seminar_id", flat=True))
    new = []
    for seminar in held:
        spec = specs.get(seminar.participation_id)
        code = spec.code if spec else None
        is_latest = latest[seminar.participation_id] is seminar
        delay = timedelta(days=rng.randint(3, 12), hours=rng.randint(0, 4))
        if seminar.pk in done or (is_latest and code == data.NOTE_MISSING_IN):
            continue
        territory = territories.get(seminar.participation_id)
        status = (
            NoteVersion.Status.SUBMITTED
            if is_latest and code == data.NOTE_SUBMITTED_IN
            else NoteVersion.Status.SHARED
        )
        author = team[(spec.lead_consultant if spec else data.PROJECT_LEAD).email]
        new.append(
            _note_build(
                seminar=seminar,
                fabrique=fabrique,
                territory=territory,
                summary=data.note_summary(
                    kind=seminar.kind, number=seminar.number, territory_code=code
                ),
                status=status,
                author_id=author.user_id,
                uploaded_at=seminar.ends_at + delay,
            )
        )
    NoteVersion.objects.bulk_create(new)


def _note_build(*, seminar, fabrique, territory, summary, status, author_id, uploaded_at):
    where = territory.name if territory else "Séminaire intersite"
    content = data.note_pdf(
        title="Fabriques Prospectives — note de séminaire",
        lines=[
            fabrique.display_title,
            f"{where} — {seminar}",
            f"Lieu : {seminar.place}",
            "",
            summary,
            "",
            "Rédigée par Transition & territoires pour l'ANCT (démonstration, personnes fictives).",
        ],
    )
    parts = ["note", slugify(territory.name) if territory else "", seminar.kind]
    parts.append(str(seminar.number or ""))
    original_name = "-".join(part for part in parts if part) + ".pdf"
    note = NoteVersion(
        seminar=seminar,
        version=1,
        original_name=original_name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        summary=summary,
        status=status,
        uploaded_by_id=author_id,
        uploaded_at=uploaded_at,
    )
    # The field's upload_to stores it under a server-generated name.
    note.file.save(original_name, ContentFile(content), save=False)
    return note


def _first_roadmap_adopted(*, participations, today: date) -> None:
    """The first territory's élu has adopted its roadmap: the demo shows an
    adopted version 1 and its PDF (rendered once the demo is committed)."""
    participation = participations[data.TERRITORIES[0].code]
    roadmap = participation.roadmap
    if roadmap.versions.exists():
        return
    elu = participation.contacts.get(role=ParticipationContact.Role.ELU).user
    roadmap = roadmap_submit(roadmap=roadmap, by=elu)
    version = roadmap_adopt(roadmap=roadmap, by=elu, adopted_on=today)
    roadmap_version_pdf_request(version=version, by=elu)


def _roadmaps_ensure(*, participations) -> None:
    existing = set(
        Roadmap.objects.filter(participation__in=participations.values()).values_list(
            "participation_id", flat=True
        )
    )
    specs = [spec for spec in data.TERRITORIES if participations[spec.code].pk not in existing]
    roadmaps = Roadmap.objects.bulk_create(
        Roadmap(
            participation=participations[spec.code],
            vision=spec.roadmap.vision,
            synthesis=spec.roadmap.synthesis,
            governance=spec.roadmap.governance,
            partnerships=spec.roadmap.partnerships,
            status=Roadmap.Status.DRAFT,
        )
        for spec in specs
    )
    axes = Axis.objects.bulk_create(
        Axis(roadmap=roadmap, title=title, position=position)
        for spec, roadmap in zip(specs, roadmaps, strict=True)
        for position, title in enumerate(spec.roadmap.axes)
    )
    axes_of = {(axis.roadmap_id, axis.position): axis for axis in axes}
    Action.objects.bulk_create(
        Action(
            roadmap=roadmap,
            axis=axes_of[(roadmap.pk, action.axis)],
            title=action.title,
            lead=action.lead,
            horizon=action.horizon,
            status=action.status,
            progress=action.progress,
            budget_eur=action.budget_eur,
            needs_engineering_support=action.needs_engineering_support,
            position=position,
        )
        for spec, roadmap in zip(specs, roadmaps, strict=True)
        for position, action in enumerate(spec.roadmap.actions)
    )
