from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from dsfr.models import DsfrConfig

from .forms import AdminUserCreationForm, UserChangeForm
from .invitations import invitation_resend, invitation_revoke
from .models import Invitation, User
from .personal_data import personal_data_json, user_erase


def personal_data_download(model_admin, request, queryset, to_json, file_prefix):
    """The RGPD export of the one person selected in a changelist, as a JSON
    download (``to_json(person)``); more than one is refused."""
    if queryset.count() != 1:
        model_admin.message_user(
            request, _("Choisissez une seule personne à exporter."), messages.ERROR
        )
        return None
    person = queryset.get()
    response = HttpResponse(to_json(person), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_prefix}-{person.pk}.json"'
    return response


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = AdminUserCreationForm
    ordering = ["last_name", "first_name", "email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name", "phone"]}),
        (
            _("Droits"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        )
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.action(description=_("Exporter ses données personnelles (JSON)"))
    def export_personal_data(self, request, queryset):
        return personal_data_download(self, request, queryset, personal_data_json, "donnees")

    @admin.action(description=_("Effacer (anonymiser) à la demande de la personne"))
    def erase_personal_data(self, request, queryset):
        erased = 0
        for user in queryset.exclude(pk=request.user.pk).exclude(is_superuser=True):
            user_erase(user=user)
            erased += 1
        self.message_user(
            request,
            ngettext("%(count)d personne anonymisée.", "%(count)d personnes anonymisées.", erased)
            % {"count": erased},
            messages.SUCCESS,
        )

    def get_readonly_fields(self, request, obj=None):
        # Staff may manage people, but only a superuser grants rights, so a
        # staff account cannot raise itself (or anyone) to superuser.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly


# The portal's identity is fixed in accounts.context_processors, not edited live.
admin.site.unregister(DsfrConfig)

# The back-office login is allauth's, so it is rate-limited and asks for the second factor.
admin.site.login = secure_admin_login(admin.site.login)


class InvitationStatusFilter(admin.SimpleListFilter):
    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return Invitation.Status.choices

    def queryset(self, request, queryset):
        return queryset.with_status(self.value()) if self.value() else queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are created from the staff page (which sends the e-mail);
    here they are looked up, resent or revoked, never edited: a change would
    not reach the link already e-mailed."""

    change_list_template = "accounts/invitations/admin_change_list.html"
    list_display = ["email", "kind", "scope", "status", "expires_at", "created_at"]
    list_filter = [InvitationStatusFilter, "kind", "fabrique__edition"]
    search_fields = [
        "email",
        "first_name",
        "last_name",
        "fabrique__title",
        "participation__territory__name",
        "participation__fabrique__title",
    ]
    list_select_related = [
        "fabrique",
        "participation__territory",
        "participation__fabrique",
        "organisation",
    ]
    date_hierarchy = "created_at"
    actions = ["resend", "revoke"]
    fields = [
        "email",
        "first_name",
        "last_name",
        "kind",
        "fabrique",
        "participation",
        "organisation",
        "team_role",
        "function",
        "starts_on",
        "status",
        "invited_by",
        "created_at",
        "sent_at",
        "send_count",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("périmètre"))
    def scope(self, invitation):
        return invitation.scope_label

    @admin.display(description=_("statut"))
    def status(self, invitation):
        return invitation.status_label

    def _apply(self, request, queryset, service, done_message):
        done = 0
        for invitation in queryset:
            try:
                service(invitation)
            except ValidationError as error:
                messages.error(request, f"{invitation.email} : {' '.join(error.messages)}")
            else:
                done += 1
        if done:
            messages.success(request, done_message(done))

    @admin.action(description=_("Renvoyer (nouveau lien, valable 7 jours)"), permissions=["change"])
    def resend(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda invitation: invitation_resend(
                invitation=invitation, by=request.user, request=request
            ),
            lambda n: (
                ngettext("%(n)d invitation renvoyée.", "%(n)d invitations renvoyées.", n) % {"n": n}
            ),
        )

    @admin.action(description=_("Révoquer"), permissions=["change"])
    def revoke(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda invitation: invitation_revoke(invitation=invitation, by=request.user),
            lambda n: (
                ngettext("%(n)d invitation révoquée.", "%(n)d invitations révoquées.", n) % {"n": n}
            ),
        )
