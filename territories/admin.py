from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import personal_data_download
from accounts.personal_data import working_group_member_json
from config.admin_mixins import AuditedAdmin, SharedChoicesMixin, run_service_on_rows
from deliverables.models import Roadmap
from fabriques.checks import participation_warnings
from fabriques.models import TeamMember
from seminars.models import Seminar, SeminarKind

from .models import (
    WORKING_GROUP_TARGET,
    AnctDelegate,
    Commune,
    Departement,
    Epci,
    Participation,
    ParticipationContact,
    Region,
    Territory,
    WorkingGroupMember,
)
from .retention import working_group_members_anonymise
from .services import participation_confirm, participation_withdraw


class ReferenceDataAdmin(admin.ModelAdmin):
    """The official geography is loaded by `import_geography`, not typed in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "region"]
    list_select_related = ["region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(Epci)
class EpciAdmin(ReferenceDataAdmin):
    list_display = ["name", "siren", "kind", "departement", "population"]
    list_select_related = ["departement"]
    list_filter = ["kind", "departement__region"]
    search_fields = ["name", "siren"]


@admin.register(Commune)
class CommuneAdmin(ReferenceDataAdmin):
    list_display = ["name", "insee_code", "departement", "epci", "population"]
    list_select_related = ["departement", "epci"]
    list_filter = ["departement__region"]
    search_fields = ["name", "insee_code"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "official_code", "departement", "population", "fabriques"]
    list_select_related = ["departement"]
    list_filter = ["kind", "departement__region", "departement"]
    search_fields = ["name", "commune__insee_code", "epci__siren", "commune__name", "epci__name"]
    autocomplete_fields = ["commune", "epci"]
    fields = ["commune", "epci", "name", "kind", "official_code", "departement", "population"]
    # Filled from the referential when the commune or EPCI is chosen.
    readonly_fields = ["kind", "official_code", "departement", "population"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(fabrique_count=Count("participations"))

    @admin.display(description=_("code INSEE / SIREN"))
    def official_code(self, obj):
        return obj.official_code

    @admin.display(description=_("Fabriques"), ordering="fabrique_count")
    def fabriques(self, obj):
        return obj.fabrique_count


class ContactInline(admin.TabularInline):
    model = ParticipationContact
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "function", "starts_on", "ends_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class WorkingGroupInline(admin.TabularInline):
    model = WorkingGroupMember
    extra = 0
    fields = [
        "first_name",
        "last_name",
        "organisation",
        "college",
        "email",
        "phone",
        "joined_on",
        "left_on",
    ]


class LocalSeminarInline(admin.TabularInline):
    model = Seminar
    verbose_name = _("séminaire local")
    verbose_name_plural = _("journée d'immersion et séminaires locaux")
    extra = 0
    fields = ["kind", "number", "theme", "window_start", "window_end", "starts_at", "status"]
    show_change_link = True

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [
                (SeminarKind.IMMERSION, SeminarKind.IMMERSION.label),
                (SeminarKind.LOCAL, SeminarKind.LOCAL.label),
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class RoadmapInline(admin.StackedInline):
    model = Roadmap
    extra = 0
    max_num = 1
    fields = ["status", "adopted_on", "vision"]
    readonly_fields = ["status", "adopted_on"]
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("participation__territory", "participation__fabrique")
        )


class WorkingGroupSizeFilter(admin.SimpleListFilter):
    title = _("groupe de travail")
    parameter_name = "groupe"

    def lookups(self, request, model_admin):
        return [("hors_cible", _("Hors de la cible de 15 à 20 membres"))]

    def queryset(self, request, queryset):
        if self.value() == "hors_cible":
            target = WORKING_GROUP_TARGET
            return queryset.exclude(group_size__range=(target.start, target.stop - 1))
        return queryset


@admin.register(Participation)
class ParticipationAdmin(SharedChoicesMixin, AuditedAdmin):
    list_display = [
        "territory",
        "fabrique",
        "status",
        "confirmed_on",
        "lead_consultant",
        "group_size",
    ]
    list_select_related = ["territory", "fabrique", "lead_consultant__user"]
    list_filter = [
        "status",
        "fabrique__edition",
        "territory__kind",
        "territory__departement__region",
        "territory__departement",
        WorkingGroupSizeFilter,
    ]
    search_fields = ["territory__name", "fabrique__title", "fabrique__short_title"]
    autocomplete_fields = ["fabrique", "territory"]
    fields = [
        "fabrique",
        "territory",
        "status",
        "proposed_on",
        "confirmed_on",
        "withdrawn_on",
        "withdrawal_reason",
        "lead_consultant",
    ]
    readonly_fields = ["status", "confirmed_on", "withdrawn_on", "withdrawal_reason"]
    inlines = [ContactInline, WorkingGroupInline, LocalSeminarInline, RoadmapInline]
    actions = ["confirm", "withdraw"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                group_size=Count("working_group", filter=Q(working_group__left_on__isnull=True))
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_consultant":
            # The consultants of the participation's Fabrique only.
            kwargs["queryset"] = TeamMember.objects.select_related("user").filter(
                contract__fabrique__participations=request.resolver_match.kwargs.get("object_id")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("groupe de travail"), ordering="group_size")
    def group_size(self, obj):
        return obj.group_size

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            participation = self.get_object(request, object_id)
            if participation is not None:
                for warning in participation_warnings(participation):
                    self.message_user(request, warning, "warning")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Confirmer (planifie l'immersion et les séminaires locaux)"))
    def confirm(self, request, queryset):
        run_service_on_rows(
            self,
            request,
            queryset,
            lambda p: participation_confirm(participation=p, by=request.user),
            _("%(count)d participation(s) confirmée(s), séminaires planifiés."),
        )

    @admin.action(description=_("Retirer de la Fabrique (annule les séminaires à venir)"))
    def withdraw(self, request, queryset):
        today = timezone.localdate()
        run_service_on_rows(
            self,
            request,
            queryset,
            lambda p: participation_withdraw(participation=p, on=today, by=request.user),
            _("%(count)d participation(s) retirée(s), séminaires à venir annulés."),
        )


@admin.register(ParticipationContact)
class ParticipationContactAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "function", "participation", "starts_on", "ends_on"]
    list_select_related = ["user", "participation__territory", "participation__fabrique"]
    list_filter = ["role", "participation__fabrique__edition"]
    search_fields = ["user__email", "user__last_name", "participation__territory__name"]
    autocomplete_fields = ["participation", "user"]


@admin.register(WorkingGroupMember)
class WorkingGroupMemberAdmin(AuditedAdmin):
    list_display = ["__str__", "organisation", "college", "participation", "joined_on", "left_on"]
    list_select_related = ["participation__territory", "participation__fabrique"]
    list_filter = ["college", "participation__fabrique__edition"]
    search_fields = ["first_name", "last_name", "organisation", "participation__territory__name"]
    autocomplete_fields = ["participation"]
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.action(description=_("Exporter ses données personnelles (JSON)"))
    def export_personal_data(self, request, queryset):
        return personal_data_download(
            self, request, queryset, working_group_member_json, "membre-groupe-de-travail"
        )

    @admin.action(description=_("Effacer (anonymiser) à la demande de la personne"))
    def erase_personal_data(self, request, queryset):
        count = working_group_members_anonymise(
            members=queryset.filter(anonymised_on__isnull=True), today=timezone.localdate()
        )
        self.message_user(
            request,
            ngettext("%(count)d membre anonymisé.", "%(count)d membres anonymisés.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(AnctDelegate)
class AnctDelegateAdmin(admin.ModelAdmin):
    list_display = ["full_name", "role", "title", "departement", "email", "phone"]
    list_select_related = ["departement"]
    list_filter = ["role", "departement__region"]
    search_fields = ["full_name", "email", "title", "departement__code", "departement__name"]
    autocomplete_fields = ["departement"]
