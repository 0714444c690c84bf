"""Every URL of the project, for every role and every method it accepts.

The URL list comes from the resolver: a new URL without an entry in MATRIX
fails `test_every_url_has_an_entry`. Statuses: 200 page, 302 redirect (to the
login page for anonymous visitors), 404 outside the user's scope (never 403:
nobody learns that an object outside their scope exists), 405 wrong method.
"""

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.invitations import invitation_create
from accounts.models import Invitation
from deliverables.models import RoadmapVersion
from deliverables.services.roadmaps import roadmap_for_snapshot, roadmap_snapshot
from tests.factories import (
    ActionFactory,
    AxisFactory,
    GeneratedPdfFactory,
    NoteVersionFactory,
    RoadmapFactory,
    TransversalNoteFactory,
    WorkingGroupMemberFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "elu_a",
    "referent_a",
    "elu_b",
    "prestataire_x",
    "prestataire_y",
    "copil_x",
    "staff",
]


def statuses(default, **overrides):
    return {persona: overrides.get(persona, default) for persona in PERSONAS}


def logged_in(code, *, anonymous=302, **overrides):
    """`code` for every logged-in persona, a redirect to login for anonymous."""
    return statuses(code, anonymous=anonymous, **overrides)


def scoped(allowed, code=200, *, others=404, **overrides):
    """`code` for the personas in `allowed`, 404 for the others, login for anonymous."""
    return logged_in(others, **{persona: code for persona in allowed} | overrides)


TERRITORY_A_READERS = ["elu_a", "referent_a", "prestataire_x", "copil_x", "staff"]
TERRITORY_A_MANAGERS = ["elu_a", "referent_a", "staff"]
FABRIQUE_X_TEAM = ["prestataire_x", "staff"]
ROADMAP_A_EDITORS = ["elu_a", "referent_a", "prestataire_x", "staff"]
ROADMAP_A_ADOPTERS = ["elu_a", "staff"]
STAFF = ["staff"]


def project_url_names():
    """Qualified names of every URL pattern outside the admin (walked apart)."""

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = (
                    f"{namespace}:{entry.namespace}"
                    if namespace and entry.namespace
                    else (entry.namespace or namespace)
                )
                yield from walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern):
                yield f"{namespace}:{entry.name}" if namespace else entry.name

    return sorted(walk(get_resolver().url_patterns, None))


@pytest.fixture
def targets(world, settings, tmp_path):
    """The URL of each pattern, aimed at territory A's and Fabrique X's objects;
    `fresh=True` makes a new object for a POST that would consume it."""
    note = NoteVersionFactory(seminar=world.seminar_a, status="partagee")
    transversal_note = TransversalNoteFactory(fabrique=world.fabrique_x)
    transversal_note.file.save("note.pdf", ContentFile(b"%PDF-1.4 test"))
    pdf = GeneratedPdfFactory(fabrique=world.fabrique_x)
    roadmap = RoadmapFactory(participation=world.participation_a)
    axis = AxisFactory(roadmap=roadmap)
    action = ActionFactory(roadmap=roadmap, axis=axis)
    RoadmapVersion.objects.create(
        roadmap=roadmap,
        number=1,
        adopted_on=timezone.localdate(),
        adopted_by=world.elu_a,
        content=roadmap_snapshot(roadmap_for_snapshot(roadmap.pk)),
        content_sha256="0" * 64,
        deliberation=ContentFile(b"%PDF-1.4 deliberation", name="deliberation.pdf"),
        deliberation_name="deliberation.pdf",
    )
    roadmap_pdf = GeneratedPdfFactory(
        kind="feuille_de_route", fabrique=world.fabrique_x, participation=world.participation_a
    )
    contact = world.elu_a.territory_roles.get()
    a = world.participation_a.pk

    def new_invitation():
        return invitation_create(
            email=f"agente{Invitation.objects.count()}@a.demo.invalid",
            kind="agent",
            participation=world.participation_a,
            by=world.staff,
        )

    invitation = new_invitation()

    def url(name, *, fresh=False):
        member = (
            WorkingGroupMemberFactory(participation=world.participation_a)
            if fresh
            else (world.members_a[0])
        )
        fresh_axis = AxisFactory(roadmap=roadmap) if fresh else axis
        fresh_action = ActionFactory(roadmap=roadmap, axis=axis) if fresh else action
        kwargs = {
            "account_confirm_email": {"key": "cle-inconnue"},
            "account_reset_password_from_key": {"uidb36": "zz", "key": "cle-inconnue"},
            "invitations:accept": {"token": "jeton-inconnu"},
            "invitations:resend": {"pk": invitation.pk},
            "invitations:revoke": {"pk": (new_invitation() if fresh else invitation).pk},
            "invitations:handover": {"participation_pk": a, "contact_pk": contact.pk},
            "territories:participation": {"pk": a},
            "territories:working_group": {"pk": a},
            "territories:working_group_add": {"pk": a},
            "territories:working_group_edit": {"pk": a, "member_pk": member.pk},
            "territories:working_group_remove": {"pk": a, "member_pk": member.pk},
            "fabriques:prestataire_fabrique": {"pk": world.fabrique_x.pk},
            "fabriques:copil_fabrique": {"pk": world.fabrique_x.pk},
            "seminars:schedule": {"pk": world.seminar_a.pk},
            "seminars:note_download": {"pk": note.pk},
            "seminars:notes": {"pk": world.seminar_a.pk},
            "seminars:note_submit": {"pk": note.pk},
            "seminars:note_review": {"pk": note.pk},
            "seminars:attendance": {"pk": world.seminar_a.pk},
            "seminars:sign_in_sheet": {"pk": world.seminar_a.pk},
            "seminars:event_ics": {"pk": world.seminar_a.pk},
            "seminars:feed": {"token": "jeton-inconnu"},
            "territory_detail": {"pk": world.territory_a.pk},
            "fabrique_detail": {"slug": world.fabrique_x.slug},
            "fabriques:staff_export": {"dataset": "fabriques", "extension": "csv"},
            "deliverables:roadmap_pdf_request": {"pk": a},
            "deliverables:follow_up_actions": {"pk": a},
            "deliverables:follow_up": {"pk": world.fabrique_x.pk},
            "deliverables:roadmap_axis_edit": {"pk": a, "axis_pk": fresh_axis.pk},
            "deliverables:roadmap_axis_delete": {"pk": a, "axis_pk": fresh_axis.pk},
            "deliverables:roadmap_action_edit": {"pk": a, "action_pk": fresh_action.pk},
            "deliverables:roadmap_action_delete": {"pk": a, "action_pk": fresh_action.pk},
            "deliverables:roadmap_version": {"pk": a, "number": 1},
            "deliverables:roadmap_deliberation_download": {"pk": a, "number": 1},
            "deliverables:pdf_status": {"token": roadmap_pdf.token},
            "deliverables:pdf_retry": {"token": roadmap_pdf.token},
            "deliverables:pdf_download": {"token": roadmap_pdf.token},
            "deliverables:pdf_publish": {"token": roadmap_pdf.token},
            "deliverables:fabrique_results": {"pk": world.fabrique_x.pk},
            "deliverables:transversal_notes": {"pk": world.fabrique_x.pk},
            "deliverables:transversal_note_add": {"pk": world.fabrique_x.pk},
            "deliverables:transversal_note": {"pk": transversal_note.pk},
            "deliverables:transversal_note_edit": {"pk": transversal_note.pk},
            "deliverables:transversal_note_download": {"pk": transversal_note.pk},
            "deliverables:transversal_note_publish": {"pk": transversal_note.pk},
            "deliverables:public_pdf_download": {"token": pdf.token},
            "deliverables:public_transversal_note": {"pk": transversal_note.pk},
            "deliverables:public_transversal_note_download": {"pk": transversal_note.pk},
        }
        if name.startswith("deliverables:roadmap") and name not in kwargs:
            kwargs[name] = {"pk": a}
        return reverse(name, kwargs=kwargs.get(name))

    return url


READ_ONLY = logged_in(405)  # read-only pages refuse POST once the visitor is known

MATRIX = {
    # --- Public pages and the allauth pages (login, password, e-mail, 2FA) ----------
    "home": {"GET": statuses(200), "POST": statuses(405)},
    "map": {"GET": statuses(200), "POST": statuses(405)},
    "catalogue": {"GET": statuses(200), "POST": statuses(405)},
    # The world's Fabriques are not public: their pages do not exist for anyone.
    "fabrique_detail": {"GET": statuses(404), "POST": statuses(405)},
    # The world's Fabrique X is not public: its territory has no public page.
    "territory_detail": {"GET": statuses(404), "POST": statuses(405)},
    "opendata": {"GET": statuses(200), "POST": statuses(405)},
    "legal:legal_notice": {"GET": statuses(200), "POST": statuses(405)},
    "legal:personal_data": {"GET": statuses(200), "POST": statuses(405)},
    "legal:accessibility": {"GET": statuses(200), "POST": statuses(405)},
    "legal:sitemap": {"GET": statuses(200), "POST": statuses(405)},
    "opendata_catalogue_csv": {"GET": statuses(200), "POST": statuses(405)},
    "opendata_catalogue_json": {"GET": statuses(200), "POST": statuses(405)},
    "opendata_schema": {"GET": statuses(200), "POST": statuses(405)},
    "account_login": {"GET": logged_in(302, anonymous=200), "POST": logged_in(302, anonymous=200)},
    "account_signup": {"GET": logged_in(302, anonymous=200), "POST": logged_in(302, anonymous=200)},
    "account_logout": {"GET": logged_in(200), "POST": logged_in(302)},
    "account_inactive": {"GET": statuses(200), "POST": statuses(405)},
    "account_reset_password": {"GET": statuses(200), "POST": statuses(200)},
    "account_reset_password_done": {"GET": statuses(200), "POST": statuses(405)},
    "account_reset_password_from_key": {"GET": statuses(200), "POST": statuses(200)},
    "account_reset_password_from_key_done": {"GET": statuses(200), "POST": statuses(405)},
    "account_confirm_email": {"GET": statuses(200), "POST": statuses(404)},
    "account_email_verification_sent": {"GET": statuses(200), "POST": statuses(405)},
    "account_confirm_login_code": {"GET": statuses(302), "POST": statuses(302)},
    "account_reauthenticate": {"GET": logged_in(200), "POST": logged_in(200)},
    "account_change_password": {"GET": logged_in(200), "POST": logged_in(200)},
    # Only for accounts without a password (all of ours have one): back to the change form.
    "account_set_password": {"GET": statuses(302), "POST": statuses(302)},
    "account_email": {"GET": logged_in(200), "POST": logged_in(302)},
    "mfa_index": {"GET": logged_in(200), "POST": READ_ONLY},
    "mfa_authenticate": {"GET": statuses(302), "POST": statuses(302)},
    "mfa_activate_totp": {"GET": statuses(302), "POST": statuses(302)},  # already active
    "mfa_reauthenticate": {
        "GET": scoped(["prestataire_x", "prestataire_y", "staff"], others=302),
        "POST": scoped(["prestataire_x", "prestataire_y", "staff"], others=302),
    },
    "mfa_deactivate_totp": {
        "GET": scoped(["prestataire_x", "prestataire_y", "staff"], 302),
        "POST": scoped(["prestataire_x", "prestataire_y", "staff"], 302),
    },
    "mfa_generate_recovery_codes": {"GET": statuses(302), "POST": statuses(302)},
    "mfa_view_recovery_codes": {"GET": logged_in(404), "POST": READ_ONLY},
    "mfa_download_recovery_codes": {"GET": logged_in(404), "POST": logged_in(404)},
    # --- The user's own pages -------------------------------------------------------
    "accounts:home": {"GET": logged_in(302), "POST": READ_ONLY},
    "accounts:account": {"GET": logged_in(200), "POST": logged_in(200)},
    "accounts:my_data": {"GET": logged_in(200), "POST": READ_ONLY},
    # An unknown or tampered link: "this invitation does not exist", whoever asks.
    "invitations:accept": {"GET": statuses(404), "POST": statuses(404)},
    # --- Territory space --------------------------------------------------------------
    # Référents are sent straight to their one participation; staff see the list.
    "territories:space": {
        "GET": scoped(["staff"], others=404, elu_a=302, referent_a=302, elu_b=302),
        "POST": READ_ONLY,
    },
    "territories:participation": {"GET": scoped(TERRITORY_A_READERS), "POST": READ_ONLY},
    "territories:working_group": {"GET": scoped(TERRITORY_A_READERS), "POST": READ_ONLY},
    "territories:working_group_add": {
        "GET": scoped(TERRITORY_A_MANAGERS),
        "POST": scoped(TERRITORY_A_MANAGERS),  # empty form: errors shown
    },
    "territories:working_group_edit": {
        "GET": scoped(TERRITORY_A_MANAGERS),
        "POST": scoped(TERRITORY_A_MANAGERS),
    },
    "territories:working_group_remove": {
        "GET": scoped(TERRITORY_A_MANAGERS),
        "POST": scoped(TERRITORY_A_MANAGERS, 302),
    },
    "invitations:handover": {
        "GET": scoped(TERRITORY_A_MANAGERS),
        "POST": scoped(TERRITORY_A_MANAGERS),
    },
    # --- Prestataire and COPIL spaces -------------------------------------------------
    "fabriques:prestataire_space": {
        "GET": scoped(["prestataire_x", "prestataire_y", "staff"]),
        "POST": READ_ONLY,
    },
    "fabriques:prestataire_fabrique": {"GET": scoped(FABRIQUE_X_TEAM), "POST": READ_ONLY},
    "seminars:schedule": {"GET": scoped(FABRIQUE_X_TEAM), "POST": scoped(FABRIQUE_X_TEAM)},
    "seminars:note_download": {"GET": scoped(TERRITORY_A_READERS), "POST": READ_ONLY},
    "seminars:notes": {"GET": scoped(FABRIQUE_X_TEAM), "POST": scoped(FABRIQUE_X_TEAM)},
    # The note is already shared: an error message, then back to the seminar's notes.
    "seminars:note_submit": {"GET": logged_in(405), "POST": scoped(FABRIQUE_X_TEAM, 302)},
    "seminars:attendance": {"GET": scoped(FABRIQUE_X_TEAM), "POST": scoped(FABRIQUE_X_TEAM)},
    "seminars:sign_in_sheet": {"GET": scoped(FABRIQUE_X_TEAM), "POST": READ_ONLY},
    # seminar_a has no date yet: no event to download, whoever asks.
    "seminars:event_ics": {"GET": logged_in(404), "POST": READ_ONLY},
    # Calendar clients cannot log in: an unknown token is a 404 for everyone.
    "seminars:feed": {"GET": statuses(404), "POST": statuses(405)},
    "seminars:calendar_feed": {"GET": logged_in(200), "POST": logged_in(302)},
    "fabriques:copil_space": {"GET": scoped(["copil_x", "staff"]), "POST": READ_ONLY},
    "fabriques:copil_fabrique": {"GET": scoped(["copil_x", "staff"]), "POST": READ_ONLY},
    # --- ANCT staff -----------------------------------------------------------------
    "fabriques:dashboard": {"GET": scoped(STAFF), "POST": READ_ONLY},
    "fabriques:year_view": {"GET": scoped(STAFF), "POST": READ_ONLY},
    # The reminders preference (immediate or daily digest) is everyone's own.
    "reminders:preference": {"GET": logged_in(405), "POST": logged_in(302)},
    # --- A territory's roadmap: co-written, submitted, adopted by its élu ------------
    "deliverables:roadmap": {"GET": scoped(TERRITORY_A_READERS), "POST": READ_ONLY},
    "deliverables:roadmap_sections": {
        "GET": logged_in(405),
        "POST": scoped(ROADMAP_A_EDITORS, 302),
    },
    # An empty title: the form comes back with its errors.
    "deliverables:roadmap_axis_add": {"GET": logged_in(405), "POST": scoped(ROADMAP_A_EDITORS)},
    "deliverables:roadmap_axis_edit": {
        "GET": scoped(ROADMAP_A_EDITORS),
        "POST": scoped(ROADMAP_A_EDITORS),
    },
    "deliverables:roadmap_axis_delete": {
        "GET": scoped(ROADMAP_A_EDITORS),
        "POST": scoped(ROADMAP_A_EDITORS, 302),
    },
    "deliverables:roadmap_action_add": {
        "GET": scoped(ROADMAP_A_EDITORS),
        "POST": scoped(ROADMAP_A_EDITORS),
    },
    "deliverables:roadmap_action_edit": {
        "GET": scoped(ROADMAP_A_EDITORS),
        "POST": scoped(ROADMAP_A_EDITORS),
    },
    "deliverables:roadmap_action_delete": {
        "GET": scoped(ROADMAP_A_EDITORS),
        "POST": scoped(ROADMAP_A_EDITORS, 302),
    },
    "deliverables:roadmap_reorder": {"GET": logged_in(405), "POST": scoped(ROADMAP_A_EDITORS, 302)},
    "deliverables:roadmap_submit": {"GET": logged_in(405), "POST": scoped(ROADMAP_A_EDITORS, 302)},
    # An empty form: it comes back with its errors.
    "deliverables:roadmap_adopt": {
        "GET": scoped(ROADMAP_A_ADOPTERS),
        "POST": scoped(ROADMAP_A_ADOPTERS),
    },
    "deliverables:roadmap_versions": {"GET": scoped(TERRITORY_A_READERS), "POST": READ_ONLY},
    "deliverables:roadmap_version": {"GET": scoped(TERRITORY_A_READERS), "POST": READ_ONLY},
    "deliverables:roadmap_deliberation_download": {
        "GET": scoped(TERRITORY_A_READERS),
        "POST": READ_ONLY,
    },
    # --- The six-month follow-up: référents update their actions, ANCT the rest ----
    # An empty POST: a message and back to the form.
    "deliverables:follow_up_actions": {
        "GET": scoped(ROADMAP_A_EDITORS),
        "POST": scoped(ROADMAP_A_EDITORS, 302),
    },
    "deliverables:follow_up": {"GET": scoped(STAFF), "POST": scoped(STAFF, 302)},
    # --- PDFs rendered by the workers: a territory's roadmap PDF ----------------------
    "deliverables:roadmap_pdf_request": {
        "GET": logged_in(405),
        "POST": scoped(ROADMAP_A_EDITORS, 302),
    },
    "deliverables:pdf_status": {
        "GET": statuses(404, **{p: 200 for p in TERRITORY_A_READERS}),
        "POST": statuses(405),
    },
    "deliverables:pdf_download": {
        "GET": statuses(404, **{p: 200 for p in TERRITORY_A_READERS}),
        "POST": statuses(405),
    },
    # A ready PDF cannot be retried: a message and back to the page.
    "deliverables:pdf_retry": {"GET": logged_in(405), "POST": scoped(ROADMAP_A_EDITORS, 302)},
    # A draft roadmap's PDF cannot be published: a message and back to the page.
    "deliverables:pdf_publish": {"GET": logged_in(405), "POST": scoped(STAFF, 302)},
    "deliverables:fabrique_results": {
        "GET": scoped(FABRIQUE_X_TEAM),
        "POST": scoped(FABRIQUE_X_TEAM, 302),
    },
    # --- Transversal notes: drafts for the team, published ones for the readers ----
    "deliverables:transversal_notes": {"GET": scoped(TERRITORY_A_READERS), "POST": READ_ONLY},
    "deliverables:transversal_note_add": {
        "GET": scoped(FABRIQUE_X_TEAM),
        "POST": scoped(FABRIQUE_X_TEAM),
    },
    # POST = "Produire le PDF": back to the note's page.
    "deliverables:transversal_note": {
        "GET": scoped(FABRIQUE_X_TEAM),
        "POST": scoped(FABRIQUE_X_TEAM, 302),
    },
    "deliverables:transversal_note_edit": {
        "GET": scoped(FABRIQUE_X_TEAM),
        "POST": scoped(FABRIQUE_X_TEAM),
    },
    "deliverables:transversal_note_download": {"GET": scoped(FABRIQUE_X_TEAM), "POST": READ_ONLY},
    "deliverables:transversal_note_publish": {"GET": logged_in(405), "POST": scoped(STAFF, 302)},
    # The world's Fabriques are not public: no public result exists for anyone.
    "deliverables:public_pdf_download": {"GET": statuses(404), "POST": statuses(405)},
    "deliverables:public_transversal_note": {"GET": statuses(404), "POST": statuses(405)},
    "deliverables:public_transversal_note_download": {"GET": statuses(404), "POST": statuses(405)},
    "fabriques:staff_export": {"GET": scoped(STAFF), "POST": READ_ONLY},
    "invitations:list": {"GET": scoped(STAFF), "POST": READ_ONLY},
    "seminars:notes_review": {"GET": scoped(STAFF), "POST": READ_ONLY},
    "seminars:note_review": {"GET": scoped(STAFF), "POST": scoped(STAFF)},
    "invitations:create": {"GET": scoped(STAFF), "POST": scoped(STAFF)},
    "invitations:resend": {"GET": logged_in(405), "POST": scoped(STAFF, 302)},
    "invitations:revoke": {"GET": logged_in(405), "POST": scoped(STAFF, 302)},
}

# Pages a POST changes for good: each persona gets its own fresh object.
FRESH_TARGET_FOR_POST = {
    "territories:working_group_remove",
    "invitations:revoke",
    "deliverables:roadmap_axis_delete",
    "deliverables:roadmap_action_delete",
}


def test_every_url_has_an_entry():
    assert sorted(MATRIX) == project_url_names()


def assert_security_headers(response):
    """What every answer carries: the strict CSP (or the download's sandbox),
    no framing, no MIME sniffing, no referrer leaving the site."""
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp == "sandbox" or (
        "default-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "unsafe-inline" not in csp
        and "unsafe-eval" not in csp
    ), csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"


def request_as(client, world, persona, method, url):
    client.logout()
    if world.personas[persona] is not None:
        client.force_login(world.personas[persona])
    return getattr(client, method.lower())(url)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_the_expected_status(client, world, targets, name):
    observed = {}
    for method in MATRIX[name]:
        for persona in PERSONAS:
            url = targets(name, fresh=method == "POST" and name in FRESH_TARGET_FOR_POST)
            response = request_as(client, world, persona, method, url)
            observed[(method, persona)] = response.status_code
            assert_security_headers(response)
            people_of_a = ("elu_a", "referent_a", "prestataire_x", "copil_x")
            if persona in people_of_a and not response.streaming:
                # Nothing of territory B reaches territory A's people.
                assert b"groupe-b" not in response.content, (name, persona)
            if persona == "anonymous" and response.status_code == 302:
                assert "/compte/login/" in response["Location"] or name.startswith(
                    ("account_", "mfa_")
                )
    expected_all = {(m, p): code for m, codes in MATRIX[name].items() for p, code in codes.items()}
    assert observed == expected_all


@pytest.mark.parametrize("model", sorted(admin.site._registry, key=lambda m: m._meta.label))
def test_the_back_office_is_for_anct_staff_only(client, world, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    expected = logged_in(302, staff=200)
    if model._meta.label_lower == "auth.group":
        expected["staff"] = 403  # rights are a superuser's business
    observed = {}
    for persona in PERSONAS:
        response = request_as(client, world, persona, "GET", url)
        assert_security_headers(response)
        observed[persona] = response.status_code
    assert observed == expected


def test_a_page_outside_the_scope_is_a_french_dsfr_404(client, world):
    client.force_login(world.elu_a)
    response = client.get(reverse("territories:participation", args=[world.participation_b.pk]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page non trouvée" in page and 'lang="fr"' in page and "fr-header" in page
    assert "Territoire B" not in page
