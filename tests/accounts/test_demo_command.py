from io import StringIO

import pytest
from django.core.management import call_command

from accounts.demo import ANCT_STAFF_EMAIL
from accounts.models import User

pytestmark = pytest.mark.django_db


def run_demo(password):
    out = StringIO()
    call_command("demo", password=password, stdout=out)
    return out.getvalue()


def test_the_demo_staff_account_logs_into_the_back_office(client):
    printed = run_demo("fabrique-demo-2026")
    assert ANCT_STAFF_EMAIL in printed and "fabrique-demo-2026" in printed
    assert client.login(email=ANCT_STAFF_EMAIL, password="fabrique-demo-2026")
    assert client.get("/admin/fabriques/fabrique/").status_code == 200


def test_running_it_again_keeps_one_account_and_takes_the_new_password(client):
    run_demo("premier-mot-de-passe")
    run_demo("second-mot-de-passe")
    assert User.objects.filter(email=ANCT_STAFF_EMAIL).count() == 1
    assert client.login(email=ANCT_STAFF_EMAIL, password="second-mot-de-passe")
    assert not client.login(email=ANCT_STAFF_EMAIL, password="premier-mot-de-passe")


def test_email_login_ignores_case(client):
    run_demo("fabrique-demo-2026")
    assert client.login(email="ANCT@Demo.Invalid", password="fabrique-demo-2026")
