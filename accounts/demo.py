"""Demo accounts for `make run`: real accounts with a known password, on
addresses of the reserved `.invalid` domain so no e-mail can reach anyone."""

from dataclasses import dataclass

from .models import User
from .roles import anct_staff_group_ensure

ANCT_STAFF_EMAIL = "anct@demo.invalid"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str


def demo_accounts_ensure(*, password: str) -> list[DemoAccount]:
    group = anct_staff_group_ensure()
    staff, _created = User.objects.get_or_create(
        email=ANCT_STAFF_EMAIL,
        defaults={"first_name": "Camille", "last_name": "Démo (ANCT)", "is_staff": True},
    )
    if not staff.is_staff or not staff.is_active:
        staff.is_staff = staff.is_active = True
        staff.save(update_fields=["is_staff", "is_active"])
    if not staff.check_password(password):
        staff.set_password(password)
        staff.save(update_fields=["password"])
    staff.groups.add(group)
    return [DemoAccount(role="Équipe ANCT (back-office)", email=staff.email)]
