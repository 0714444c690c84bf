from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin_mixins import AuditedAdmin

from .models import Attendance, NoteVersion, Seminar, SeminarTemplate, SeminarTemplateStep


class StepInline(admin.TabularInline):
    model = SeminarTemplateStep
    extra = 0
    fields = ["kind", "number", "title", "content", "first_month", "last_month"]


@admin.register(SeminarTemplate)
class SeminarTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default"]
    search_fields = ["name"]
    inlines = [StepInline]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ["user", "working_group_member"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "working_group_member")


class NoteVersionInline(admin.TabularInline):
    model = NoteVersion
    extra = 0
    can_delete = False
    fields = ["version", "original_name", "status", "uploaded_by", "uploaded_at", "sha256"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Notes are uploaded through the prestataire's space, which versions
        # and checks them; the admin only shows them.
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by", "seminar")


@admin.register(Seminar)
class SeminarAdmin(AuditedAdmin):
    list_display = [
        "__str__",
        "fabrique",
        "territory",
        "window_start",
        "window_end",
        "starts_at",
        "format",
        "status",
    ]
    list_select_related = ["fabrique", "participation__territory"]
    list_filter = ["kind", "status", "format", "fabrique__edition", "fabrique"]
    search_fields = ["theme", "place", "fabrique__title", "participation__territory__name"]
    autocomplete_fields = ["fabrique", "participation"]
    date_hierarchy = "window_start"
    fieldsets = [
        (None, {"fields": ["fabrique", "participation", "kind", "number", "theme", "content"]}),
        (_("Calendrier"), {"fields": [("window_start", "window_end"), ("starts_at", "ends_at")]}),
        (_("Lieu et format"), {"fields": ["format", "place", "meeting_url", "status"]}),
    ]
    inlines = [AttendanceInline, NoteVersionInline]

    @admin.display(description=_("territoire"), ordering="participation__territory__name")
    def territory(self, obj):
        return obj.participation.territory if obj.participation_id else _("Tous (intersite)")


@admin.register(NoteVersion)
class NoteVersionAdmin(AuditedAdmin):
    list_display = ["__str__", "status", "uploaded_by", "uploaded_at", "size"]
    list_select_related = ["seminar", "uploaded_by"]
    list_filter = ["status", "seminar__kind", "seminar__fabrique__edition"]
    search_fields = ["original_name", "summary", "seminar__theme"]
    date_hierarchy = "uploaded_at"
    readonly_fields = [
        "seminar",
        "version",
        "file",
        "original_name",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "scan_status",
    ]
    fields = readonly_fields + ["summary", "status", "review_comment"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "seminar", "status"]
    list_select_related = ["seminar", "user", "working_group_member"]
    list_filter = ["status", "seminar__kind"]
    search_fields = ["user__email", "user__last_name", "working_group_member__last_name"]
    autocomplete_fields = ["seminar", "user", "working_group_member"]
