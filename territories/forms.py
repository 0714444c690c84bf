from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import WorkingGroupMember
from .services import WORKING_GROUP_MEMBER_FIELDS


class WorkingGroupMemberForm(DsfrBaseForm, forms.ModelForm):
    """A member's details, as the référents type them (adding or correcting)."""

    # django-dsfr's templates first: with "django.forms" listed before "dsfr" in
    # INSTALLED_APPS, the project-wide renderer picks Django's plain error list.

    class Meta:
        model = WorkingGroupMember
        fields = WORKING_GROUP_MEMBER_FIELDS
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "organisation": _("Service, entreprise, association… à laquelle le membre appartient."),
            "joined_on": _("Par défaut : aujourd'hui."),
        }
