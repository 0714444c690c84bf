"""axe-core finds no violation on any page of the portal, for any role.

The pages come from the permission matrix (tests/test_permission_matrix.py):
every URL name of the resolver a role may GET with a 200, aimed at the same
small world of data. Each role logs in once in the browser; each of its HTML
pages (downloads, feeds and htmx fragments are left out, by content type and
by the absence of <html>) is audited, then every form of those pages is sent
empty and the page showing its errors (or the message after its redirect) is
audited too; each form is sent by one role only, the first that has its page.
Forms the world's first state does not show (the invitation's acceptance, the
adoption of a submitted roadmap, the upload of a held seminar's note, the
review of a submitted note) are reached by changing that state at the end.
The back-office: its login page (the portal's, allauth's secure_admin_login)
for anonymous visitors; its index, a changelist, change forms (with inlines,
autocomplete and file fields) and add forms, one sent empty, for ANCT staff.
And the 404 page.

One test per role; it collects every violation of every page before failing,
so that one run shows them all: page -> axe rule -> targets.

axe-core comes from npm (package.json at the root; `npm ci` installs it).
"""

import time

import pytest
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Error as PlaywrightError

from accounts.invitations import _token_hash, invitation_create
from deliverables.models import Roadmap, TransversalNote
from seminars.models import NoteVersion, Seminar
from tests.conftest import TEST_TOTP_SECRET
from tests.e2e.conftest import axe_violations, log_in
from tests.test_permission_matrix import MATRIX, targets  # noqa: F401 (targets: a fixture)

pytestmark = [
    pytest.mark.e2e,
    # Live-server tests truncate tables; serialized rollback restores the rows
    # the migrations created for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# One persona for each role of the matrix: the other two (elu_b, prestataire_y)
# hold the same roles on the other Fabrique and see the same templates.
ROLES = ["anonymous", "elu_a", "referent_a", "prestataire_x", "copil_x", "staff"]
NEEDS_TOTP = {"prestataire_x", "staff"}

# Forms whose sending does something for good (leaving, deleting, revoking,
# submitting, publishing, reordering, asking for a PDF): never sent empty.
NOT_SENT = {
    "account_logout",
    "territories:working_group_remove",
    "deliverables:roadmap_axis_delete",
    "deliverables:roadmap_action_delete",
    "deliverables:roadmap_reorder",
    "deliverables:roadmap_submit",
    "deliverables:roadmap_pdf_request",
    "deliverables:pdf_retry",
    "deliverables:pdf_publish",
    "deliverables:transversal_note_publish",
    "invitations:resend",
    "invitations:revoke",
    "seminars:note_submit",
    "seminars:calendar_feed",
    "mfa_deactivate_totp",
    "mfa_generate_recovery_codes",
}

# The forms of <main> sent with a POST that hold something to fill in (not
# only checkboxes) and can be sent: their index among all the page's forms,
# their action, whether htmx sends them.
FORMS_TO_SEND = """() => [...document.querySelectorAll('form')]
  .map((form, index) => ({form, index}))
  .filter(({form}) => form.method === 'post' && form.closest('main')
    && !form.querySelector('[type=submit]:disabled, button:not([type]):disabled')
    && form.querySelector(
      'input:not([type=hidden]):not([type=submit]):not([type=button])'
      + ':not([type=checkbox]), textarea, select'))
  .map(({form, index}) => ({
    index,
    action: new URL(form.getAttribute('action') || '', location.href).pathname,
    htmx: !!form.closest('[hx-post], [hx-boost=true]'),
  }))"""

# Empties the form's fields (the browser's own checks off, as a script would
# send it) and presses its first submit button, or the one of that value.
SEND_EMPTY = """([index, buttonValue]) => {
  const form = document.querySelectorAll('form')[index];
  form.noValidate = true;
  for (const field of form.querySelectorAll(
      'input:not([type=hidden]):not([type=submit]):not([type=button])'
      + ':not([type=checkbox]):not([type=radio]), textarea')) {
    if (field.type === 'file') field.value = null; else field.value = '';
  }
  for (const select of form.querySelectorAll('select')) select.selectedIndex = 0;
  for (const radio of form.querySelectorAll('input[type=radio]')) radio.checked = false;
  const button = buttonValue
    ? form.querySelector(`[type=submit][value="${buttonValue}"]`)
    : form.querySelector('button[type=submit], input[type=submit], button:not([type])');
  if (button) button.click(); else form.requestSubmit();
}"""

ERRORS_SHOWN = (
    ".fr-error-text, .fr-message--error, .fr-input-group--error, .fr-select-group--error, "
    ".fr-upload-group--error, .fr-fieldset--error, .fr-alert--error, .errorlist, .errornote"
)

KNOWN_INVITATION_TOKEN = "jeton-connu-pour-l-audit"


def url_name(path):
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def sender_of(name):
    """The role that sends `name`'s forms: the first in ROLES' order that has
    its page (a form's errors look the same whoever sends it)."""
    return next((role for role in ROLES if MATRIX[name]["GET"][role] == 200), None)


class Audit:
    """One role's browser tab: what it audited, what it left out, what axe found."""

    def __init__(self, page, base_url):
        self.page, self.base_url = page, base_url
        self.violations = {}  # label -> [violation lines]
        self.pages, self.forms, self.left_out = [], [], []

    def run(self, label):
        found = axe_violations(self.page)
        if found:
            self.violations[label] = found

    def visit(self, path):
        """Open the path; whether it is a full HTML page (a 200)."""
        try:
            response = self.page.goto(self.base_url + path)
        except PlaywrightError as error:
            if "Download is starting" not in str(error):
                raise
            self.left_out.append(f"{path}: a download")
            return False
        kind = response.headers.get("content-type", "")
        if response.status != 200 or not kind.startswith("text/html"):
            self.left_out.append(f"{path}: HTTP {response.status}, {kind}")
            return False
        if "<html" not in response.text()[:2000].lower():
            self.left_out.append(f"{path}: a fragment, not a page")
            return False
        return True

    def audit_page(self, path):
        if self.visit(path):
            self.pages.append(path)
            self.run(path)
            return True
        return False

    def audit_forms(self, path, *, button=None):
        """Send each form of the page (open) empty, and audit the page showing
        its errors, or the message the redirect after it shows. `button`: the
        value of the submit button to press, when not the form's first one."""
        forms = self.page.evaluate(FORMS_TO_SEND)
        for form in forms:
            if url_name(form["action"]) in NOT_SENT:
                continue
            if form is not forms[0]:
                self.page.goto(self.base_url + path)
            label = f"{path} (form to {form['action']} sent empty)"
            try:
                if form["htmx"]:
                    with self.page.expect_response(
                        lambda r: r.request.method == "POST", timeout=10_000
                    ) as posted:
                        self.page.evaluate(SEND_EMPTY, [form["index"], button])
                    status = posted.value.status
                    # An htmx answer is swapped in just after it arrives.
                    self.page.wait_for_timeout(150)
                else:
                    with self.page.expect_navigation(timeout=10_000) as navigation:
                        self.page.evaluate(SEND_EMPTY, [form["index"], button])
                    landed = navigation.value
                    # A 200 to the POST itself: the form came back (a redirect
                    # ends on a GET).
                    status = landed.status if landed.request.method == "POST" else 302
            except PlaywrightError as error:
                self.left_out.append(f"{label}: {error}")
                continue
            if status == 200 and self.page.locator(ERRORS_SHOWN).count():
                pass  # the form, back with its errors
            elif status == 302 and self.page.locator(".fr-alert").count():
                label += ", then its message"  # refused or done: a message says it
            else:
                self.left_out.append(f"{label}: HTTP {status}, no error or message shown")
                continue
            self.forms.append(label)
            self.run(label)

    def report(self):
        lines = []
        for label, found in self.violations.items():
            lines.append(f"{label}:")
            lines.extend(f"    {line}" for line in found)
        return "\n".join(lines)


@pytest.fixture
def known_invitation(world):
    """An invitation whose link is known, for its acceptance page."""
    invitation = invitation_create(
        email="nouvelle.agente@a.demo.invalid",
        kind="agent",
        participation=world.participation_a,
        by=world.staff,
    )
    invitation.token_hash = _token_hash(KNOWN_INVITATION_TOKEN)
    invitation.save(update_fields=["token_hash"])
    return invitation


def forms_of_later_states(persona, world, url):
    """Forms the world's first state does not show, after the change that shows
    them: (the change, the page, the button to press)."""
    if persona == "anonymous":
        yield None, reverse("invitations:accept", args=[KNOWN_INVITATION_TOKEN]), None
    if persona == "elu_a":
        # A roadmap is adopted once its prestataire has submitted it.
        def submit():
            Roadmap.objects.filter(participation=world.participation_a).update(
                status=Roadmap.Status.SUBMITTED
            )

        yield submit, url("deliverables:roadmap_adopt"), None
    if persona == "prestataire_x":
        # The note is uploaded once the seminar is held.
        def hold():
            Seminar.objects.filter(pk=world.seminar_a.pk).update(status=Seminar.Status.HELD)

        yield hold, url("seminars:notes"), None
    if persona == "staff":
        # A submitted note goes back to its prestataire with a comment (required).
        def submit():
            NoteVersion.objects.filter(seminar=world.seminar_a).update(status="soumise")

        yield submit, url("seminars:note_review"), "renvoyer"
        yield None, reverse("admin:fabriques_fabrique_add"), None


@pytest.mark.parametrize("persona", ROLES)
def test_every_page_of_the_role_has_no_accessibility_violation(
    persona,
    audited_page,
    live_server,
    world,
    targets,  # noqa: F811 (the matrix's fixture, imported above)
    known_invitation,
):
    started = time.monotonic()
    page = audited_page
    user = world.personas[persona]
    if user is not None:
        log_in(
            page, live_server, user, totp_secret=TEST_TOTP_SECRET if persona in NEEDS_TOTP else None
        )
        page.wait_for_load_state("load")
    audit = Audit(page, live_server.url)

    # Every page the matrix gives this role; each form sent by one role only.
    for name in sorted(MATRIX):
        if MATRIX[name]["GET"][persona] != 200:
            continue
        path = targets(name)
        if audit.audit_page(path) and sender_of(name) == persona and name not in NOT_SENT:
            audit.audit_forms(path)

    if persona == "anonymous":
        # The back-office's login is the portal's (allauth's secure_admin_login).
        page.goto(live_server.url + reverse("admin:index"))
        assert "/compte/login/" in page.url, page.url
        audit.pages.append(f"{reverse('admin:index')} -> {page.url.removeprefix(live_server.url)}")
        audit.run(audit.pages[-1])
        response = page.goto(live_server.url + "/cette-page-n-existe-pas/")
        assert response.status == 404
        audit.pages.append("/cette-page-n-existe-pas/ (404)")
        audit.run(audit.pages[-1])
    if persona == "staff":
        transversal_note = TransversalNote.objects.get(fabrique=world.fabrique_x)
        for path in (
            reverse("admin:index"),
            reverse("admin:fabriques_fabrique_changelist"),
            reverse("admin:fabriques_fabrique_change", args=[world.fabrique_x.pk]),
            reverse("admin:territories_participation_change", args=[world.participation_a.pk]),
            # A file already there, then autocomplete fields and a file field, empty.
            reverse("admin:deliverables_transversalnote_change", args=[transversal_note.pk]),
            reverse("admin:deliverables_transversalnote_add"),
        ):
            assert audit.audit_page(path), path

    for change, path, button in forms_of_later_states(persona, world, targets):
        if change:
            change()
        assert audit.audit_page(path), path
        audit.audit_forms(path, button=button)

    print(
        f"\n{persona}: {len(audit.pages)} pages, {len(audit.forms)} forms with errors, "
        f"{time.monotonic() - started:.1f} s",
        "  forms sent empty:",
        *audit.forms,
        "  left out:",
        *audit.left_out,
        sep="\n    ",
    )
    assert not audit.violations, f"{persona}:\n{audit.report()}"
