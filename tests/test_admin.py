"""Every back-office page answers for ANCT staff, in constant queries.

Each registered model gets a row maker; its changelist and change form are
requested with 5 rows and again with 50, and must run the same number of
queries: a page whose cost grows with the table has a query in a loop.
"""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fabriques.models import Fabrique
from reminders.models import Reminder, ReminderPreference
from seminars.models import Seminar
from territories.models import AnctDelegate, Commune, Departement, Region
from tests import factories as f

pytestmark = pytest.mark.django_db


def make_regions(n):
    for i in range(n):
        f.RegionFactory(code=f"R{Region.objects.count():02d}", name=f"Région {i}")


def make_departements(n):
    for i in range(n):
        f.DepartementFactory(code=f"D{Departement.objects.count():02d}", name=f"Département {i}")


def make_communes(n):
    for _ in range(n):
        f.CommuneFactory(insee_code=f"{90000 + Commune.objects.count()}", epci=f.EpciFactory())


def make_epcis(n):
    f.EpciFactory.create_batch(n)


def make_transitions(n):
    # Reference data: four rows from the migration; the page must not depend on them.
    return None


def make_templates(n):
    for _ in range(n):
        f.SeminarTemplateStepFactory(template=f.SeminarTemplateFactory())


def make_seminars(n):
    for _ in range(n):
        f.SeminarFactory()


def make_epci_territories(n):
    for _ in range(n):
        f.TerritoryFactory(commune=None, epci=f.EpciFactory())


def make_email_addresses(n):
    from allauth.account.models import EmailAddress

    for user in f.UserFactory.create_batch(n):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def make_authenticators(n):
    from allauth.mfa.models import Authenticator

    for user in f.UserFactory.create_batch(n):
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )


def make_invitations(n):
    from accounts.invitations import invitation_create

    staff = f.UserFactory(is_staff=True)
    for participation in f.ParticipationFactory.create_batch(n):
        invitation_create(
            email=f"invite{participation.pk}@exemple.invalid",
            kind="elu",
            participation=participation,
            by=staff,
        )


def make_reminders(n):
    return [
        Reminder.objects.create(
            kind=Reminder.Kind.NOTE_LATE,
            object_key=f"seminar:{user.pk}",
            due_on=date(2027, 6, 5),
            recipient=user,
        )
        for user in f.UserFactory.create_batch(n)
    ]


def make_anct_delegates(n):
    rows = []
    for i in range(n):
        departement = f.DepartementFactory(
            code=f"D{Departement.objects.count():02d}", name=f"Département {i}"
        )
        rows.append(
            AnctDelegate.objects.create(
                departement=departement,
                role=AnctDelegate.Role.DELEGATE,
                full_name=f"Préfet {i}",
                title="Préfet",
                email=f"prefet{departement.code}@exemple.invalid",
            )
        )
    return rows


ROW_MAKERS = {
    "accounts.invitation": make_invitations,
    "account.emailaddress": make_email_addresses,
    "mfa.authenticator": make_authenticators,
    "accounts.user": lambda n: f.UserFactory.create_batch(n),
    "auth.group": lambda n: [
        Group.objects.create(name=f"Groupe {Group.objects.count()}") for _ in range(n)
    ],
    "fabriques.transition": make_transitions,
    "fabriques.organisation": lambda n: f.OrganisationFactory.create_batch(n),
    "fabriques.fabrique": lambda n: f.FabriqueFactory.create_batch(n),
    "fabriques.partnership": lambda n: f.PartnershipFactory.create_batch(n),
    "fabriques.prestatairecontract": lambda n: f.TeamMemberFactory.create_batch(n),
    "fabriques.teammember": lambda n: f.TeamMemberFactory.create_batch(n),
    "fabriques.copilmember": lambda n: f.CopilMemberFactory.create_batch(n),
    "fabriques.copilmeeting": lambda n: f.CopilMeetingFactory.create_batch(n),
    "territories.region": make_regions,
    "territories.departement": make_departements,
    "territories.epci": make_epcis,
    "territories.commune": make_communes,
    "territories.territory": lambda n: (
        f.TerritoryFactory.create_batch(n),
        make_epci_territories(n),
    ),
    "territories.participation": lambda n: [
        f.WorkingGroupMemberFactory(participation__lead_consultant=f.TeamMemberFactory())
        for _ in range(n)
    ],
    "territories.participationcontact": lambda n: f.ParticipationContactFactory.create_batch(n),
    "territories.workinggroupmember": lambda n: f.WorkingGroupMemberFactory.create_batch(n),
    "seminars.seminartemplate": make_templates,
    "seminars.seminar": make_seminars,
    "seminars.noteversion": lambda n: f.NoteVersionFactory.create_batch(n),
    "seminars.attendance": lambda n: f.AttendanceFactory.create_batch(n),
    "deliverables.roadmap": lambda n: f.ActionFactory.create_batch(n, axis=None),
    "deliverables.axis": lambda n: f.AxisFactory.create_batch(n),
    "deliverables.action": lambda n: f.ActionFactory.create_batch(n),
    "deliverables.transversalnote": lambda n: f.TransversalNoteFactory.create_batch(n),
    "deliverables.followup": lambda n: f.FollowUpFactory.create_batch(n),
    "deliverables.roadmapversion": lambda n: f.RoadmapVersionFactory.create_batch(n),
    "deliverables.generatedpdf": lambda n: f.GeneratedPdfFactory.create_batch(n),
    "reminders.reminder": make_reminders,
    "territories.anctdelegate": make_anct_delegates,
    "reminders.reminderpreference": lambda n: [
        ReminderPreference.objects.create(user=user) for user in f.UserFactory.create_batch(n)
    ],
}

REGISTERED = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
)


def test_every_registered_model_has_a_row_maker():
    assert sorted(ROW_MAKERS) == REGISTERED


def model_of(label):
    return next(m for m in admin.site._registry if m._meta.label_lower == label)


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def queries_for(client, path):
    client.get(path)  # warm the per-process caches (content types, site) first
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(context)


# Managing rights (groups) is for superusers only; ANCT staff are refused.
SUPERUSER_ONLY = {"auth.group"}


@pytest.fixture
def client_for(staff_client, admin_client):
    return lambda label: admin_client if label in SUPERUSER_ONLY else staff_client


def test_staff_cannot_manage_groups(staff_client):
    assert staff_client.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.parametrize("label", REGISTERED)
def test_changelist_and_change_form_run_constant_queries(client_for, label):
    model = model_of(label)
    client = client_for(label)
    ROW_MAKERS[label](5)
    first = model.objects.order_by("pk").first()
    changelist = url(model, "changelist")
    change = url(model, "change", first.pk)
    counts_5 = (queries_for(client, changelist), queries_for(client, change))

    ROW_MAKERS[label](45)
    counts_50 = (queries_for(client, changelist), queries_for(client, change))

    assert counts_5 == counts_50, f"{label}: (changelist, change form) queries grow with rows"


@pytest.mark.parametrize("label", REGISTERED)
def test_add_form_answers_when_adding_is_allowed(client_for, label):
    model = model_of(label)
    model_admin = admin.site._registry[model]
    response = client_for(label).get(url(model, "add"))
    request = response.wsgi_request
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert response.status_code == expected


def test_changelist_search_and_filters_answer(staff_client):
    f.ParticipationFactory.create_batch(3)
    path = url(model_of("territories.participation"), "changelist")
    response = staff_client.get(path, {"q": "Commune", "status__exact": "confirmee"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3


def test_fabrique_change_form_inlines_do_not_query_per_row(staff_client):
    fabrique = f.FabriqueFactory()
    path = url(Fabrique, "change", fabrique.pk)

    def grow(n):
        for _ in range(n):
            f.ParticipationFactory(fabrique=fabrique)
            f.PartnershipFactory(fabrique=fabrique)
            f.CopilMeetingFactory(fabrique=fabrique)
            f.IntersiteSeminarFactory(fabrique=fabrique, number=Seminar.objects.count() % 4 + 1)
            Seminar.objects.filter(fabrique=fabrique, kind="intersite").delete()

    grow(2)
    few = queries_for(staff_client, path)
    grow(10)
    assert queries_for(staff_client, path) == few


def test_the_group_of_anct_staff_is_not_superuser(anct_staff):
    assert anct_staff.is_staff and not anct_staff.is_superuser
    assert anct_staff.has_perm("fabriques.add_fabrique")
    assert anct_staff.has_perm("territories.change_participation")
