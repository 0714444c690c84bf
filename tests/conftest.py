import importlib

import pytest

from accounts.roles import anct_staff_group_ensure
from seminars.models import SeminarTemplate

from .factories import UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.2 s a user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Tasks run in the test's own process, even where CI exports a broker URL
    (which would make settings send them to Redis with no worker listening).
    Tests marked ``celery_worker`` opt out: they start a real worker."""
    from config.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def reference_data_ensure():
    """Put back the rows the data migrations create (transitions, the default
    seminar path) and the ANCT staff group, with their own idempotent functions.

    Tests that really commit (live server, real worker) end with pytest-django
    emptying every table. Serialized rollback is meant to restore those rows
    for the next such test, but does not once the test database was set up
    before (any plain test ran first)."""
    from django.apps import apps as django_apps

    for module, function in (
        ("fabriques.migrations.0003_transitions", "create_transitions"),
        ("seminars.migrations.0002_default_template", "create_default_template"),
    ):
        getattr(importlib.import_module(module), function)(django_apps, None)
    anct_staff_group_ensure()


@pytest.fixture(autouse=True)
def reference_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction", False):
        request.getfixturevalue("transactional_db")
        reference_data_ensure()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    # Stored files (notes, PDFs, délibérations) go to a folder of the test's
    # own, never to the checkout's media/; tests read it as settings.MEDIA_ROOT.
    settings.MEDIA_ROOT = tmp_path / "media"


# Staff and prestataires must have a second factor (accounts.mfa); the
# personas who hold those roles get an authenticator on this known secret so
# tests reach the pages. Tests of the set-up itself delete it first.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_totp(user):
    from accounts.mfa import demo_totp_ensure

    demo_totp_ensure(user=user, secret=TEST_TOTP_SECRET)
    return user


@pytest.fixture
def anct_staff(db):
    """An ANCT staff member as the pôle has them: staff, in the ANCT group, not superuser."""
    user = UserFactory(email="agent.anct@anct.demo.invalid", is_staff=True)
    user.groups.add(anct_staff_group_ensure())
    return with_totp(user)


@pytest.fixture
def admin_user(admin_user):
    return with_totp(admin_user)


@pytest.fixture
def staff_client(client, anct_staff):
    client.force_login(anct_staff)
    return client


@pytest.fixture
def default_template(db):
    """The default seminar path, created by the seminars data migration."""
    return SeminarTemplate.objects.get(is_default=True)


# --- The personas of the permission matrix -------------------------------------
#
# Two Fabriques, X and Y, each run by its own prestataire. Territory A takes
# part in X, territory B in Y. Each persona holds one role; tests log them in
# with `client.force_login(world.<persona>)`.


class World:
    """Named rows and people of the two-Fabrique world (attributes set below)."""


@pytest.fixture
def world(db):
    from datetime import date

    from fabriques.models import Organisation, TeamMember
    from territories.models import ParticipationContact

    from .factories import (
        CopilMemberFactory,
        FabriqueFactory,
        IntersiteSeminarFactory,
        OrganisationFactory,
        ParticipationContactFactory,
        ParticipationFactory,
        PrestataireContractFactory,
        SeminarFactory,
        TeamMemberFactory,
        TerritoryFactory,
        WorkingGroupMemberFactory,
    )

    w = World()
    w.fabrique_x = FabriqueFactory(
        title="Fabrique X : villes moyennes et transition",
        slug="fabrique-x",
        start_date=date(2026, 3, 1),
        status="en_cours",
    )
    w.fabrique_y = FabriqueFactory(
        title="Fabrique Y : petites villes et santé",
        slug="fabrique-y",
        start_date=date(2026, 3, 1),
        status="en_cours",
    )
    w.territory_a = TerritoryFactory(name="Territoire A", commune__insee_code="56121")
    w.territory_b = TerritoryFactory(name="Territoire B", commune__insee_code="35055")
    w.participation_a = ParticipationFactory(fabrique=w.fabrique_x, territory=w.territory_a)
    w.participation_b = ParticipationFactory(fabrique=w.fabrique_y, territory=w.territory_b)
    w.staff = UserFactory(email="staff@anct.demo.invalid", is_staff=True)
    w.staff.groups.add(anct_staff_group_ensure())
    with_totp(w.staff)
    w.elu_a = ParticipationContactFactory(
        participation=w.participation_a,
        role=ParticipationContact.Role.ELU,
        user__email="elu@a.demo.invalid",
    ).user
    w.referent_a = ParticipationContactFactory(
        participation=w.participation_a,
        role=ParticipationContact.Role.AGENT,
        user__email="referent@a.demo.invalid",
        function="Chargée de mission",
    ).user
    w.elu_b = ParticipationContactFactory(
        participation=w.participation_b,
        role=ParticipationContact.Role.ELU,
        user__email="elu@b.demo.invalid",
    ).user
    for name, fabrique in (("x", w.fabrique_x), ("y", w.fabrique_y)):
        contract = PrestataireContractFactory(fabrique=fabrique)
        member = TeamMemberFactory(
            contract=contract,
            role=TeamMember.Role.PROJECT_LEAD,
            user__email=f"consultant@{name}.demo.invalid",
        )
        setattr(w, f"prestataire_{name}", with_totp(member.user))
    w.copil_x = CopilMemberFactory(
        fabrique=w.fabrique_x,
        organisation=OrganisationFactory(kind=Organisation.Kind.ELECTED_OFFICIALS),
        user__email="copil@x.demo.invalid",
    ).user
    w.members_a = WorkingGroupMemberFactory.create_batch(
        3, participation=w.participation_a, email=factory_sequence_email("a")
    )
    w.members_b = WorkingGroupMemberFactory.create_batch(
        3, participation=w.participation_b, email=factory_sequence_email("b")
    )
    w.seminar_a = SeminarFactory(
        participation=w.participation_a,
        number=1,
        window_start=date(2026, 4, 1),
        window_end=date(2026, 6, 30),
    )
    w.seminar_b = SeminarFactory(
        participation=w.participation_b,
        number=1,
        window_start=date(2026, 4, 1),
        window_end=date(2026, 6, 30),
    )
    w.intersite_x = IntersiteSeminarFactory(
        fabrique=w.fabrique_x,
        number=1,
        window_start=date(2026, 6, 1),
        window_end=date(2026, 7, 31),
    )
    w.personas = {
        "anonymous": None,
        "elu_a": w.elu_a,
        "referent_a": w.referent_a,
        "elu_b": w.elu_b,
        "prestataire_x": w.prestataire_x,
        "prestataire_y": w.prestataire_y,
        "copil_x": w.copil_x,
        "staff": w.staff,
    }
    return w


def factory_sequence_email(territory: str):
    """Working-group e-mails that say which territory they belong to, so a test
    can check that one territory's page never shows another's."""
    import factory

    return factory.Sequence(lambda n: f"membre{n}@groupe-{territory}.demo.invalid")


def pytest_collection_modifyitems(items):
    """Run the tests that really commit last, the browser tests at the very end:
    pytest-django truncates every table after each of them, so data the
    migrations created (transitions, the default seminar path, the ANCT group)
    is gone for the plain tests that would follow, and only restored when the
    next ``serialized_rollback`` test starts."""

    def commits(item):
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("transaction", False))

    items.sort(key=lambda item: (item.get_closest_marker("e2e") is not None, commits(item)))
