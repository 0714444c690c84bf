import pytest

from accounts.roles import anct_staff_group_ensure
from seminars.models import SeminarTemplate

from .factories import UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.2 s a user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def anct_staff(db):
    """An ANCT staff member as the pôle has them: staff, in the ANCT group, not superuser."""
    user = UserFactory(email="agent.anct@anct.demo.invalid", is_staff=True)
    user.groups.add(anct_staff_group_ensure())
    return user


@pytest.fixture
def staff_client(client, anct_staff):
    client.force_login(anct_staff)
    return client


@pytest.fixture
def default_template(db):
    """The default seminar path, created by the seminars data migration."""
    return SeminarTemplate.objects.get(is_default=True)
