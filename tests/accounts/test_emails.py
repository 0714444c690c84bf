"""E-mails: one helper renders a template trio (subject, text, HTML) in French
with absolute links; the invitation e-mail carries the only copy of its token."""

import hashlib
from datetime import date, datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation

from accounts.emails import absolute_url, send_templated_email
from accounts.invitations import invitation_create
from accounts.models import Invitation
from tests.accounts.test_invitations import LINK, token_of

pytestmark = pytest.mark.django_db


def test_links_come_from_the_request_or_the_portal_base_url(settings):
    request = RequestFactory().get("/", secure=True)
    assert absolute_url("/a/", request=request) == "https://testserver/a/"

    settings.PORTAL_BASE_URL = "https://portail.example.gouv.fr/"
    assert absolute_url("/a/") == "https://portail.example.gouv.fr/a/"

    del settings.PORTAL_BASE_URL
    assert absolute_url("/a/") == "http://127.0.0.1:8000/a/"


def invitation_context(**overrides):
    return {
        "first_name": "Léa",
        "inviter": "Jeanne Martin",
        "role": "Élu référent (maire)",
        "fabrique_title": "Villes moyennes et transition écologique : quelles mutations ?",
        "territory": "Lorient",
        "organisation": "",
        "starts_on": date(2027, 1, 4),
        "expires_at": timezone.make_aware(datetime(2027, 1, 11, 18, 30)),
        "accept_url": "https://portail.example/invitations/abc/",
        **overrides,
    }


def test_the_helper_sends_a_french_subject_text_and_html(mailoutbox):
    # Even when the active language is another one (a task, the shell).
    with translation.override("en"):
        sent = send_templated_email(
            template="invitation", to=["lea@exemple.invalid"], context=invitation_context()
        )

    assert sent == 1
    (message,) = mailoutbox
    assert message.to == ["lea@exemple.invalid"]
    assert message.subject == "[Fabriques Prospectives] Invitation : Élu référent (maire)"
    assert "\n" not in message.subject
    assert message.body.startswith("Bonjour Léa,")
    # The text part is not HTML-escaped.
    assert "l'Agence nationale de la cohésion des territoires" in message.body
    assert "&#x27;" not in message.body
    assert "Début du rôle : 4 janvier 2027" in message.body
    assert "valable jusqu'au 11 janvier 2027 à 18:30" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html
    assert '<a href="https://portail.example/invitations/abc/">' in html


def test_the_invitation_email_is_in_french_with_the_link_in_both_parts(
    world, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PORTAL_BASE_URL = "https://portail.example.gouv.fr"
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            email="lea@exemple.invalid",
            first_name="Léa",
            kind="elu",
            participation=world.participation_a,
            function="Maire",
            by=world.staff,
        )

    (message,) = mailoutbox
    link = LINK.search(message.body).group(0)
    assert link.startswith("https://portail.example.gouv.fr/invitations/")
    assert "Bonjour Léa," in message.body
    assert f"{world.staff.get_full_name()}, de l'Agence nationale" in message.body
    assert "« Élu référent (Maire) »" in message.body
    assert "Territoire : Territoire A" in message.body
    assert world.fabrique_x.title in message.body
    assert "valable jusqu'au" in message.body
    html = message.alternatives[0].content
    assert f'<a href="{link}">' in html
    assert "Accepter l'invitation</a>" in html


def test_the_token_in_the_link_is_not_stored_in_clear(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            email="secret@exemple.invalid",
            kind="agent",
            participation=world.participation_a,
            by=world.staff,
        )
    token = token_of(mailoutbox[0])

    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert not any(token in str(value) for value in stored.values())
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 32 random bytes


def test_the_email_leaves_only_once_the_invitation_is_committed(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        invitation_create(
            email="plus.tard@exemple.invalid",
            kind="elu",
            participation=world.participation_b,
            by=world.staff,
        )
        assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert mailoutbox[0].to == ["plus.tard@exemple.invalid"]
