"""Forms of the roadmap pages: they parse what is typed; writes are the
services' (``deliverables.services.roadmaps``)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import Action, Axis, Roadmap
from .services.roadmaps import ACTION_FIELDS, ROADMAP_SECTION_FIELDS

# django-dsfr's form classes come first: with "django.forms" listed before
# "dsfr" in INSTALLED_APPS, the project-wide renderer picks Django's plain
# error list.

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceErrorsMixin:
    """Show a service's ValidationError next to the field it names."""

    SERVICE_FIELDS: dict[str, str] = {}

    def add_service_error(self, error: ValidationError) -> None:
        fields = error.error_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, messages in fields.items():
            name = self.SERVICE_FIELDS.get(field, field)
            self.add_error(name if name in self.fields else None, messages)


class RoadmapSectionsForm(ServiceErrorsMixin, DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Roadmap
        fields = ROADMAP_SECTION_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in ROADMAP_SECTION_FIELDS}
        help_texts = {
            "vision": _("Le territoire que vous voulez devenir, à l'horizon de la démarche."),
            "synthesis": _("Ce que les séminaires ont fait ressortir."),
            "governance": _("Qui pilote la feuille de route, et comment."),
            "partnerships": _("Les partenaires mobilisés pour la mettre en œuvre."),
        }


class AxisForm(ServiceErrorsMixin, DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Axis
        fields = ["title"]
        labels = {"title": _("Intitulé de l'axe")}
        error_messages = {"title": {"required": _("Donnez un intitulé à l'axe.")}}


class ActionForm(ServiceErrorsMixin, DsfrBaseForm, forms.ModelForm):
    """An action of the programme. ``roadmap`` may be None (nothing written
    yet): the action then has no axis to choose from."""

    class Meta:
        model = Action
        fields = ACTION_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "partners": forms.Textarea(attrs={"rows": 3}),
            "funding": forms.Textarea(attrs={"rows": 3}),
            "indicators": forms.Textarea(attrs={"rows": 3}),
            "starts_on": DATE_INPUT,
            "ends_on": DATE_INPUT,
        }
        error_messages = {"title": {"required": _("Donnez un intitulé à l'action.")}}

    def __init__(self, *args, roadmap: Roadmap | None, **kwargs):
        super().__init__(*args, **kwargs)
        axis = self.fields["axis"]
        axis.queryset = (
            Axis.objects.filter(roadmap=roadmap).order_by("position", "pk")
            if roadmap is not None and roadmap.pk
            else Axis.objects.none()
        )
        axis.empty_label = _("Hors axe")
        axis.error_messages["invalid_choice"] = _("Choisissez un axe de cette feuille de route.")
        budget = self.fields["budget_eur"]
        budget.widget.attrs["min"] = "0"
        budget.validators.append(_not_negative)
        self.fields["progress"].widget.attrs.update({"min": "0", "max": "100"})

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("La fin de l'action ne peut précéder son début."))
        return cleaned


def _not_negative(value):
    if value is not None and value < 0:
        raise ValidationError(_("Le budget ne peut être négatif."), code="min_value")


class RoadmapAdoptForm(ServiceErrorsMixin, DsfrBaseForm):
    """The élu records the adoption: its date and, if at hand, the council's
    decision. The file's real checks (content, size) are the service's."""

    SERVICE_FIELDS = {"file": "deliberation"}

    adopted_on = forms.DateField(
        label=_("Date d'adoption"),
        widget=DATE_INPUT,
        error_messages={"required": _("Indiquez la date d'adoption.")},
    )
    deliberation = forms.FileField(
        label=_("Délibération (facultatif)"),
        required=False,
        help_text=_("Formats acceptés : PDF, DOCX, ODT. Taille maximale : 20 Mo."),
        error_messages={"empty": _("Le fichier est vide.")},
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.odt"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"adopted_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ReorderForm(forms.Form):
    """One step up or down for an axis or an action (plain buttons)."""

    kind = forms.ChoiceField(choices=[("axis", "axis"), ("action", "action")])
    item = forms.IntegerField(min_value=1)
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
