"""Who may see and do what: the one place where access rules live.

Each rule comes twice: a predicate for one object (``can_view_participation``)
and a queryset filter for lists (``participations_visible_to``), written from
the same role filters so they cannot disagree. Roles are dated: a person whose
role ended yesterday has lost access today. Views answer 404 (never 403) for
an object outside the user's scope, so nobody learns that it exists.
"""

import functools
from datetime import date

from django.db import connection
from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from deliverables.models import GeneratedPdf, TransversalNote
from fabriques.models import CopilMember, Fabrique, TeamMember
from seminars.models import NoteVersion, Seminar
from territories.models import Participation, ParticipationContact


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def is_anct_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


# --- Role filters (the building blocks) ------------------------------------------


def team_roles(user, today=None) -> QuerySet[TeamMember]:
    return TeamMember.objects.active_on(_today(today)).filter(user=user)


def copil_roles(user, today=None) -> QuerySet[CopilMember]:
    return CopilMember.objects.active_on(_today(today)).filter(user=user)


def territory_roles(user, today=None) -> QuerySet[ParticipationContact]:
    return ParticipationContact.objects.active_on(_today(today)).filter(user=user)


# --- Built rules, kept per process ------------------------------------------------

# Building a rule's queryset (its nested, dated subqueries resolved by the ORM)
# costs more than running it, and pages build the same ones on every request.
# What a built queryset selects depends only on the user's id, their staff and
# active flags and the day (roles are dated), so it is kept under those, per
# process, and each call returns a fresh copy (``.all()``): the SQL is kept,
# never the rows, which are read again by every query.
_BUILT_RULES: dict[tuple, object] = {}
_BUILT_RULES_MAX = 2048


def _kept_per_user_and_day(copy):
    """Keep what a rule builds for a user and a day; hand out ``copy(kept)``."""

    def decorator(rule):
        @functools.wraps(rule)
        def wrapper(user, today=None):
            if not user.is_authenticated or user.pk is None:
                return rule(user, today)
            today = _today(today)
            key = (rule.__name__, user.pk, user.is_active, user.is_staff, today)
            built = _BUILT_RULES.get(key)
            if built is None:
                built = rule(user, today)
                if len(_BUILT_RULES) >= _BUILT_RULES_MAX:
                    _BUILT_RULES.clear()
                _BUILT_RULES[key] = built
            return copy(built)

        return wrapper

    return decorator


_built_per_user_and_day = _kept_per_user_and_day(QuerySet.all)


# --- Fabriques --------------------------------------------------------------------


def fabriques_run_by(user, today=None) -> QuerySet[Fabrique]:
    """The Fabriques whose prestataire team the user belongs to."""
    return Fabrique.objects.filter(contract__team__in=team_roles(user, today)).distinct()


def fabriques_steered_by(user, today=None) -> QuerySet[Fabrique]:
    """The Fabriques whose COPIL the user sits in (read-only access)."""
    return Fabrique.objects.filter(copil__in=copil_roles(user, today)).distinct()


@_built_per_user_and_day
def fabriques_visible_to(user, today=None) -> QuerySet[Fabrique]:
    if not user.is_authenticated or not user.is_active:
        return Fabrique.objects.none()
    if is_anct_staff(user):
        return Fabrique.objects.all()
    today = _today(today)
    return Fabrique.objects.filter(
        Exists(team_roles(user, today).filter(contract__fabrique=OuterRef("pk")))
        | Exists(copil_roles(user, today).filter(fabrique=OuterRef("pk")))
        | Exists(territory_roles(user, today).filter(participation__fabrique=OuterRef("pk")))
    )


def can_steer_fabrique(user, fabrique: Fabrique, today=None) -> bool:
    """Read-only COPIL view of the Fabrique, or ANCT staff."""
    return is_anct_staff(user) or (
        user.is_authenticated and copil_roles(user, today).filter(fabrique=fabrique).exists()
    )


def can_run_fabrique(user, fabrique: Fabrique, today=None) -> bool:
    """Prestataire work (scheduling seminars, notes, roadmaps) or ANCT staff."""
    return is_anct_staff(user) or (
        user.is_authenticated
        and team_roles(user, today).filter(contract__fabrique=fabrique).exists()
    )


# --- Participations (a territory in a Fabrique) --------------------------------


@_built_per_user_and_day
def participations_visible_to(user, today=None) -> QuerySet[Participation]:
    if not user.is_authenticated or not user.is_active:
        return Participation.objects.none()
    if is_anct_staff(user):
        return Participation.objects.all()
    today = _today(today)
    return Participation.objects.filter(
        Exists(territory_roles(user, today).filter(participation=OuterRef("pk")))
        | Exists(team_roles(user, today).filter(contract__fabrique=OuterRef("fabrique")))
        | Exists(copil_roles(user, today).filter(fabrique=OuterRef("fabrique")))
    )


def participations_of_territory_user(user, today=None) -> QuerySet[Participation]:
    """The participations the user holds a territory role in (élu or agent)."""
    return Participation.objects.filter(contacts__in=territory_roles(user, today)).distinct()


def can_view_participation(user, participation: Participation, today=None) -> bool:
    return participations_visible_to(user, today).filter(pk=participation.pk).exists()


def can_manage_working_group(user, participation: Participation, today=None) -> bool:
    """The territory's référents (élus and agent) and ANCT staff."""
    return is_anct_staff(user) or (
        user.is_authenticated
        and territory_roles(user, today).filter(participation=participation).exists()
    )


def can_hand_over_role(user, participation: Participation, today=None) -> bool:
    """Handing an élu's or agent's role to a successor: same people as the
    working group (the territory's référents) and ANCT staff."""
    return can_manage_working_group(user, participation, today)


def can_edit_roadmap(user, participation: Participation, today=None) -> bool:
    """Co-writing the roadmap: the territory's référents, the Fabrique's
    prestataire team, and ANCT staff (not the COPIL, which reads)."""
    if is_anct_staff(user):
        return True
    if not user.is_authenticated:
        return False
    today = _today(today)
    return (
        territory_roles(user, today).filter(participation=participation).exists()
        or team_roles(user, today).filter(contract__fabrique=participation.fabrique_id).exists()
    )


def can_adopt_roadmap(user, participation: Participation, today=None) -> bool:
    """Adoption is the territory's élu's act (ANCT staff may record it for them)."""
    return is_anct_staff(user) or (
        user.is_authenticated
        and territory_roles(user, today)
        .filter(participation=participation, role=ParticipationContact.Role.ELU)
        .exists()
    )


# --- Seminars --------------------------------------------------------------------


@_built_per_user_and_day
def seminars_visible_to(user, today=None) -> QuerySet[Seminar]:
    """Local seminars of visible participations, intersite ones of visible Fabriques."""
    if not user.is_authenticated or not user.is_active:
        return Seminar.objects.none()
    if is_anct_staff(user):
        return Seminar.objects.all()
    return Seminar.objects.filter(
        Q(participation__in=participations_visible_to(user, today))
        | Q(participation__isnull=True, fabrique__in=fabriques_visible_to(user, today))
    )


def _role_scopes(user, today=None) -> list[tuple[int, int | None]]:
    """The user's roles of ``today`` as (Fabrique, participation) id pairs,
    in one query: (Fabrique, None) for a team or COPIL seat (the whole
    Fabrique), (Fabrique, participation) for a territory role. Read afresh on
    every call."""
    sql, params = _role_scopes_sql(user, today)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Compiled once per user and day, not only built: the ORM takes about a
# millisecond to compile this UNION, more than PostgreSQL takes to run it.
@_kept_per_user_and_day(copy=tuple)  # (SQL, parameters): immutable, handed out as is
def _role_scopes_sql(user, today=None) -> tuple[str, tuple]:
    today = _today(today)
    # A typed NULL: PostgreSQL matches the UNION's columns by type.
    no_participation = Cast(Value(None), output_field=BigIntegerField())
    # order_by(): the role models' default ordering has no place in a UNION.
    union = (
        team_roles(user, today)
        .order_by()
        .values_list("contract__fabrique", no_participation)
        .union(
            copil_roles(user, today).order_by().values_list("fabrique", no_participation),
            territory_roles(user, today)
            .order_by()
            .values_list("participation__fabrique", "participation"),
            all=True,
        )
        .order_by()
    )
    return union.query.sql_with_params()


# What ``seminars_visible_to_by_ids`` selects by, as plain hashable values.
EVERY_SEMINAR = "every seminar"
NO_SEMINAR = "no seminar"
SeminarScope = str | tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def seminar_scope(user, today=None) -> SeminarScope:
    """Every seminar (ANCT staff), none (anonymous or inactive), or the id
    lists of ``seminars_visible_to_by_ids``: the Fabriques seen whole, the
    participations represented, and their Fabriques (for their intersite
    seminars). One query for a role holder (``_role_scopes``)."""
    if not user.is_authenticated or not user.is_active:
        return NO_SEMINAR
    if is_anct_staff(user):
        return EVERY_SEMINAR
    whole_fabriques, participations, territory_fabriques = set(), set(), set()
    for fabrique, participation in _role_scopes(user, today):
        if participation is None:
            whole_fabriques.add(fabrique)
        else:
            participations.add(participation)
            territory_fabriques.add(fabrique)
    return (
        tuple(sorted(whole_fabriques)),
        tuple(sorted(participations)),
        tuple(sorted(territory_fabriques)),
    )


def seminars_visible_to_by_ids(user, today=None, *, scope=None) -> QuerySet[Seminar]:
    """The rows of ``seminars_visible_to``, selected by plain id lists instead
    of nested subqueries, for lists that run over a long history (the iCal
    feed). ``scope``: the user's ``seminar_scope``, when the caller read it.

    The user's roles are read first, in one query; the seminars are then those
    of a Fabrique the user runs or steers (all of them, as
    ``participations_visible_to`` gives a team or COPIL member every territory),
    of a territory the user represents, or intersite seminars of that
    territory's Fabrique. PostgreSQL answers this from the indexes on the
    seminar's Fabrique and participation, where the subqueries made it plan for
    milliseconds and test every seminar ever held. ``tests/accounts`` checks
    that both give the same rows for every persona."""
    scope = scope or seminar_scope(user, today)
    if scope == NO_SEMINAR:
        return Seminar.objects.none()
    if scope == EVERY_SEMINAR:
        return Seminar.objects.all()
    whole_fabriques, participations, territory_fabriques = scope
    return Seminar.objects.filter(
        Q(fabrique__in=whole_fabriques)
        | Q(participation__in=participations)
        | Q(participation__isnull=True, fabrique__in=territory_fabriques)
    )


def note_versions_visible_to(user, today=None) -> QuerySet[NoteVersion]:
    """Every version for the Fabrique's prestataire and ANCT staff; only the
    versions shared with the territories for the others who see the seminar
    (its référents, the COPIL)."""
    if is_anct_staff(user):
        return NoteVersion.objects.all()
    today = _today(today)
    visible = NoteVersion.objects.filter(seminar__in=seminars_visible_to(user, today))
    return visible.filter(
        Q(status=NoteVersion.Status.SHARED) | Q(seminar__fabrique__in=fabriques_run_by(user, today))
    )


# --- Transversal notes ----------------------------------------------------------


def transversal_notes_visible_to(user, today=None) -> QuerySet[TransversalNote]:
    """Every note of the Fabriques the user runs (all of them for ANCT staff),
    drafts included; only the published notes of the other Fabriques the user
    sees (territory people, the COPIL)."""
    visible = TransversalNote.objects.filter(fabrique__in=fabriques_visible_to(user, today))
    if is_anct_staff(user):
        return visible
    return visible.filter(Q(is_published=True) | Q(fabrique__in=fabriques_run_by(user, today)))


# --- Generated PDFs ------------------------------------------------------------


def generated_pdfs_visible_to(user, today=None) -> QuerySet[GeneratedPdf]:
    """A territory's PDFs (its roadmap) to whoever sees the participation; the
    Fabrique's own (notes, publication, follow-up report) to whoever sees the
    Fabrique; the published ones of public Fabriques to everybody."""
    published = GeneratedPdf.objects.published()
    if not user.is_authenticated or not user.is_active:
        return published
    if is_anct_staff(user):
        return GeneratedPdf.objects.all()
    today = _today(today)
    return GeneratedPdf.objects.filter(
        Q(participation__in=participations_visible_to(user, today))
        | Q(participation__isnull=True, fabrique__in=fabriques_visible_to(user, today))
        | Q(pk__in=published.values("pk"))
    )


# --- Helpers for views ---------------------------------------------------------


def get_visible_or_404(queryset: QuerySet, **lookup):
    """Fetch one object from an already scoped queryset, or answer 404."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def get_runnable_seminar_or_404(user, pk):
    """A seminar the user does prestataire work on (their Fabrique's, or any
    for ANCT staff); 404 otherwise."""
    seminar = get_visible_or_404(
        seminars_visible_to(user).select_related("fabrique", "participation__territory"), pk=pk
    )
    if not can_run_fabrique(user, seminar.fabrique):
        raise Http404
    return seminar


def user_spaces(user, today=None) -> dict[str, bool]:
    """Which working spaces the user has, in one query (for the header)."""
    if not user.is_authenticated:
        return {"territory": False, "prestataire": False, "copil": False, "anct": False}
    today = _today(today)
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            territory=Exists(territory_roles(OuterRef("pk"), today)),
            prestataire=Exists(team_roles(OuterRef("pk"), today)),
            copil=Exists(copil_roles(OuterRef("pk"), today)),
        )
        .values("territory", "prestataire", "copil")
        .get()
    )
    return flags | {"anct": is_anct_staff(user)}
