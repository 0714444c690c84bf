"""The cached fragments of the public pages (fabriques.public_cache): served
from the cache while nothing changes, recomputed as soon as the public data
does, in this process and in any other."""

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from fabriques.models import Fabrique, Transition
from fabriques.public_cache import VERSION_KEY, bump_public_version, public_version
from fabriques.public_views import home_key_figures
from fabriques.stats import key_figures
from territories.models import Participation
from tests.factories import FabriqueFactory, ParticipationFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(db):
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)


def html(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_home_figures_are_the_key_figures(imported):
    assert home_key_figures() == key_figures()


def test_cached_pages_cost_fewer_queries(client, imported):
    fabrique = Fabrique.objects.public().order_by("pk").first()
    for url in (
        reverse("home"),
        reverse("catalogue"),
        "/carte/",
        reverse("fabrique_detail", args=[fabrique.slug]),
    ):
        first = queries(client, url)
        assert queries(client, url) < first, url


def test_a_fabrique_withdrawn_in_bulk_leaves_at_once(client, world):
    """The admin's "retirer du catalogue" is a bulk update (no signal): what
    names a Fabrique is never served from the cache."""
    Fabrique.objects.filter(pk=world.fabrique_x.pk).update(is_public=True, edition=2026)
    detail = reverse("fabrique_detail", args=[world.fabrique_x.slug])
    assert client.get(detail).status_code == 200
    assert world.fabrique_x.slug in html(client, reverse("home"))
    Fabrique.objects.filter(pk=world.fabrique_x.pk).update(is_public=False)
    assert client.get(detail).status_code == 404
    assert world.fabrique_x.slug not in html(client, reverse("home"))
    assert world.fabrique_x.slug not in html(client, reverse("catalogue"))


def test_a_saved_fabrique_shows_at_once_on_every_public_page(client, imported):
    fabrique = Fabrique.objects.public().order_by("-edition", "title").first()
    detail = reverse("fabrique_detail", args=[fabrique.slug])
    for url in (reverse("home"), reverse("catalogue"), detail):
        html(client, url)  # cached now
    fabrique.title = "Un titre tout neuf pour la Fabrique"
    fabrique.save()
    assert "Un titre tout neuf pour la Fabrique" in html(client, detail)
    assert "Un titre tout neuf pour la Fabrique" in html(client, reverse("catalogue"))


def test_a_new_public_fabrique_counts_at_once(client, imported):
    before = html(client, reverse("home"))
    count = Fabrique.objects.public().count()
    assert f"{count} Fabriques publiques" in before
    FabriqueFactory(is_public=True)
    assert f"{count + 1} Fabriques publiques" in html(client, reverse("home"))


def test_a_deleted_participation_leaves_the_map_at_once(client, imported):
    participation = Participation.objects.confirmed().filter(fabrique__is_public=True).first()
    code = participation.territory.departement_id
    before = html(client, "/carte/")
    for other in Participation.objects.filter(territory__departement_id=code):
        other.delete()
    after = html(client, "/carte/")
    assert before != after
    assert f"dept={code}" in before and f"dept={code}" not in after


def test_facet_counts_follow_transitions_and_partners(client, imported):
    fabrique = Fabrique.objects.public().order_by("pk").first()
    html(client, reverse("catalogue"))
    transition = Transition.objects.exclude(fabriques=fabrique).first()
    facets = {f["name"]: f for f in client.get(reverse("catalogue")).context["facets"]}

    def count(facets, name, value):
        return next(
            (o["count"] for o in facets[name]["options"] if str(o["value"]) == str(value)), 0
        )

    before = count(facets, "transition", transition.code)
    fabrique.transitions.add(transition)  # a many-to-many change: no post_save
    facets = {f["name"]: f for f in client.get(reverse("catalogue")).context["facets"]}
    assert count(facets, "transition", transition.code) == before + 1

    partnership = PartnershipFactory(fabrique=fabrique)
    facets = {f["name"]: f for f in client.get(reverse("catalogue")).context["facets"]}
    assert count(facets, "partner", partnership.organisation_id) == 1


def test_an_added_transition_shows_at_once_on_the_cards_and_the_page(client, imported):
    fabrique = Fabrique.objects.public().current(timezone.localdate()).order_by(
        "pk"
    ).first() or FabriqueFactory(is_public=True, status="en_cours")
    transition = Transition.objects.exclude(fabriques=fabrique).first()
    label = escape(str(transition))
    tag = f'<p class="fr-tag fr-tag--sm">{label}</p>'
    page_url = reverse("fabrique_detail", args=[fabrique.slug])
    catalogue_url = reverse("catalogue")
    params = {"edition": fabrique.edition}

    def card(url, params=None):
        # The card of this Fabrique alone: from its link to the next card.
        page = html(client, url, params)
        start = page.index(f'href="{page_url}"')
        return page[start : page.find('class="fr-card ', start)]

    assert tag not in card(reverse("home")) and tag not in card(catalogue_url, params)
    assert f'<p class="fr-tag">{label}</p>' not in html(client, page_url)

    fabrique.transitions.add(transition)  # a many-to-many change: no post_save

    assert tag in card(reverse("home")) and tag in card(catalogue_url, params)
    assert f'<p class="fr-tag">{label}</p>' in html(client, page_url)


def test_the_version_is_shared_through_the_database_cache(client, imported):
    """Another process sees the bump: the token lives in the database cache,
    the fragments in this process's memory."""
    version = public_version()
    assert caches["default"].get(VERSION_KEY) == version
    count = Fabrique.objects.public().count()
    assert f"{count} Fabriques publiques" in html(client, reverse("home"))
    # A bulk update sends no signal: the page stays as cached...
    Fabrique.objects.public().update(is_public=False)
    assert f"{count} Fabriques publiques" in html(client, reverse("home"))
    # ...until the version changes (what any process's save does).
    bump_public_version()
    assert public_version() != version
    assert f"{count} Fabriques publiques" not in html(client, reverse("home"))


def test_a_lost_version_token_is_never_an_old_one(imported):
    first = public_version()
    caches["default"].delete(VERSION_KEY)  # culled from the cache table
    assert public_version() != first


def test_a_participation_in_a_new_territory_counts_on_the_home_page(client, imported):
    fabrique = Fabrique.objects.public().order_by("pk").first()
    before = home_key_figures()["territories"]
    html(client, reverse("home"))
    ParticipationFactory(fabrique=fabrique, territory__commune__insee_code="Z9999")
    assert home_key_figures()["territories"] == before + 1
    assert f"{before + 1} territoires accompagnés" in html(client, reverse("home"))


@pytest.mark.django_db(transaction=True)
def test_outside_transactions_the_token_is_read_at_most_once_a_second():
    """A public page outside a transaction reuses the token it read for a
    second; another process's bump shows once that second is over; this
    process's own bump at once; inside a transaction it is always read."""
    from django.db import transaction

    from fabriques import public_cache

    public_cache.forget_memorised_version()
    mine = public_version()
    with CaptureQueriesContext(connection) as captured:
        assert public_version() == mine
    assert len(captured) == 0
    # Another process bumps: written straight into the shared cache.
    caches["default"].set(VERSION_KEY, "theirs", timeout=None)
    assert public_version() == mine
    with transaction.atomic():
        assert public_version() == "theirs"
    token, _read_at = public_cache._memo["version"]
    public_cache._memo["version"] = (token, _read_at - public_cache.VERSION_MEMO_SECONDS)
    assert public_version() == "theirs"
    bump_public_version()
    assert public_version() not in (mine, "theirs")
