"""The benchmark's synthetic dataset: national scale and beyond, from a seed.

At ``scale=1`` it holds what issue 9 asks for: 20 editions of 10 Fabriques of
8 territories (1,600 participations), every seminar the default path plans
(4 intersite per Fabrique; an immersion day and 4 local seminars per
participation), 3 note versions per held seminar (small files on disk), a
roadmap of 25 actions and a working group of 18 per participation, about
3,000 users with their roles. ``scale=0.1`` is the same shape at one tenth.

Rows are inserted with ``bulk_create`` in the shapes the services produce
(``fabriques.services.fabrique_create``, ``seminars.services``), without
calling them: one ``save()`` per row would take an hour at this size. The
same seed and the same ``today`` give the same rows.

Imported by ``manage.py bench_data`` (bench settings) and by the tests (the
portal's settings, where the bench app is not installed): it uses only the
portal's models.
"""

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import anct_staff_group_ensure
from deliverables.models import Action, Axis, FollowUp, Roadmap, TransversalNote
from fabriques.models import (
    CopilMember,
    Fabrique,
    Organisation,
    Partnership,
    PrestataireContract,
    TeamMember,
    Transition,
    default_end_date,
    default_follow_up_date,
)
from seminars.models import NoteVersion, Seminar, SeminarKind, SeminarTemplate
from seminars.services import seminar_template_default, step_window
from territories.models import (
    Commune,
    Departement,
    Epci,
    Participation,
    ParticipationContact,
    Region,
    Territory,
    WorkingGroupMember,
)

BATCH = 2000
EMAIL_DOMAIN = "bench.invalid"
# The persona whose iCal feed the benchmark fetches: a COPIL member seated in
# enough Fabriques for about this many dated seminars.
ICAL_SEMINARS = 200
ICAL_EMAIL = f"calendrier@{EMAIL_DOMAIN}"

# Volumes at scale 1 (issue 9).
EDITIONS = 20
FABRIQUES_PER_EDITION = 10
TERRITORIES_PER_FABRIQUE = 8
ACTIONS_PER_ROADMAP = 25
AXES_PER_ROADMAP = 3
WORKING_GROUP_SIZE = 18
NOTE_VERSIONS = 3
TERRITORIES = 1000  # distinct territories: many take part more than once
STAFF = 20
TEAM_POOL = 300
COPIL_POOL = 680
COPIL_SEATS = 6
PARTNERS_PER_FABRIQUE = 4

NATIONAL_ORGANISATIONS = {
    Organisation.Kind.ANCT: [
        "Action cœur de ville",
        "Territoires d'industrie",
        "Agenda rural",
        "Petites villes de demain",
        "Villages d'avenir",
    ],
    Organisation.Kind.ELECTED_OFFICIALS: [
        "Villes de France",
        "Intercommunalités de France",
        "Association des petites villes de France",
        "Association des maires de France",
        "France urbaine",
        "Régions de France",
    ],
    Organisation.Kind.MINISTRY: [
        "Commissariat général au développement durable",
        "Direction générale de l'aménagement, du logement et de la nature",
        "Direction générale des collectivités locales",
        "Direction générale des entreprises",
        "Direction générale du Trésor",
        "Secrétariat général à la planification écologique",
    ],
    Organisation.Kind.NATIONAL_OPERATOR: [
        "Cerema",
        "Office français de la biodiversité",
        "ADEME",
        "ANRU",
        "Banque des territoires",
        "Bpifrance",
        "Agence nationale de l'habitat",
        "France Travail",
    ],
    Organisation.Kind.RESEARCH: [
        "Institut des hautes études de l'aménagement",
        "Laboratoire de prospective territoriale",
        "Université de géographie appliquée",
        "Centre de recherche sur les transitions",
    ],
}
THEMES = [
    "Villes moyennes et transition écologique",
    "Industrie et sobriété foncière",
    "Vieillissement de la population et services",
    "Ruralités et mobilités du quotidien",
    "Attractivité des centres-bourgs",
    "Alimentation et circuits courts",
    "Eau et adaptation au changement climatique",
    "Santé et accès aux soins",
    "Jeunesse et formation",
    "Transformation de l'action publique locale",
    "Tourisme et transition",
    "Énergie et territoires",
]
FIRST_NAMES = [
    "Camille", "Dominique", "Claude", "Alix", "Sacha", "Lou", "Maxime", "Morgane",
    "Nicolas", "Nadia", "Hugo", "Inès", "Jules", "Léa", "Karim", "Sofia", "Yann", "Zoé",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
]  # fmt: skip
ACTION_VERBS = ["Créer", "Renforcer", "Expérimenter", "Structurer", "Accompagner", "Mesurer"]
ACTION_OBJECTS = [
    "un tiers-lieu de la transition",
    "la filière bois locale",
    "un observatoire du foncier",
    "les mobilités partagées",
    "un plan de rénovation énergétique",
    "la coopération avec les communes voisines",
    "l'accueil des jeunes actifs",
    "un réseau de producteurs",
]


@dataclass
class Shape:
    """How many of each thing a scale gives."""

    scale: float
    fabriques: int
    territories: int
    staff: int
    prestataires: int
    team_pool_per_prestataire: int
    copil_pool: int

    @classmethod
    def of(cls, scale: float) -> "Shape":
        fabriques = max(1, round(EDITIONS * FABRIQUES_PER_EDITION * scale))
        prestataires = max(1, min(15, math.ceil(fabriques / 8)))
        return cls(
            scale=scale,
            fabriques=fabriques,
            territories=max(TERRITORIES_PER_FABRIQUE, round(TERRITORIES * scale)),
            staff=max(2, round(STAFF * scale)),
            prestataires=prestataires,
            team_pool_per_prestataire=max(4, round(TEAM_POOL * scale / prestataires)),
            copil_pool=max(COPIL_SEATS, round(COPIL_POOL * scale)),
        )


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _bulk(model, objects, counts: Report | None = None, label: str | None = None):
    created = model.objects.bulk_create(objects, batch_size=BATCH)
    if counts is not None:
        key = label or model._meta.label
        counts.counts[key] = counts.counts.get(key, 0) + len(created)
    return created


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class Builder:
    def __init__(self, *, seed: int, scale: float, today: date, media_root: Path, log):
        self.rng = random.Random(seed)
        self.shape = Shape.of(scale)
        self.today = today
        self.media_root = Path(media_root)
        self.log = log
        self.report = Report()

    # --- Reference data -----------------------------------------------------------

    def referential(self) -> list[tuple[str, object]]:
        """Communes and EPCI to make territories of: the imported geography when
        there is enough of it (``manage.py import_geography``), else a small
        synthetic one (tests)."""
        needed = self.shape.territories
        epcis = list(Epci.objects.order_by("siren"))
        communes = list(Commune.objects.order_by("insee_code"))
        if len(epcis) + len(communes) < needed:
            self.report.notes.append("no imported geography: synthetic communes and EPCI")
            epcis, communes = self._synthetic_referential(needed)
        n_epcis = min(len(epcis), round(needed * 0.6))
        chosen = [("epci", e) for e in self.rng.sample(epcis, n_epcis)]
        chosen += [("commune", c) for c in self.rng.sample(communes, needed - n_epcis)]
        return chosen

    def _synthetic_referential(self, needed: int):
        region, _created = Region.objects.get_or_create(
            code="ZB", defaults={"name": "Région du banc d'essai"}
        )
        departements = []
        for i in range(1, 10):
            departement, _created = Departement.objects.get_or_create(
                code=f"Z{i}", defaults={"name": f"Département d'essai {i}", "region": region}
            )
            departements.append(departement)
        epcis = [
            Epci(
                siren=f"999{i:06d}",
                name=f"Communauté d'essai {i}",
                kind=self.rng.choice(list(Epci.Kind.values)),
                population=self.rng.randint(5_000, 400_000),
                departement=departements[i % len(departements)],
            )
            for i in range(needed)
        ]
        communes = [
            Commune(
                insee_code=f"Z{i:04d}",
                name=f"Commune d'essai {i}",
                departement=departements[i % len(departements)],
                population=self.rng.randint(500, 80_000),
            )
            for i in range(needed)
        ]
        Epci.objects.bulk_create(epcis, batch_size=BATCH, ignore_conflicts=True)
        Commune.objects.bulk_create(communes, batch_size=BATCH, ignore_conflicts=True)
        return (
            list(Epci.objects.filter(siren__startswith="999").order_by("siren")),
            list(Commune.objects.filter(insee_code__startswith="Z").order_by("insee_code")),
        )

    def organisations(self):
        rows = [
            Organisation(name=name, kind=kind)
            for kind, names in NATIONAL_ORGANISATIONS.items()
            for name in names
        ]
        rows += [
            Organisation(name=f"Cabinet Prospective {i:02d}", kind=Organisation.Kind.PRESTATAIRE)
            for i in range(1, self.shape.prestataires + 1)
        ]
        Organisation.objects.bulk_create(rows, ignore_conflicts=True)
        by_kind: dict[str, list[Organisation]] = {}
        for organisation in Organisation.objects.filter(name__in=[r.name for r in rows]).order_by(
            "name"
        ):
            by_kind.setdefault(organisation.kind, []).append(organisation)
        self.report.counts["fabriques.Organisation"] = len(rows)
        return by_kind

    # --- People -------------------------------------------------------------------

    def users(self, territories: int):
        rng = self.rng
        password = make_password(None)  # unusable: bench users never log in by password
        rows = []

        def person(email, **extra):
            rows.append(
                User(
                    email=email,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    password=password,
                    **extra,
                )
            )

        for i in range(1, self.shape.staff + 1):
            person(f"anct-{i:03d}@{EMAIL_DOMAIN}", is_staff=True)
        for p in range(1, self.shape.prestataires + 1):
            for i in range(1, self.shape.team_pool_per_prestataire + 1):
                person(f"prestataire-{p:02d}-{i:03d}@{EMAIL_DOMAIN}")
        for i in range(1, self.shape.copil_pool + 1):
            person(f"copil-{i:04d}@{EMAIL_DOMAIN}")
        for t in range(1, territories + 1):
            person(f"elu-{t:04d}@{EMAIL_DOMAIN}")
            person(f"agent-{t:04d}@{EMAIL_DOMAIN}")
        person(ICAL_EMAIL)
        _bulk(User, rows, self.report)
        users = {u.email: u for u in User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")}
        staff = [users[f"anct-{i:03d}@{EMAIL_DOMAIN}"] for i in range(1, self.shape.staff + 1)]
        group = anct_staff_group_ensure()
        group.user_set.add(*staff)
        teams = {
            p: [
                users[f"prestataire-{p:02d}-{i:03d}@{EMAIL_DOMAIN}"]
                for i in range(1, self.shape.team_pool_per_prestataire + 1)
            ]
            for p in range(1, self.shape.prestataires + 1)
        }
        copil = [
            users[f"copil-{i:04d}@{EMAIL_DOMAIN}"] for i in range(1, self.shape.copil_pool + 1)
        ]
        return users, staff, teams, copil

    # --- The whole build ----------------------------------------------------------

    def build(self) -> Report:
        rng, shape, today = self.rng, self.shape, self.today
        template = seminar_template_default() or SeminarTemplate.objects.first()
        steps = list(template.steps.order_by("first_month", "kind", "number"))
        transitions = list(Transition.objects.order_by("code"))
        orgs = self.organisations()
        prestataires = orgs[Organisation.Kind.PRESTATAIRE]
        programmes = orgs[Organisation.Kind.ANCT]
        partners = [
            o
            for kind in (
                Organisation.Kind.ELECTED_OFFICIALS,
                Organisation.Kind.MINISTRY,
                Organisation.Kind.NATIONAL_OPERATOR,
                Organisation.Kind.RESEARCH,
            )
            for o in orgs[kind]
        ]

        # Territories.
        referential = self.referential()
        territory_rows = []
        for kind, entry in referential:
            if kind == "epci":
                territory_rows.append(
                    Territory(
                        name=entry.name,
                        kind=Territory.EPCI_KIND[entry.kind],
                        epci=entry,
                        departement_id=entry.departement_id,
                        population=entry.population,
                    )
                )
            else:
                territory_rows.append(
                    Territory(
                        name=entry.name,
                        kind=Territory.Kind.COMMUNE,
                        commune=entry,
                        departement_id=entry.departement_id,
                        population=entry.population,
                    )
                )
        territories = _bulk(Territory, territory_rows, self.report)
        self.log(f"  {len(territories)} territories")

        users, staff, teams, copil_pool = self.users(len(territories))
        territory_people = {
            t.pk: (users[f"elu-{i:04d}@{EMAIL_DOMAIN}"], users[f"agent-{i:04d}@{EMAIL_DOMAIN}"])
            for i, t in enumerate(territories, start=1)
        }
        self.log(f"  {len(users)} users")

        # Fabriques: the last edition is this year's.
        last_edition = today.year
        n_editions = math.ceil(shape.fabriques / FABRIQUES_PER_EDITION)
        fabrique_rows = []
        for index in range(shape.fabriques):
            edition = last_edition - n_editions + 1 + index // FABRIQUES_PER_EDITION
            start = date(edition, rng.choice([1, 2, 3, 4]), 1)
            end = default_end_date(start)
            follow_up = default_follow_up_date(end)
            if start > today:
                status = Fabrique.Status.PREPARATION
            elif end >= today:
                status = Fabrique.Status.RUNNING
            elif follow_up < today:
                status = Fabrique.Status.FOLLOWED_UP
            else:
                status = Fabrique.Status.FINISHED
            theme = THEMES[index % len(THEMES)]
            fabrique_rows.append(
                Fabrique(
                    title=f"{theme} : quelles mutations pour les territoires ? ({index + 1})",
                    short_title=f"{theme} {edition}-{index % FABRIQUES_PER_EDITION + 1}",
                    slug=f"bench-{edition}-{index % FABRIQUES_PER_EDITION + 1:02d}",
                    edition=edition,
                    objective="Accompagner huit territoires dans un exercice prospectif. " * 4,
                    anct_programme=rng.choice(programmes),
                    status=status,
                    start_date=start,
                    end_date=end,
                    follow_up_due_date=follow_up,
                    seminar_template=template,
                    is_public=status != Fabrique.Status.PREPARATION or rng.random() < 0.5,
                )
            )
        fabriques = _bulk(Fabrique, fabrique_rows, self.report)
        Through = Fabrique.transitions.through
        _bulk(
            Through,
            [
                Through(fabrique_id=f.pk, transition_id=t.pk)
                for f in fabriques
                for t in rng.sample(transitions, rng.choice([1, 1, 2]))
            ],
            self.report,
            "fabriques.Fabrique_transitions",
        )
        partnership_rows = []
        for f in fabriques:
            for organisation in rng.sample(partners, PARTNERS_PER_FABRIQUE):
                role = {
                    Organisation.Kind.ELECTED_OFFICIALS: Partnership.Role.ELECTED_OFFICIALS,
                    Organisation.Kind.RESEARCH: Partnership.Role.RESEARCH,
                }.get(organisation.kind, Partnership.Role.NATIONAL_PARTNER)
                partnership_rows.append(
                    Partnership(fabrique=f, organisation=organisation, role=role)
                )
        _bulk(Partnership, partnership_rows, self.report)
        self.log(f"  {len(fabriques)} Fabriques")

        # Prestataire contracts and teams.
        contracts = _bulk(
            PrestataireContract,
            [
                PrestataireContract(
                    fabrique=f,
                    prestataire=prestataires[i % len(prestataires)],
                    reference=f"ANCT-{f.edition}-{i:04d}",
                    notified_on=f.start_date - timedelta(days=45),
                    amount_eur=Decimal(rng.randrange(80_000, 240_000, 500)),
                )
                for i, f in enumerate(fabriques)
            ],
            self.report,
        )
        team_rows = []
        for i, contract in enumerate(contracts):
            pool = teams[i % len(prestataires) + 1]
            director, lead, *consultants = rng.sample(pool, 4)
            for user, role in [
                (director, TeamMember.Role.DIRECTOR),
                (lead, TeamMember.Role.PROJECT_LEAD),
                (consultants[0], TeamMember.Role.CONSULTANT),
                (consultants[1], TeamMember.Role.CONSULTANT),
            ]:
                team_rows.append(
                    TeamMember(
                        contract=contract,
                        user=user,
                        role=role,
                        starts_on=contract.fabrique.start_date - timedelta(days=30),
                    )
                )
        team = _bulk(TeamMember, team_rows, self.report)
        consultants_of = {}
        for member in team:
            if member.role == TeamMember.Role.CONSULTANT:
                consultants_of.setdefault(member.contract.fabrique_id, []).append(member)
        copil_rows = []
        for f in fabriques:
            for organisation, user in zip(
                rng.sample(partners, COPIL_SEATS), rng.sample(copil_pool, COPIL_SEATS), strict=True
            ):
                copil_rows.append(
                    CopilMember(
                        fabrique=f,
                        organisation=organisation,
                        user=user,
                        function="Représentant",
                        starts_on=f.start_date - timedelta(days=60),
                    )
                )
        # Follow-ups of the Fabriques whose six months have passed.
        _bulk(
            FollowUp,
            [
                FollowUp(
                    fabrique=f,
                    meeting_on=f.follow_up_due_date,
                    showcase_on=f.follow_up_due_date + timedelta(days=30),
                    meeting_notes="Réunion de suivi à six mois.",
                )
                for f in fabriques
                if f.status == Fabrique.Status.FOLLOWED_UP
            ],
            self.report,
        )

        # Participations, contacts.
        participation_rows = []
        for f in fabriques:
            confirmed = f.status != Fabrique.Status.PREPARATION
            for territory in rng.sample(territories, TERRITORIES_PER_FABRIQUE):
                consultants = consultants_of[f.pk]
                participation_rows.append(
                    Participation(
                        fabrique=f,
                        territory=territory,
                        status=(
                            Participation.Status.CONFIRMED
                            if confirmed
                            else Participation.Status.PROPOSED
                        ),
                        proposed_on=f.start_date - timedelta(days=90),
                        confirmed_on=f.start_date - timedelta(days=30) if confirmed else None,
                        lead_consultant=rng.choice(consultants),
                    )
                )
        participations = _bulk(Participation, participation_rows, self.report)
        contact_rows = []
        for p in participations:
            elu, agent = territory_people[p.territory_id]
            start = p.fabrique.start_date - timedelta(days=30)
            contact_rows.append(
                ParticipationContact(
                    participation=p,
                    user=elu,
                    role=ParticipationContact.Role.ELU,
                    function="Maire",
                    starts_on=start,
                )
            )
            contact_rows.append(
                ParticipationContact(
                    participation=p,
                    user=agent,
                    role=ParticipationContact.Role.AGENT,
                    function="Directeur général des services",
                    starts_on=start,
                )
            )
        _bulk(ParticipationContact, contact_rows, self.report)
        self.log(f"  {len(participations)} participations")

        # Seminars, in the shapes seminars.services plans them.
        seminar_rows = []
        by_fabrique = {}
        for p in participations:
            by_fabrique.setdefault(p.fabrique_id, []).append(p)
        for f in fabriques:
            for step in steps:
                if step.kind == SeminarKind.INTERSITE:
                    seminar_rows.append(self._seminar(f, None, step))
                else:
                    for p in by_fabrique[f.pk]:
                        seminar_rows.append(self._seminar(f, p, step))
        seminars = _bulk(Seminar, seminar_rows, self.report)
        self.log(f"  {len(seminars)} seminars")

        # The iCal persona: COPIL seats until about ICAL_SEMINARS dated seminars.
        dated = {}
        for s in seminars:
            if s.starts_at is not None:
                dated[s.fabrique_id] = dated.get(s.fabrique_id, 0) + 1
        ical_user = users[ICAL_EMAIL]
        total = 0
        for f in fabriques:
            if total >= ICAL_SEMINARS:
                break
            if dated.get(f.pk):
                seat = partners[0]  # the unique key includes the user: no clash
                copil_rows.append(
                    CopilMember(fabrique=f, organisation=seat, user=ical_user, function="Suivi")
                )
                total += dated[f.pk]
        _bulk(CopilMember, copil_rows, self.report)
        self.report.counts["ical_persona_seminars"] = total

        self._notes(seminars, team, staff)
        self._roadmaps(participations)
        self._working_groups(participations)
        self._transversal_notes(fabriques)
        self._reminders()
        return self.report

    def _seminar(self, fabrique, participation, step) -> Seminar:
        rng, today = self.rng, self.today
        window_start, window_end = step_window(fabrique_start=fabrique.start_date, step=step)
        kind = step.kind
        status, starts_at, ends_at = Seminar.Status.PLANNED, None, None
        if window_end < today or window_start <= today + timedelta(days=60):
            day = window_start + timedelta(days=rng.randrange((window_end - window_start).days + 1))
            starts_at = _aware(day, rng.choice([9, 10, 14]), rng.choice([0, 30]))
            ends_at = starts_at + timedelta(hours=rng.choice([3, 4, 7]))
            if day < today:
                status = Seminar.Status.CANCELLED if rng.random() < 0.03 else Seminar.Status.HELD
            else:
                status = Seminar.Status.SCHEDULED
        seminar_format = rng.choice(list(Seminar.Format.values))
        return Seminar(
            fabrique=fabrique,
            participation=participation,
            kind=kind,
            number=None if kind == SeminarKind.IMMERSION else step.number,
            theme=step.title,
            content=step.content,
            window_start=window_start,
            window_end=window_end,
            starts_at=starts_at,
            ends_at=ends_at,
            place="" if seminar_format == Seminar.Format.REMOTE else "Salle du conseil",
            format=seminar_format,
            meeting_url=""
            if seminar_format == Seminar.Format.IN_PERSON
            else "https://visio.example.invalid/salle",
            status=status,
            agenda="Accueil ; ateliers ; restitution." if starts_at else "",
        )

    def _notes(self, seminars, team, staff):
        """Three versions per held seminar: returned, validated, shared."""
        rng = self.rng
        writers = {}
        for member in team:
            writers.setdefault(member.contract.fabrique_id, []).append(member.user)
        statuses = [
            NoteVersion.Status.RETURNED,
            NoteVersion.Status.VALIDATED,
            NoteVersion.Status.SHARED,
        ]
        rows = []
        for s in seminars:
            if s.status != Seminar.Status.HELD:
                continue
            held = s.ends_at
            for number, status in enumerate(statuses, start=1):
                body = (
                    f"%PDF-1.4\n% Note {number} du seminaire {s.kind} {s.number}"
                    f" ({s.theme})\n".encode()
                    + b"x" * rng.randrange(200, 900)
                    + b"\n%%EOF\n"
                )
                name = f"notes/{s.pk}/{rng.getrandbits(128):032x}.pdf"
                path = self.media_root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
                uploaded = held + timedelta(days=3 * number)
                reviewer = rng.choice(staff)
                rows.append(
                    NoteVersion(
                        seminar=s,
                        version=number,
                        file=name,
                        original_name=f"note-seminaire-v{number}.pdf",
                        size=len(body),
                        sha256=hashlib.sha256(body).hexdigest(),
                        summary="Synthèse des échanges et pistes d'action.",
                        status=status,
                        review_comment="À préciser." if status == statuses[0] else "",
                        uploaded_by=rng.choice(writers[s.fabrique_id]),
                        uploaded_at=uploaded,
                        submitted_at=uploaded + timedelta(hours=2),
                        reviewed_by=reviewer,
                        reviewed_at=uploaded + timedelta(days=1),
                        shared_at=uploaded + timedelta(days=1)
                        if status == NoteVersion.Status.SHARED
                        else None,
                    )
                )
        _bulk(NoteVersion, rows, self.report)
        self.log(f"  {len(rows)} note versions (files under {self.media_root})")

    def _roadmaps(self, participations):
        rng, today = self.rng, self.today
        roadmap_rows = []
        for p in participations:
            f = p.fabrique
            if f.end_date < today:
                status, adopted_on = Roadmap.Status.ADOPTED, f.end_date - timedelta(days=15)
            elif f.start_date <= today:
                status, adopted_on = Roadmap.Status.DRAFT, None
            else:
                status, adopted_on = Roadmap.Status.DRAFT, None
            roadmap_rows.append(
                Roadmap(
                    participation=p,
                    vision="Un territoire sobre, attractif et solidaire à l'horizon 2040. " * 3,
                    synthesis="Le travail prospectif a fait émerger trois enjeux. " * 5,
                    governance="Un comité de pilotage local se réunit chaque trimestre.",
                    partnerships="Région, département, chambres consulaires, associations.",
                    status=status,
                    adopted_on=adopted_on,
                )
            )
        roadmaps = _bulk(Roadmap, roadmap_rows, self.report)
        axes = _bulk(
            Axis,
            [
                Axis(roadmap=r, title=f"Axe {n} : {rng.choice(THEMES).lower()}", position=n)
                for r in roadmaps
                for n in range(1, AXES_PER_ROADMAP + 1)
            ],
            self.report,
        )
        axes_of = {}
        for axis in axes:
            axes_of.setdefault(axis.roadmap_id, []).append(axis)
        action_rows = []
        for r in roadmaps:
            start = r.participation.fabrique.end_date
            for n in range(ACTIONS_PER_ROADMAP):
                # One action in twelve is not filed under an axis.
                axis = None if n % 12 == 11 else axes_of[r.pk][n % AXES_PER_ROADMAP]
                begins = start + timedelta(days=rng.randrange(0, 365))
                status = rng.choice(list(Action.Status.values))
                action_rows.append(
                    Action(
                        roadmap=r,
                        axis=axis,
                        title=f"{rng.choice(ACTION_VERBS)} {rng.choice(ACTION_OBJECTS)} ({n + 1})",
                        description="Description de l'action, de ses étapes et de son public. "
                        * rng.randint(1, 4),
                        lead=rng.choice(["Commune", "Intercommunalité", "Association", "État"]),
                        partners="ADEME ; Région ; Chambre d'agriculture",
                        starts_on=begins,
                        ends_on=begins + timedelta(days=rng.randrange(30, 900)),
                        horizon=rng.choice(list(Action.Horizon.values)),
                        budget_eur=Decimal(rng.randrange(5_000, 2_000_000, 1_000)),
                        funding="Fonds vert ; DETR",
                        indicators="Nombre de bénéficiaires ; tonnes de CO2 évitées",
                        status=status,
                        progress=100 if status == Action.Status.DONE else rng.randrange(0, 100),
                        needs_engineering_support=rng.random() < 0.1,
                        position=n,
                    )
                )
        _bulk(Action, action_rows, self.report)
        self.log(f"  {len(roadmaps)} roadmaps, {len(action_rows)} actions")

    def _working_groups(self, participations):
        rng = self.rng
        colleges = list(WorkingGroupMember.College.values)
        rows = []
        for p in participations:
            start = p.fabrique.start_date
            for n in range(WORKING_GROUP_SIZE):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                left = start + timedelta(days=rng.randrange(60, 300)) if n == 17 else None
                rows.append(
                    WorkingGroupMember(
                        participation=p,
                        first_name=first,
                        last_name=last,
                        organisation=f"Structure locale {n + 1}",
                        college=rng.choice(colleges),
                        email=f"{first.lower()}.{last.lower()}.{p.pk}.{n}@groupe.invalid",
                        joined_on=start,
                        left_on=left,
                    )
                )
        _bulk(WorkingGroupMember, rows, self.report)
        self.log(f"  {len(rows)} working-group members")

    def _transversal_notes(self, fabriques):
        rows = []
        for f in fabriques:
            if f.end_date >= self.today:
                continue
            for kind in (TransversalNote.Kind.RECOMMENDATIONS, TransversalNote.Kind.METHOD):
                rows.append(
                    TransversalNote(
                        fabrique=f,
                        kind=kind,
                        title=f"{TransversalNote.Kind(kind).label} — {f.display_title}",
                        body="## Constats\n\n"
                        + "Les territoires ont partagé leurs constats. " * 20
                        + "\n\n## Recommandations\n\n"
                        + "".join(f"- Recommandation {n}\n" for n in range(1, 9)),
                        is_published=True,
                        published_on=f.end_date + timedelta(days=30),
                    )
                )
        _bulk(TransversalNote, rows, self.report)

    def _reminders(self):
        if not apps.is_installed("reminders"):
            self.report.notes.append("the reminders app is not installed: no reminder ledger built")
            return
        try:
            from bench.reminders_data import build_ledger  # written once the app exists
        except ImportError:
            self.report.notes.append(
                "the reminders app is installed but bench does not build its ledger yet"
            )
            return
        self.report.counts.update(build_ledger(rng=self.rng, today=self.today))


def build(
    *, seed: int = 1, scale: float = 1.0, today: date | None = None, media_root=None, log=None
) -> Report:
    """Build the dataset into the default database (which holds no Fabrique yet)."""
    if Fabrique.objects.exists():
        raise ValueError("the database already holds Fabriques: build into an empty one")
    builder = Builder(
        seed=seed,
        scale=scale,
        today=today or timezone.localdate(),
        media_root=media_root or settings.MEDIA_ROOT,
        log=log or (lambda message: None),
    )
    with transaction.atomic():
        return builder.build()
