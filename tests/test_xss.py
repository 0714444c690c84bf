"""Every text a user can enter is escaped wherever it is shown.

Every free-text field of every row the permission walk's world holds gets an
XSS payload; then every page of the project is requested by every persona and
no HTML answer may contain the payload unescaped.
"""

import pytest
from django.apps import apps
from django.db import models

from tests.test_permission_matrix import MATRIX, PERSONAS, request_as, targets  # noqa: F401

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"
DANGEROUS = [b"<script>alert(1)", b"<img src=x onerror"]
PORTAL_APPS = {"accounts", "fabriques", "territories", "seminars", "deliverables", "reminders"}
# Fields whose content is not free text: identifiers, codes, hashes, paths.
NOT_FREE_TEXT = (
    "slug",
    "email",
    "code",
    "token",
    "sha256",
    "key",
    "siren",
    "insee",
    "file",
    "password",
)


def free_text_fields(model):
    for field in model._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField)):
            continue
        if field.choices or field.unique or isinstance(field, models.EmailField):
            continue
        if any(part in field.name for part in NOT_FREE_TEXT):
            continue
        if field.max_length and field.max_length < len(PAYLOAD):
            continue
        yield field.name


def inject_payload() -> int:
    """Put the payload at the end of every free-text field; return how many."""
    injected = 0
    for model in apps.get_models():
        if model._meta.app_label not in PORTAL_APPS or model._meta.proxy:
            continue
        names = list(free_text_fields(model))
        if not names:
            continue
        for name in names:
            model.objects.update(**{name: models.Value(PAYLOAD)})
            injected += model.objects.count()
    return injected


@pytest.fixture
def poisoned(world, targets):  # noqa: F811
    assert inject_payload() > 50
    return targets


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_no_page_shows_a_payload_unescaped(client, world, poisoned, name):
    if "GET" not in MATRIX[name]:
        pytest.skip("no page to show")
    url = poisoned(name)
    for persona in PERSONAS:
        response = request_as(client, world, persona, "GET", url)
        if response.streaming or "text/html" not in response.get("Content-Type", ""):
            continue
        for dangerous in DANGEROUS:
            assert dangerous not in response.content, (name, persona)


def test_the_payload_really_reaches_the_pages_escaped(client, world, poisoned):
    """The walk above means something: the payload is on the pages, escaped."""
    for name, persona in [
        ("territories:participation", "elu_a"),
        ("deliverables:roadmap", "prestataire_x"),
        ("fabriques:dashboard", "staff"),
    ]:
        response = request_as(client, world, persona, "GET", poisoned(name))
        assert response.status_code == 200
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content, name
