from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin_mixins import AuditedAdmin, SharedChoicesMixin

from .models import (
    Action,
    Axis,
    FollowUp,
    GeneratedPdf,
    Roadmap,
    RoadmapVersion,
    TransversalNote,
)


class AxisInline(admin.TabularInline):
    model = Axis
    extra = 0
    fields = ["position", "title"]


class ActionInline(SharedChoicesMixin, admin.StackedInline):
    model = Action
    extra = 0
    fields = [
        ("position", "axis", "status", "progress"),
        "title",
        "description",
        ("lead", "horizon", "starts_on", "ends_on"),
        ("budget_eur", "needs_engineering_support"),
        "partners",
        "funding",
        "indicators",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "axis":
            # Only the axes of the roadmap being edited.
            roadmap_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Axis.objects.filter(roadmap_id=roadmap_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Roadmap)
class RoadmapAdmin(AuditedAdmin):
    list_display = ["participation", "fabrique", "status", "adopted_on", "updated_at"]
    list_select_related = ["participation__territory", "participation__fabrique"]
    list_filter = ["status", "participation__fabrique__edition"]
    search_fields = ["participation__territory__name", "participation__fabrique__title"]
    autocomplete_fields = ["participation"]
    fields = [
        "participation",
        "status",
        "adopted_on",
        "vision",
        "synthesis",
        "governance",
        "partnerships",
    ]
    inlines = [AxisInline, ActionInline]

    @admin.display(description=_("Fabrique"), ordering="participation__fabrique__title")
    def fabrique(self, obj):
        return obj.participation.fabrique


@admin.register(Axis)
class AxisAdmin(AuditedAdmin):
    list_display = ["title", "roadmap", "position"]
    list_select_related = ["roadmap__participation__territory", "roadmap__participation__fabrique"]
    search_fields = ["title", "roadmap__participation__territory__name"]
    autocomplete_fields = ["roadmap"]


@admin.register(Action)
class ActionAdmin(AuditedAdmin):
    list_display = [
        "title",
        "territory",
        "status",
        "horizon",
        "progress",
        "needs_engineering_support",
    ]
    list_select_related = ["roadmap__participation__territory"]
    list_filter = [
        "status",
        "horizon",
        "needs_engineering_support",
        "roadmap__participation__fabrique__edition",
    ]
    search_fields = ["title", "description", "lead", "roadmap__participation__territory__name"]
    autocomplete_fields = ["roadmap", "axis"]

    @admin.display(description=_("territoire"), ordering="roadmap__participation__territory__name")
    def territory(self, obj):
        return obj.roadmap.participation.territory


@admin.register(TransversalNote)
class TransversalNoteAdmin(AuditedAdmin):
    list_display = ["title", "kind", "fabrique", "is_published", "published_on"]
    list_select_related = ["fabrique"]
    list_filter = ["kind", "is_published", "fabrique__edition"]
    search_fields = ["title", "body", "fabrique__title"]
    autocomplete_fields = ["fabrique"]
    # Set by the antivirus only (seminars.antivirus, seminars.quarantine).
    readonly_fields = ["scan_status"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["fabrique", "meeting_on", "showcase_on"]
    list_select_related = ["fabrique"]
    list_filter = ["fabrique__edition"]
    search_fields = ["fabrique__title"]
    autocomplete_fields = ["fabrique"]


@admin.register(RoadmapVersion)
class RoadmapVersionAdmin(admin.ModelAdmin):
    """Adopted versions are a record: readable here, never edited."""

    list_display = ["roadmap", "number", "adopted_on", "adopted_by"]
    list_select_related = [
        "roadmap__participation__territory",
        "roadmap__participation__fabrique",
        "adopted_by",
    ]
    list_filter = ["roadmap__participation__fabrique__edition"]
    search_fields = ["roadmap__participation__territory__name"]
    readonly_fields = [
        "roadmap",
        "number",
        "adopted_on",
        "adopted_by",
        "content",
        "content_sha256",
        "deliberation",
        "deliberation_name",
        "deliberation_size",
        "deliberation_sha256",
        "deliberation_scan_status",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(GeneratedPdf)
class GeneratedPdfAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "fabrique",
        "state",
        "page_count",
        "requested_at",
        "published_at",
    ]
    list_select_related = ["fabrique"]
    list_filter = ["kind", "state", "fabrique__edition"]
    search_fields = ["title", "fabrique__title"]
    readonly_fields = [
        "token",
        "kind",
        "source_key",
        "source_sha256",
        "title",
        "fabrique",
        "participation",
        "roadmap_version",
        "transversal_note",
        "state",
        "attempts",
        "error",
        "file",
        "size",
        "sha256",
        "page_count",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "published_at",
    ]

    def has_add_permission(self, request):
        return False
