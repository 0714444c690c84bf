"""Every personal field of the portal's models is in the RGPD inventory
(accounts/personal_data.yaml) with its purpose and retention."""

from pathlib import Path

import yaml
from django.apps import apps
from django.conf import settings

INVENTORY = Path(settings.BASE_DIR) / "accounts" / "personal_data.yaml"
PORTAL_APPS = {"accounts", "fabriques", "territories", "seminars", "deliverables", "reminders"}
# Names that betray a person's data, wherever they appear.
PERSONAL_NAMES = ("email", "phone", "first_name", "last_name", "full_name", "function", "birth")
# Rows that are people: pointing to one is personal data too.
PERSON_MODELS = {settings.AUTH_USER_MODEL, "territories.WorkingGroupMember"}


def personal_fields() -> set[str]:
    found = set()
    for model in apps.get_models():
        if model._meta.app_label not in PORTAL_APPS:
            continue
        for field in model._meta.concrete_fields:
            points_to_a_person = (
                field.is_relation and field.related_model._meta.label in PERSON_MODELS
            )
            if points_to_a_person or any(mark in field.name for mark in PERSONAL_NAMES):
                found.add(f"{model._meta.label}.{field.name}")
    return found


def inventory() -> dict:
    return yaml.safe_load(INVENTORY.read_text())


def test_every_personal_field_is_in_the_inventory():
    missing = personal_fields() - inventory().keys()
    assert not missing, f"Ajoutez-les à {INVENTORY.name} (finalité, durée) : {sorted(missing)}"


def test_the_inventory_names_only_existing_fields_with_purpose_and_retention():
    for name, entry in inventory().items():
        label, field = name.rsplit(".", 1)
        apps.get_model(label)._meta.get_field(field)
        assert entry["purpose"] and entry["retention"], name
