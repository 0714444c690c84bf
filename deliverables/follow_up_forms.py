from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import Action

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActionStatusForm(DsfrBaseForm):
    """One click on a status button of one action, with an optional note."""

    action = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Statut"), choices=Action.Status.choices)
    progress = forms.IntegerField(
        label=_("Avancement (%)"), required=False, min_value=0, max_value=100
    )
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FollowUpForm(DsfrBaseForm):
    """The follow-up meeting and showcase event, set by ANCT."""

    meeting_on = forms.DateField(
        label=_("Date de la réunion de suivi"), required=False, widget=DATE_INPUT
    )
    showcase_on = forms.DateField(
        label=_("Date de l'événement de valorisation"), required=False, widget=DATE_INPUT
    )
    meeting_notes = forms.CharField(
        label=_("Compte rendu de la réunion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    showcase_notes = forms.CharField(
        label=_("Notes sur l'événement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
