"""Invitations: a single-use e-mailed link grants exactly one role on one
scope; staff create, resend and revoke them from pages only they can see."""

import re
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.invitations import (
    InvitationLinkError,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_resend,
    invitation_revoke,
)
from accounts.models import Invitation, User
from fabriques.models import CopilMember, Organisation, TeamMember
from territories.models import ParticipationContact
from tests.conftest import with_totp as conftest_with_totp
from tests.factories import (
    CopilMemberFactory,
    FabriqueFactory,
    OrganisationFactory,
    ParticipationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide-2027"
LINK = re.compile(r"https?://[^\s\"<]+/invitations/([A-Za-z0-9_-]+)/")


def token_of(message) -> str:
    return LINK.search(message.body).group(1)


def with_totp(*users):
    """ANCT staff and prestataires must have a second factor (TotpRequiredMiddleware)."""
    for user in users:
        conftest_with_totp(user)


@pytest.fixture
def invite(world, mailoutbox, django_capture_on_commit_callbacks):
    """Invite through the service as world.staff; return (invitation, raw token)."""

    def _invite(**kwargs):
        kwargs.setdefault("by", world.staff)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitation_create(**kwargs)
        return invitation, token_of(mailoutbox[-1])

    return _invite


def role_rows() -> int:
    return (
        TeamMember.objects.count()
        + CopilMember.objects.count()
        + (ParticipationContact.objects.count())
    )


# --- Services ------------------------------------------------------------------


@pytest.fixture
def scopes(world):
    return {
        "prestataire": {"fabrique": world.fabrique_x, "team_role": "analyste"},
        "copil": {
            "fabrique": world.fabrique_x,
            "organisation": OrganisationFactory(kind=Organisation.Kind.MINISTRY),
            "function": "Cheffe de bureau",
        },
        "elu": {"participation": world.participation_a, "function": "Adjointe au maire"},
        "agent": {"participation": world.participation_a, "function": "Chargé de mission"},
    }


@pytest.mark.parametrize("kind", ["prestataire", "copil", "elu", "agent"])
def test_accepting_grants_exactly_the_scoped_role(world, invite, scopes, kind):
    invitation, _token = invite(
        email="Nouvelle.Personne@Exemple.invalid", kind=kind, **scopes[kind]
    )
    person = UserFactory(email="nouvelle.personne@exemple.invalid")
    before = role_rows()

    role = invitation_accept(invitation=invitation, user=person)

    assert role_rows() == before + 1
    assert role.user == person
    assert role.starts_on == timezone.localdate()
    assert role.ends_on is None
    match kind:
        case "prestataire":
            assert (role.contract.fabrique, role.role) == (world.fabrique_x, "analyste")
        case "copil":
            assert (role.fabrique, role.organisation) == (
                world.fabrique_x,
                scopes["copil"]["organisation"],
            )
            assert role.function == "Cheffe de bureau"
        case _:
            assert (role.participation, role.role) == (world.participation_a, kind)
            assert role.function == scopes[kind]["function"]
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == person


def test_the_role_starts_on_the_invitation_start_date(world, invite):
    invitation, _token = invite(
        email="futur@exemple.invalid",
        kind="elu",
        participation=world.participation_a,
        starts_on=date(2027, 3, 15),
    )
    role = invitation_accept(invitation=invitation, user=UserFactory(email="futur@exemple.invalid"))
    assert role.starts_on == date(2027, 3, 15)


def test_a_copil_invitation_fills_the_seat_waiting_for_its_representative(world, invite):
    ministry = OrganisationFactory(kind=Organisation.Kind.MINISTRY)
    seat = CopilMemberFactory(fabrique=world.fabrique_x, organisation=ministry, user=None)
    invitation, _token = invite(
        email="dgaln@exemple.invalid",
        kind="copil",
        fabrique=world.fabrique_x,
        organisation=ministry,
    )
    person = UserFactory(email="dgaln@exemple.invalid")

    role = invitation_accept(invitation=invitation, user=person)

    assert role.pk == seat.pk
    assert CopilMember.objects.filter(fabrique=world.fabrique_x, organisation=ministry).count() == 1
    seat.refresh_from_db()
    assert seat.user == person


def test_accepting_twice_is_refused_as_already_used(world, invite):
    invitation, token = invite(
        email="deux@exemple.invalid", kind="agent", participation=world.participation_b
    )
    person = UserFactory(email="deux@exemple.invalid")
    invitation_accept(invitation=invitation, user=person)

    with pytest.raises(InvitationLinkError) as refusal:
        invitation_accept(invitation=invitation, user=person)
    assert refusal.value.code == "used"
    assert ParticipationContact.objects.filter(user=person).count() == 1
    with pytest.raises(InvitationLinkError, match="déjà été utilisée"):
        invitation_from_token(token)


def test_a_prestataire_invitation_needs_the_fabrique_contract(world):
    without_contract = FabriqueFactory()
    with pytest.raises(ValidationError) as refusal:
        invitation_create(
            email="x@exemple.invalid",
            kind="prestataire",
            fabrique=without_contract,
            team_role="consultant",
            by=world.staff,
        )
    assert "pas encore de marché de prestataire" in refusal.value.message_dict["fabrique"][0]
    assert not Invitation.objects.exists()


def test_the_kind_must_match_its_scope(world):
    with pytest.raises(ValidationError) as refusal:
        invitation_create(email="x@exemple.invalid", kind="elu", by=world.staff)
    assert "participation" in refusal.value.message_dict
    with pytest.raises(ValidationError) as refusal:
        invitation_create(
            email="x@exemple.invalid", kind="copil", fabrique=world.fabrique_x, by=world.staff
        )
    assert "organisation" in refusal.value.message_dict


def test_a_second_pending_invitation_to_the_same_role_is_refused(world, invite):
    invite(email="double@exemple.invalid", kind="elu", participation=world.participation_a)
    with pytest.raises(ValidationError, match="déjà en attente"):
        invitation_create(
            email="DOUBLE@exemple.invalid",
            kind="elu",
            participation=world.participation_a,
            by=world.staff,
        )
    # Another role for the same person is another invitation.
    invite(email="double@exemple.invalid", kind="agent", participation=world.participation_a)


def test_inviting_someone_to_a_role_they_hold_is_refused(world):
    with pytest.raises(ValidationError, match="a déjà ce rôle"):
        invitation_create(
            email=world.elu_a.email,
            kind="elu",
            participation=world.participation_a,
            by=world.staff,
        )


def test_link_errors_say_why_in_french(world, invite):
    expired, expired_token = invite(
        email="a@exemple.invalid", kind="elu", participation=world.participation_a
    )
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked, revoked_token = invite(
        email="b@exemple.invalid", kind="elu", participation=world.participation_a
    )
    invitation_revoke(invitation=revoked, by=world.staff)
    used, used_token = invite(
        email="c@exemple.invalid", kind="elu", participation=world.participation_a
    )
    invitation_accept(invitation=used, user=UserFactory(email="c@exemple.invalid"))

    expected = {
        expired_token: ("expired", "a expiré"),
        revoked_token: ("revoked", "a été annulée"),
        used_token: ("used", "déjà été utilisée"),
        used_token[:-1] + ("A" if used_token[-1] != "A" else "B"): ("invalid", "n'est pas valide"),
        "inconnu": ("invalid", "n'est pas valide"),
    }
    for token, (code, words) in expected.items():
        with pytest.raises(InvitationLinkError) as refusal:
            invitation_from_token(token)
        assert refusal.value.code == code
        assert words in refusal.value.messages[0]


def test_resend_kills_the_old_link_and_restarts_the_week(
    world, invite, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, old_token = invite(
        email="r@exemple.invalid", kind="elu", participation=world.participation_a
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    invitation.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(invitation=invitation, by=world.staff)
    new_token = token_of(mailoutbox[-1])

    assert new_token != old_token
    with pytest.raises(InvitationLinkError) as refusal:
        invitation_from_token(old_token)
    assert refusal.value.code == "invalid"
    fresh = invitation_from_token(new_token)
    assert fresh.pk == invitation.pk
    assert fresh.send_count == 2
    assert fresh.expires_at > timezone.now() + timedelta(days=6, hours=23)


def test_accepted_invitations_cannot_be_resent_or_revoked(world, invite):
    invitation, _token = invite(
        email="ok@exemple.invalid", kind="elu", participation=world.participation_a
    )
    invitation_accept(invitation=invitation, user=UserFactory(email="ok@exemple.invalid"))
    with pytest.raises(ValidationError, match="déjà été acceptée"):
        invitation_resend(invitation=invitation, by=world.staff)
    with pytest.raises(ValidationError, match="déjà été acceptée"):
        invitation_revoke(invitation=invitation, by=world.staff)


def test_a_revoked_invitation_cannot_be_accepted(world, invite):
    invitation, _token = invite(
        email="rv@exemple.invalid", kind="elu", participation=world.participation_a
    )
    invitation_revoke(invitation=invitation, by=world.staff)
    with pytest.raises(InvitationLinkError) as refusal:
        invitation_accept(invitation=invitation, user=UserFactory(email="rv@exemple.invalid"))
    assert refusal.value.code == "revoked"
    assert not ParticipationContact.objects.filter(user__email="rv@exemple.invalid").exists()


# --- The invitee's page ----------------------------------------------------------


def accept_url(token):
    return reverse("invitations:accept", args=[token])


def test_a_new_person_sets_a_password_and_lands_in_their_space(client, world, invite):
    invitation, token = invite(
        email="maire@nouvelle.invalid",
        first_name="Camille",
        kind="elu",
        participation=world.participation_a,
        function="Maire",
    )

    page = client.get(accept_url(token))
    assert page.status_code == 200
    content = page.content.decode()
    assert world.fabrique_x.title in content
    assert "Territoire A" in content
    assert "Élu référent (Maire)" in content
    assert 'value="Camille"' in content

    response = client.post(
        accept_url(token),
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
    person = User.objects.get(email="maire@nouvelle.invalid")
    assert (person.first_name, person.last_name) == ("Camille", "Martin")
    assert int(client.session["_auth_user_id"]) == person.pk
    assert list(person.territory_roles.values_list("participation", "role")) == [
        (world.participation_a.pk, "elu")
    ]
    address = EmailAddress.objects.get(user=person)
    assert (address.email, address.verified, address.primary) == (person.email, True, True)
    assert client.get(reverse("accounts:home")).url == reverse("territories:space")

    # The same link is dead, and the password works on the login page.
    assert client.get(accept_url(token)).status_code == 410
    client.logout()
    login = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert login.status_code == 302
    assert int(client.session["_auth_user_id"]) == person.pk


def test_a_weak_password_is_refused_with_linked_errors_and_typed_names_kept(client, world, invite):
    _invitation, token = invite(
        email="faible@exemple.invalid", kind="agent", participation=world.participation_a
    )

    response = client.post(
        accept_url(token),
        {"first_name": "Alix", "last_name": "Durand", "password1": "court", "password2": "court"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Ce mot de passe est trop court" in content
    assert 'aria-describedby="id_password1-desc-error"' in content
    assert 'id="id_password1-desc-error"' in content
    assert 'value="Durand"' in content
    assert not User.objects.filter(email="faible@exemple.invalid").exists()


def test_a_person_recorded_without_password_chooses_one_without_a_second_account(
    client, world, invite
):
    recorded = User.objects.create_user(email="sans.mdp@exemple.invalid")
    _invitation, token = invite(
        email="sans.mdp@exemple.invalid", kind="elu", participation=world.participation_b
    )

    response = client.post(
        accept_url(token),
        {"first_name": "Noa", "last_name": "Petit", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert User.objects.filter(email__iexact="sans.mdp@exemple.invalid").count() == 1
    recorded.refresh_from_db()
    assert recorded.check_password(PASSWORD)
    assert recorded.territory_roles.get().participation == world.participation_b


def test_a_logged_in_registered_user_gains_the_role_without_a_second_account(client, world, invite):
    _invitation, token = invite(
        email=world.elu_a.email,
        kind="copil",
        fabrique=world.fabrique_y,
        organisation=OrganisationFactory(kind=Organisation.Kind.ELECTED_OFFICIALS),
    )
    users = User.objects.count()
    client.force_login(world.elu_a)

    assert "Accepter" in client.get(accept_url(token)).content.decode()
    response = client.post(accept_url(token))

    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
    assert User.objects.count() == users
    assert world.elu_a.copil_memberships.get().fabrique == world.fabrique_y
    # Both roles are held: the chooser offers both spaces.
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_registered_person_not_logged_in_is_asked_to_log_in_first(client, world, invite):
    _invitation, token = invite(
        email=world.elu_b.email, kind="agent", participation=world.participation_b
    )

    page = client.get(accept_url(token))
    assert page.status_code == 200
    login_link = f"{reverse('account_login')}?next={accept_url(token).replace('/', '%2F')}"
    assert login_link in page.content.decode()

    client.post(
        accept_url(token),
        {"first_name": "X", "last_name": "Y", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not world.elu_b.territory_roles.filter(role="agent").exists()
    assert not world.elu_b.check_password(PASSWORD)

    client.force_login(world.elu_b)
    assert client.post(accept_url(token)).status_code == 302
    assert world.elu_b.territory_roles.filter(role="agent").exists()


def test_a_different_logged_in_user_is_refused(client, world, invite):
    _invitation, token = invite(
        email="quelquun@exemple.invalid", kind="elu", participation=world.participation_a
    )
    client.force_login(world.elu_b)
    before = role_rows()

    page = client.get(accept_url(token))
    response = client.post(accept_url(token))

    assert page.status_code == response.status_code == 403
    assert "ne vous est pas adressée" in response.content.decode()
    assert "quelquun@exemple.invalid" in response.content.decode()
    assert role_rows() == before
    assert Invitation.objects.get().status == Invitation.Status.PENDING


@pytest.mark.parametrize(
    ("spoil", "status", "words"),
    [
        ("expire", 410, "a expiré"),
        ("revoke", 410, "a été annulée"),
        ("use", 410, "déjà été utilisée"),
        ("tamper", 404, "n&#x27;est pas valide"),
    ],
)
def test_unusable_links_show_a_clear_french_page(client, world, invite, spoil, status, words):
    invitation, token = invite(
        email="lien@exemple.invalid", kind="elu", participation=world.participation_a
    )
    match spoil:
        case "expire":
            Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
        case "revoke":
            invitation_revoke(invitation=invitation, by=world.staff)
        case "use":
            invitation_accept(invitation=invitation, user=UserFactory(email="lien@exemple.invalid"))
        case "tamper":
            token = token[:10] + token[11:]

    response = client.get(accept_url(token))
    assert response.status_code == status
    assert words in response.content.decode()
    assert client.post(accept_url(token)).status_code == status


# --- Staff pages -----------------------------------------------------------------


def staff_pages(world):
    invitation = Invitation.objects.first()
    return [
        ("get", reverse("invitations:list")),
        ("get", reverse("invitations:create")),
        ("post", reverse("invitations:resend", args=[invitation.pk])),
        ("post", reverse("invitations:revoke", args=[invitation.pk])),
    ]


def test_staff_pages_answer_staff_only_and_404_for_every_other_persona(client, world, invite):
    invite(email="page@exemple.invalid", kind="elu", participation=world.participation_a)
    with_totp(world.staff, world.prestataire_x, world.prestataire_y)
    pages = staff_pages(world)

    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url

    for name, user in world.personas.items():
        if user is None:
            continue
        client.force_login(user)
        for method, url in pages:
            response = getattr(client, method)(url)
            expected = (200 if method == "get" else 302) if name == "staff" else 404
            assert response.status_code == expected, (name, url)


def test_resend_and_revoke_are_post_only(client, world, invite):
    invitation, _token = invite(
        email="p@exemple.invalid", kind="elu", participation=world.participation_a
    )
    with_totp(world.staff)
    client.force_login(world.staff)
    assert client.get(reverse("invitations:revoke", args=[invitation.pk])).status_code == 405
    assert client.get(reverse("invitations:resend", args=[invitation.pk])).status_code == 405


def test_the_list_runs_the_same_queries_with_3_or_30_invitations(client, world):
    with_totp(world.staff)
    client.force_login(world.staff)
    organisation = OrganisationFactory(kind=Organisation.Kind.MINISTRY)

    def make(n):
        for i in range(n):
            number = Invitation.objects.count()
            kind = ["elu", "agent", "copil", "prestataire"][i % 4]
            scope = {
                "elu": {"participation": ParticipationFactory()},
                "agent": {"participation": world.participation_a},
                "copil": {"fabrique": world.fabrique_x, "organisation": organisation},
                "prestataire": {"fabrique": world.fabrique_y, "team_role": "consultant"},
            }[kind]
            invitation = invitation_create(
                email=f"personne{number}@exemple.invalid", kind=kind, by=world.staff, **scope
            )
            if number % 3 == 1:
                invitation_revoke(invitation=invitation, by=world.staff)

    def count_queries():
        url = reverse("invitations:list")
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response

    make(3)
    few, response = count_queries()
    assert response.content.decode().count("<tr>") == 4
    make(27)
    many, response = count_queries()
    assert response.content.decode().count("<tr>") == 26  # 25 a page, and the header row
    assert few == many


def test_the_list_filters_by_status(client, world, invite):
    kept, _token = invite(
        email="attente@exemple.invalid", kind="elu", participation=world.participation_a
    )
    gone, _token = invite(
        email="revoquee@exemple.invalid", kind="agent", participation=world.participation_a
    )
    invitation_revoke(invitation=gone, by=world.staff)
    with_totp(world.staff)
    client.force_login(world.staff)

    content = client.get(reverse("invitations:list"), {"status": "pending"}).content.decode()

    assert "attente@exemple.invalid" in content
    assert "revoquee@exemple.invalid" not in content


def test_staff_create_an_invitation_from_the_form(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    with_totp(world.staff)
    client.force_login(world.staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("invitations:create"),
            {
                "email": "Consultante@Cabinet.invalid",
                "first_name": "Inès",
                "kind": "prestataire",
                "fabrique": world.fabrique_x.pk,
                "team_role": "consultant",
                # Left over from another choice: ignored, not an error.
                "participation": world.participation_b.pk,
            },
        )

    assert response.status_code == 302
    assert response.url == reverse("invitations:list")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.kind, invitation.fabrique, invitation.participation) == (
        "consultante@cabinet.invalid",
        "prestataire",
        world.fabrique_x,
        None,
    )
    assert invitation.invited_by == world.staff
    assert mailoutbox[0].to == ["consultante@cabinet.invalid"]
    assert token_of(mailoutbox[0])
    assert mailoutbox[0].body.count("http://testserver/invitations/") == 1


def test_the_form_explains_a_wrong_combination_and_keeps_what_was_typed(client, world):
    with_totp(world.staff)
    client.force_login(world.staff)
    without_contract = FabriqueFactory(title="Fabrique sans marché")

    missing = client.post(
        reverse("invitations:create"),
        {
            "email": "elu@exemple.invalid",
            "last_name": "Lefèvre",
            "kind": "elu",
            "function": "Maire",
        },
    )
    no_contract = client.post(
        reverse("invitations:create"),
        {
            "email": "c@exemple.invalid",
            "kind": "prestataire",
            "fabrique": without_contract.pk,
            "team_role": "consultant",
        },
    )

    assert missing.status_code == 200
    content = missing.content.decode()
    assert "Choisissez la participation" in content
    assert 'aria-describedby="id_participation-desc-error"' in content
    assert 'value="elu@exemple.invalid"' in content
    assert 'value="Lefèvre"' in content
    assert 'value="Maire"' in content
    assert 'value="elu" id="id_kind_1" checked' in content
    assert "pas encore de marché de prestataire" in no_contract.content.decode()
    assert not Invitation.objects.exists()


def test_a_duplicate_from_the_form_is_explained(client, world, invite):
    invite(email="dup@exemple.invalid", kind="elu", participation=world.participation_a)
    with_totp(world.staff)
    client.force_login(world.staff)

    response = client.post(
        reverse("invitations:create"),
        {"email": "dup@exemple.invalid", "kind": "elu", "participation": world.participation_a.pk},
    )

    assert response.status_code == 200
    assert "déjà en attente" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_staff_resend_and_revoke_from_the_list(
    client, world, invite, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, old_token = invite(
        email="liste@exemple.invalid", kind="elu", participation=world.participation_a
    )
    with_totp(world.staff)
    client.force_login(world.staff)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitations:resend", args=[invitation.pk]))
    assert len(mailoutbox) == 2
    assert client.get(accept_url(old_token)).status_code == 404
    new_token = token_of(mailoutbox[-1])

    client.post(reverse("invitations:revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert invitation.revoked_by == world.staff
    assert client.get(accept_url(new_token)).status_code == 410
