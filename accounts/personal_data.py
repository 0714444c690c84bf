"""A person's own data, as the RGPD lets them ask for it (right of access).

The inventory (accounts/personal_data.yaml) lists every field that holds or
points to a person; the export follows it, so a field added to the inventory
is exported without touching this code.
"""

import json
from functools import cache
from pathlib import Path

import yaml
from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

INVENTORY = Path(__file__).with_name("personal_data.yaml")
# Never exported, even to their owner: secrets and internal fingerprints.
SECRET_MARKS = ("password", "token", "sha256", "secret")
USER_FIELDS = ["email", "first_name", "last_name", "phone", "date_joined", "last_login"]


@cache
def personal_data_inventory() -> dict[str, dict]:
    return yaml.safe_load(INVENTORY.read_text())


def _exportable(model) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not any(mark in field.name for mark in SECRET_MARKS)
    ]


def personal_data_export(user) -> dict:
    """Everything the portal holds on ``user``: the account, then every row
    that points to them, by the inventory's fields (one query each)."""
    data = {
        "compte": {name: getattr(user, name) for name in USER_FIELDS},
        "finalites": {name: entry for name, entry in personal_data_inventory().items()},
    }
    for name in personal_data_inventory():
        label, field_name = name.rsplit(".", 1)
        model = apps.get_model(label)
        field = model._meta.get_field(field_name)
        if not field.is_relation or field.related_model._meta.label != settings.AUTH_USER_MODEL:
            continue
        rows = list(model.objects.filter(**{field_name: user}).values(*_exportable(model)))
        if rows:
            data.setdefault(label, []).extend(rows)
    return data


def personal_data_json(user) -> str:
    return _as_json(personal_data_export(user))


def working_group_member_export(member) -> dict:
    """What the portal holds on a working-group member (not an account
    holder): their row, the seminars they were invited to, and their past
    versions in the audit trail."""
    from territories.models import WorkingGroupMember

    member_fields = [name for name in _exportable(WorkingGroupMember) if name != "participation_id"]
    return {
        "membre": {name: getattr(member, name) for name in member_fields},
        "fabrique": str(member.participation),
        "seminaires": list(
            member.attendances.order_by("seminar__window_start").values(
                "seminar__theme", "seminar__starts_at", "status"
            )
        ),
        "historique": list(
            member.history.order_by("history_date").values(
                "history_date", "history_type", *member_fields
            )
        ),
        "finalites": {
            name: entry
            for name, entry in personal_data_inventory().items()
            if ".WorkingGroupMember." in name or ".HistoricalWorkingGroupMember." in name
        },
    }


def working_group_member_json(member) -> str:
    return _as_json(working_group_member_export(member))


def _as_json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def admin_log_anonymise(objects, *, prefix: str) -> int:
    """The admin's own log names each object it changed as it was then
    ("Dupont Marie"): rename the ``objects`` (a queryset) to ``prefix``
    followed by their id, in one update."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat

    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(objects.model),
        object_id__in=objects.values(pk_text=Cast("pk", CharField())),
    ).update(object_repr=Concat(Value(prefix), F("object_id")))


def user_erase(*, user) -> None:
    """Erase a person at their request (RGPD right to erasure), keeping the
    records they appear in: the account row stays, anonymised and closed, so
    an adopted roadmap still says "adopted by" someone, now nameless, and
    every page or PDF shown afterwards carries the anonymised name.

    Their sessions end (inactive), their sign-in methods and private links go,
    and the invitations sent to their address forget it.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from seminars.models import CalendarFeed

    from .models import Invitation

    with transaction.atomic():
        Invitation.objects.filter(email__iexact=user.email).update(
            email=f"anonyme-invitation-{user.pk}@anonyme.invalid",
            first_name="",
            last_name="",
            function="",
        )
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        CalendarFeed.objects.filter(user=user).delete()
        user.first_name = "Personne"
        user.last_name = f"anonymisée n° {user.pk}"
        user.email = f"anonyme-{user.pk}@anonyme.invalid"
        user.phone = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(
            update_fields=["first_name", "last_name", "email", "phone", "is_active", "password"]
        )
        # The audit trail points to the account, so it now shows the anonymised
        # name; only the admin's log kept the old one as text.
        admin_log_anonymise(type(user).objects.filter(pk=user.pk), prefix="Personne anonymisée n° ")
