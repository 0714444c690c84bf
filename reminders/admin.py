from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Reminder, ReminderPreference
from .services import reminders_retry


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The ledger is written by the sweep only: read it, and send failed ones again."""

    list_display = [
        "kind",
        "object_key",
        "due_on",
        "recipient",
        "state",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_select_related = ["recipient"]
    list_filter = ["state", "kind", "due_on"]
    search_fields = ["recipient__email", "object_key"]
    date_hierarchy = "due_on"
    actions = ["resend"]
    fields = [
        "kind",
        "object_key",
        "due_on",
        "recipient",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only, but the "Renvoyer" action needs the change right on the list.
        return obj is None and super().has_change_permission(request)

    @admin.action(description=_("Renvoyer les rappels en échec"), permissions=["change"])
    def resend(self, request, queryset):
        count = reminders_retry(reminders=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d rappel sera renvoyé au prochain passage.",
                "%(count)d rappels seront renvoyés au prochain passage.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency", "last_digest_on"]
    list_select_related = ["user"]
    list_filter = ["frequency"]
    search_fields = ["user__email", "user__last_name"]
    autocomplete_fields = ["user"]
    readonly_fields = ["last_digest_on"]
