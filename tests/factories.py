"""Factories for every model, so a test builds only the rows it talks about."""

from datetime import date

import factory
from django.utils import timezone

from accounts.models import User
from deliverables.models import (
    Action,
    Axis,
    FollowUp,
    GeneratedPdf,
    Roadmap,
    RoadmapVersion,
    TransversalNote,
)
from fabriques.models import (
    CopilMeeting,
    CopilMember,
    Fabrique,
    Organisation,
    Partnership,
    PrestataireContract,
    TeamMember,
)
from seminars.models import (
    Attendance,
    NoteVersion,
    Seminar,
    SeminarKind,
    SeminarTemplate,
    SeminarTemplateStep,
)
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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"personne{n}@exemple.invalid")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("motdepasse-de-test")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "53"
    name = "Bretagne"


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ["code"]

    code = "56"
    name = "Morbihan"
    region = factory.SubFactory(RegionFactory)


class EpciFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epci

    siren = factory.Sequence(lambda n: f"{200000000 + n}")
    name = factory.Sequence(lambda n: f"Communauté d'agglomération n°{n}")
    kind = Epci.Kind.CA
    population = 100_000
    departement = factory.SubFactory(DepartementFactory)


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    # 60000 and up: clear of the real codes tests use (56121 Lorient, 35055…).
    insee_code = factory.Sequence(lambda n: f"{60000 + n % 30000:05d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    departement = factory.SubFactory(DepartementFactory)
    population = 5_000


class TerritoryFactory(factory.django.DjangoModelFactory):
    """A commune territory; pass ``epci=...`` and ``commune=None`` for an EPCI."""

    class Meta:
        model = Territory

    commune = factory.SubFactory(CommuneFactory)
    epci = None
    name = factory.LazyAttribute(lambda t: (t.commune or t.epci).name)
    kind = factory.LazyAttribute(
        lambda t: Territory.Kind.COMMUNE if t.commune else Territory.EPCI_KIND[t.epci.kind]
    )
    departement = factory.LazyAttribute(lambda t: (t.commune or t.epci).departement)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.NETWORK


class SeminarTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeminarTemplate

    name = factory.Sequence(lambda n: f"Parcours {n}")


class SeminarTemplateStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeminarTemplateStep

    template = factory.SubFactory(SeminarTemplateFactory)
    kind = SeminarKind.LOCAL
    number = factory.Sequence(lambda n: n % 4 + 1)
    title = factory.Sequence(lambda n: f"Étape {n}")
    first_month = 2
    last_month = 4


class FabriqueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fabrique

    title = factory.Sequence(lambda n: f"Fabrique prospective n°{n} : quelle transition ?")
    slug = factory.Sequence(lambda n: f"fabrique-{n}")
    edition = 2027
    start_date = date(2027, 1, 1)
    objective = "Accompagner des territoires dans leur transition."


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    fabrique = factory.SubFactory(FabriqueFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Partnership.Role.NATIONAL_PARTNER


class PrestataireContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrestataireContract

    fabrique = factory.SubFactory(FabriqueFactory)
    prestataire = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PRESTATAIRE)
    reference = factory.Sequence(lambda n: f"ANCT-2027-{n:03d}")


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    contract = factory.SubFactory(PrestataireContractFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamMember.Role.CONSULTANT


class CopilMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CopilMember

    fabrique = factory.SubFactory(FabriqueFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)


class CopilMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CopilMeeting

    fabrique = factory.SubFactory(FabriqueFactory)
    date = date(2027, 1, 20)
    agenda = "- Lancement"


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    fabrique = factory.SubFactory(FabriqueFactory)
    territory = factory.SubFactory(TerritoryFactory)
    status = Participation.Status.CONFIRMED
    confirmed_on = date(2027, 1, 5)


class ParticipationContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipationContact

    participation = factory.SubFactory(ParticipationFactory)
    user = factory.SubFactory(UserFactory)
    role = ParticipationContact.Role.ELU
    function = "Maire"


class WorkingGroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroupMember

    participation = factory.SubFactory(ParticipationFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    college = WorkingGroupMember.College.ASSOCIATION
    email = factory.Sequence(lambda n: f"membre{n}@territoire.demo.invalid")


class SeminarFactory(factory.django.DjangoModelFactory):
    """A local seminar; numbers cycle 1-4, so give each participation at most four."""

    class Meta:
        model = Seminar

    participation = factory.SubFactory(ParticipationFactory)
    fabrique = factory.LazyAttribute(lambda s: s.participation.fabrique)
    kind = SeminarKind.LOCAL
    number = 1
    theme = "Croiser projections et actions réalisées"
    window_start = date(2027, 2, 1)
    window_end = date(2027, 4, 30)


class IntersiteSeminarFactory(SeminarFactory):
    participation = None
    fabrique = factory.SubFactory(FabriqueFactory)
    kind = SeminarKind.INTERSITE


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    seminar = factory.SubFactory(SeminarFactory)
    user = factory.SubFactory(UserFactory)


class NoteVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoteVersion

    seminar = factory.SubFactory(SeminarFactory)
    version = 1
    file = factory.django.FileField(filename="note.pdf", data=b"%PDF-1.4 note")
    original_name = "note.pdf"
    size = 13
    sha256 = "0" * 64
    uploaded_by = factory.SubFactory(UserFactory)
    uploaded_at = factory.LazyFunction(timezone.now)


class RoadmapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Roadmap

    participation = factory.SubFactory(ParticipationFactory)
    vision = "Un territoire sobre et solidaire en 2035."


class AxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axis

    roadmap = factory.SubFactory(RoadmapFactory)
    title = factory.Sequence(lambda n: f"Axe {n}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    roadmap = factory.SubFactory(RoadmapFactory)
    title = factory.Sequence(lambda n: f"Action {n}")


class RoadmapVersionFactory(factory.django.DjangoModelFactory):
    """An adopted version; its ``content`` is a minimal snapshot, not built
    from the roadmap's rows (tests of adoption go through ``roadmap_adopt``)."""

    class Meta:
        model = RoadmapVersion

    roadmap = factory.SubFactory(
        RoadmapFactory,
        status=Roadmap.Status.ADOPTED,
        adopted_on=factory.LazyFunction(timezone.localdate),
    )
    number = factory.Sequence(lambda n: n + 1)
    adopted_on = factory.LazyFunction(timezone.localdate)
    adopted_by = factory.SubFactory(UserFactory)
    content = factory.LazyAttribute(
        lambda o: {"vision": o.roadmap.vision, "axes": [], "actions_without_axis": []}
    )
    content_sha256 = factory.Sequence(lambda n: f"{n:064x}")


class GeneratedPdfFactory(factory.django.DjangoModelFactory):
    """A rendered PDF (state ready) of a Fabrique; its file is a tiny PDF."""

    class Meta:
        model = GeneratedPdf

    kind = GeneratedPdf.Kind.PUBLICATION
    fabrique = factory.SubFactory(FabriqueFactory)
    source_key = factory.Sequence(lambda n: f"test:{n}")
    source_sha256 = factory.Sequence(lambda n: f"{n:064x}")
    title = factory.Sequence(lambda n: f"Publication {n}")
    state = GeneratedPdf.State.READY
    file = factory.django.FileField(filename="document.pdf", data=b"%PDF-1.4 generated")
    size = 18
    sha256 = "0" * 64
    page_count = 1
    finished_at = factory.LazyFunction(timezone.now)


class TransversalNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TransversalNote

    fabrique = factory.SubFactory(FabriqueFactory)
    kind = TransversalNote.Kind.METHOD
    title = factory.Sequence(lambda n: f"Note de méthode {n}")
    body = "La méthode des Fabriques."


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    fabrique = factory.SubFactory(FabriqueFactory)
