from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from fabriques.models import Fabrique, Organisation
from territories.models import Participation

from .models import Invitation, User


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


# --- Invitations -----------------------------------------------------------------


class InvitationCreateForm(DsfrBaseForm, forms.ModelForm):
    """ANCT staff invite someone to one role; the scope fields that do not fit
    the chosen role are ignored, so switching role never blocks the form."""

    IRRELEVANT = {
        Invitation.Kind.PRESTATAIRE: ["participation", "organisation"],
        Invitation.Kind.COPIL: ["participation", "team_role"],
        Invitation.Kind.ELU: ["fabrique", "organisation", "team_role"],
        Invitation.Kind.AGENT: ["fabrique", "organisation", "team_role"],
    }

    class Meta:
        model = Invitation
        fields = [
            "email",
            "first_name",
            "last_name",
            "kind",
            "participation",
            "fabrique",
            "team_role",
            "organisation",
            "function",
            "starts_on",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        # Radio buttons: a role must be chosen, there is no "empty" one.
        self.fields["kind"].choices = Invitation.Kind.choices
        self.fields["participation"].queryset = (
            Participation.objects.exclude(status=Participation.Status.WITHDRAWN)
            .select_related("territory", "fabrique")
            .order_by("-fabrique__edition", "fabrique__title", "territory__name")
        )
        self.fields["participation"].label_from_instance = lambda p: (
            f"{p.territory.name} — {p.fabrique.display_title} ({p.fabrique.edition})"
        )
        self.fields["fabrique"].queryset = Fabrique.objects.order_by("-edition", "title")
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            kind=Organisation.Kind.PRESTATAIRE
        )

    def clean(self):
        cleaned_data = super().clean()
        for name in self.IRRELEVANT.get(cleaned_data.get("kind"), []):
            cleaned_data[name] = "" if name == "team_role" else None
        return cleaned_data


class InvitationStatusFilterForm(DsfrBaseForm):
    status = forms.ChoiceField(
        label=_("Statut"),
        choices=[("", _("Tous les statuts")), *Invitation.Status.choices],
        required=False,
    )


class InvitationAcceptForm(DsfrBaseForm):
    """A new person accepting an invitation: their name and a password, checked
    by the project's validators (length, likeness to their name and address,
    common passwords)."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 12 caractères, pas uniquement des chiffres."),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs):
        kwargs.setdefault(
            "initial", {"first_name": invitation.first_name, "last_name": invitation.last_name}
        )
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self):
        cleaned_data = super().clean()
        password1, password2 = cleaned_data.get("password1"), cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            owner = User(
                email=self.invitation.email,
                first_name=cleaned_data.get("first_name", ""),
                last_name=cleaned_data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, owner)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned_data


class HandoverForm(DsfrBaseForm):
    """A référent's successor and the day the role passes to them."""

    successor_email = forms.EmailField(
        label=_("Adresse e-mail de la personne qui succède"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    on = forms.DateField(
        label=_("Date de la passation"),
        help_text=_(
            "Premier jour de la personne qui succède ; le rôle actuel prend fin la veille."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ProfileForm(forms.ModelForm):
    """What a person edits about themselves; the e-mail has its own allauth page."""

    phone = forms.CharField(
        label=_("Téléphone"),
        required=False,
        max_length=30,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 .()-]{5,}$",
                _("Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."),
            )
        ],
        help_text=_("Format attendu : 06 12 34 56 78 ou +33 6 12 34 56 78"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Colleagues and ANCT staff must know who they are talking to.
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
