"""On "Mon compte", people choose reminders as they come or one daily digest."""

import pytest
from django.urls import reverse

from reminders.models import ReminderPreference

pytestmark = pytest.mark.django_db


def test_the_account_page_offers_the_choice_immediate_by_default(client, world):
    client.force_login(world.elu_a)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Mes rappels" in page
    assert f'action="{reverse("reminders:preference")}"' in page
    assert 'value="immediate" id="id_frequency_0" checked' in page
    assert 'value="daily" id="id_frequency_1">' in page


def test_choosing_the_daily_digest_is_kept(client, world):
    client.force_login(world.elu_a)
    response = client.post(reverse("reminders:preference"), {"frequency": "daily"}, follow=True)
    assert response.redirect_chain == [(reverse("accounts:account"), 302)]
    assert "Votre préférence de rappels est enregistrée." in response.content.decode()
    assert ReminderPreference.objects.get(user=world.elu_a).frequency == "daily"
    assert 'value="daily" id="id_frequency_1" checked' in response.content.decode()

    client.post(reverse("reminders:preference"), {"frequency": "immediate"})
    assert ReminderPreference.objects.get(user=world.elu_a).frequency == "immediate"


def test_an_unknown_choice_changes_nothing(client, world):
    client.force_login(world.elu_a)
    response = client.post(reverse("reminders:preference"), {"frequency": "hourly"})
    assert response.status_code == 302
    assert not ReminderPreference.objects.exists()


def test_the_form_only_posts_and_only_for_people_logged_in(client, world):
    url = reverse("reminders:preference")
    assert client.post(url, {"frequency": "daily"})["Location"].startswith("/compte/login/")
    client.force_login(world.elu_a)
    assert client.get(url).status_code == 405
