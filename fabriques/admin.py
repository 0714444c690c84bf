from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_update_with_history

from config.admin_mixins import AuditedAdmin, SharedChoicesMixin, run_service_on_rows
from seminars.models import Seminar, SeminarKind
from territories.models import Participation
from territories.services import participation_confirm

from .checks import fabrique_warnings
from .models import (
    CopilMeeting,
    CopilMember,
    Fabrique,
    Organisation,
    Partnership,
    PrestataireContract,
    TeamMember,
    Transition,
)
from .public_cache import bump_public_version
from .services import fabrique_create, fabrique_update


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "acronym"]


class PartnershipInline(SharedChoicesMixin, admin.TabularInline):
    model = Partnership
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")


class CopilMemberInline(SharedChoicesMixin, admin.TabularInline):
    model = CopilMember
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["organisation", "user", "function", "starts_on", "ends_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organisation", "fabrique")


class CopilMeetingInline(admin.StackedInline):
    model = CopilMeeting
    extra = 0
    fields = [("kind", "date"), "agenda", "decisions", "minutes"]


class ContractInline(SharedChoicesMixin, admin.StackedInline):
    model = PrestataireContract
    extra = 0
    max_num = 1
    fields = [("prestataire", "reference"), ("notified_on", "amount_eur", "anct_share_percent")]
    show_change_link = True


class ParticipationInline(SharedChoicesMixin, admin.TabularInline):
    model = Participation
    extra = 0
    fields = ["territory", "status", "proposed_on", "confirmed_on", "lead_consultant"]
    # Status changes go through the services (admin actions on participations),
    # which plan or cancel seminars; the inline only proposes territories.
    readonly_fields = ["status", "confirmed_on"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("territory", "fabrique")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_consultant":
            # The consultants of this Fabrique's prestataire only.
            kwargs["queryset"] = TeamMember.objects.select_related("user").filter(
                contract__fabrique_id=request.resolver_match.kwargs.get("object_id")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class IntersiteSeminarInline(admin.TabularInline):
    model = Seminar
    verbose_name = _("séminaire intersite")
    verbose_name_plural = _("séminaires intersites")
    extra = 0
    fields = ["number", "theme", "window_start", "window_end", "starts_at", "place", "status"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=SeminarKind.INTERSITE)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class IntersiteForm(formset.form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.instance.kind = SeminarKind.INTERSITE

        formset.form = IntersiteForm
        return formset


@admin.register(Fabrique)
class FabriqueAdmin(AuditedAdmin):
    list_display = [
        "display_title",
        "edition",
        "status",
        "start_date",
        "end_date",
        "confirmed_territories",
        "is_public",
    ]
    list_filter = ["edition", "status", "transitions", "anct_programme", "is_public"]
    search_fields = ["title", "short_title", "objective"]
    prepopulated_fields = {"slug": ["edition", "short_title"]}
    readonly_fields = ["calendar"]
    date_hierarchy = "start_date"
    fieldsets = [
        (None, {"fields": ["title", "short_title", "slug", "edition", "transitions", "objective"]}),
        (_("Pilotage"), {"fields": ["anct_programme", "status", "is_public"]}),
        (
            _("Calendrier"),
            {
                "fields": [
                    ("start_date", "end_date", "follow_up_due_date"),
                    "seminar_template",
                    "note_due_days",
                    "calendar",
                ],
                "description": _(
                    "À la création, les séminaires intersites sont planifiés d'après le parcours "
                    "choisi (le parcours par défaut si vide)."
                ),
            },
        ),
    ]
    inlines = [
        PartnershipInline,
        ContractInline,
        CopilMemberInline,
        CopilMeetingInline,
        ParticipationInline,
        IntersiteSeminarInline,
    ]
    actions = ["confirm_proposed_territories", "make_public", "make_private"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["widgets"] = {
            "title": forms.Textarea(attrs={"rows": 2, "cols": 90}),
            # Four transitions: checkboxes, rather than filter_horizontal, whose
            # script gives a <span> an aria-label (axe: aria-prohibited-attr).
            "transitions": forms.CheckboxSelectMultiple,
        }
        return super().get_form(request, obj, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=Count(
                    "participations",
                    filter=Q(participations__status=Participation.Status.CONFIRMED),
                )
            )
        )

    @admin.display(description=_("titre"), ordering="title")
    def display_title(self, obj):
        return obj.display_title

    @admin.display(description=_("territoires confirmés"), ordering="confirmed_count")
    def confirmed_territories(self, obj):
        return obj.confirmed_count

    @admin.display(description=_("calendrier de l'année"))
    def calendar(self, obj):
        if obj.pk is None:
            return _("Les séminaires intersites seront planifiés à l'enregistrement.")
        count = obj.seminars.count()
        if not count:
            return _("Aucun séminaire planifié.")
        path = reverse("admin:seminars_seminar_changelist")
        return format_html(
            '<a href="{}?fabrique__id__exact={}">{}</a>',
            path,
            obj.pk,
            ngettext("Voir le séminaire planifié", "Voir les %(count)d séminaires planifiés", count)
            % {"count": count},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            fabrique = self.get_object(request, object_id)
            if fabrique is not None:
                for warning in fabrique_warnings(fabrique):
                    self.message_user(request, warning, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            fabrique_create(fabrique=obj, by=request.user)
            return
        moved = fabrique_update(fabrique=obj, changed_fields=form.changed_data, by=request.user)
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d séminaire sans date fixée a été replacé dans la nouvelle année.",
                    "%(count)d séminaires sans date fixée ont été replacés dans la nouvelle année.",
                    moved,
                )
                % {"count": moved},
            )

    @admin.action(description=_("Confirmer les territoires proposés (planifie leurs séminaires)"))
    def confirm_proposed_territories(self, request, queryset):
        proposed = Participation.objects.filter(
            fabrique__in=queryset, status=Participation.Status.PROPOSED
        ).select_related("territory")
        run_service_on_rows(
            self,
            request,
            proposed,
            lambda p: participation_confirm(participation=p, by=request.user),
            _("%(count)d participation(s) confirmée(s), séminaires planifiés."),
        )

    def _set_public(self, queryset, is_public: bool) -> int:
        fabriques = list(queryset.exclude(is_public=is_public))
        for fabrique in fabriques:
            fabrique.is_public = is_public
        # In bulk, and each one in the audit trail.
        bulk_update_with_history(fabriques, Fabrique, ["is_public"])
        bump_public_version()  # a bulk update sends no save signal
        return len(fabriques)

    @admin.action(description=_("Publier dans le catalogue"))
    def make_public(self, request, queryset):
        updated = self._set_public(queryset, True)
        self.message_user(request, _("%(count)d Fabrique(s) publiée(s).") % {"count": updated})

    @admin.action(description=_("Retirer du catalogue"))
    def make_private(self, request, queryset):
        updated = self._set_public(queryset, False)
        self.message_user(request, _("%(count)d Fabrique(s) retirée(s).") % {"count": updated})


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["organisation", "fabrique", "role"]
    list_filter = ["role", "fabrique__edition", "organisation__kind"]
    list_select_related = ["organisation", "fabrique"]
    search_fields = ["organisation__name", "organisation__acronym", "fabrique__title"]
    autocomplete_fields = ["fabrique", "organisation"]


class TeamMemberInline(SharedChoicesMixin, admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "starts_on", "ends_on", "led_territories"]
    readonly_fields = ["led_territories"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related("led_participations__territory")
        )

    @admin.display(description=_("territoires pilotés"))
    def led_territories(self, obj):
        return ", ".join(str(p.territory) for p in obj.led_participations.all()) or "—"


@admin.register(PrestataireContract)
class PrestataireContractAdmin(admin.ModelAdmin):
    list_display = ["fabrique", "prestataire", "reference", "notified_on", "amount_eur"]
    list_select_related = ["fabrique", "prestataire"]
    list_filter = ["fabrique__edition", "prestataire"]
    search_fields = ["reference", "prestataire__name", "fabrique__title"]
    autocomplete_fields = ["fabrique", "prestataire"]
    inlines = [TeamMemberInline]


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "contract", "starts_on", "ends_on"]
    list_select_related = ["user", "contract__prestataire", "contract__fabrique"]
    list_filter = ["role", "contract__fabrique__edition"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["contract", "user"]


@admin.register(CopilMember)
class CopilMemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "fabrique", "organisation", "function", "starts_on", "ends_on"]
    list_select_related = ["user", "organisation", "fabrique"]
    list_filter = ["fabrique__edition", "organisation__kind"]
    search_fields = ["user__email", "user__last_name", "organisation__name", "fabrique__title"]
    autocomplete_fields = ["fabrique", "organisation", "user"]


@admin.register(CopilMeeting)
class CopilMeetingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "fabrique", "date", "kind"]
    list_select_related = ["fabrique"]
    list_filter = ["kind", "fabrique__edition"]
    search_fields = ["fabrique__title", "agenda", "decisions"]
    autocomplete_fields = ["fabrique"]
    date_hierarchy = "date"
