"""The ANCT staff group: what the pôle's staff may do in the back-office."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

ANCT_STAFF_GROUP = "Équipe ANCT"
# The portal's data, plus allauth's e-mail addresses and second factors, so
# staff can fix an address or remove the authenticator of someone who lost
# their phone.
PORTAL_APPS = [
    "accounts",
    "fabriques",
    "territories",
    "seminars",
    "deliverables",
    "reminders",
    "account",
    "mfa",
]


def anct_staff():
    """ANCT staff as e-mails address them: active users of the «Équipe ANCT»
    group who are also staff (the access rule of ``is_anct_staff``), so that
    everyone written to can open the staff pages the e-mails link to, and
    technical accounts outside the pôle get nothing."""
    return get_user_model().objects.filter(
        is_active=True, is_staff=True, groups__name=ANCT_STAFF_GROUP
    )


def anct_staff_group_ensure() -> Group:
    """Create or refresh the group holding every permission on the portal's data."""
    group, _created = Group.objects.get_or_create(name=ANCT_STAFF_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=PORTAL_APPS)
    group.permissions.set(permissions)
    return group
