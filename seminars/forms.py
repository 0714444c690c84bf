from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import Seminar


class SeminarScheduleForm(DsfrBaseForm):
    """Date, times and practical details of a seminar. Parsing only: the rules
    (within the Fabrique's year, link for a remote seminar...) are the service's."""

    # django-dsfr's templates first: with "django.forms" listed before "dsfr" in
    # INSTALLED_APPS, the project-wide renderer picks Django's plain error list.

    # Where the service's errors (named after the model) show on this form.
    SERVICE_FIELDS = {"starts_at": "day", "ends_at": "end_time"}

    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Heure de fin"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=Seminar.Format.choices, widget=forms.RadioSelect
    )
    place = forms.CharField(
        label=_("Lieu"),
        required=False,
        max_length=300,
        help_text=_("Salle et adresse, pour un séminaire en présentiel ou hybride."),
    )
    meeting_url = forms.URLField(
        label=_("Lien de la réunion à distance"),
        required=False,
        max_length=200,
        help_text=_("Obligatoire pour un séminaire à distance ou hybride."),
    )
    agenda = forms.CharField(
        label=_("Ordre du jour"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    @classmethod
    def initial_for(cls, seminar: Seminar) -> dict:
        initial = {
            "format": seminar.format,
            "place": seminar.place,
            "meeting_url": seminar.meeting_url,
            "agenda": seminar.agenda,
        }
        if seminar.starts_at:
            starts_at = timezone.localtime(seminar.starts_at)
            initial |= {"day": starts_at.date(), "start_time": starts_at.time()}
        if seminar.ends_at:
            initial["end_time"] = timezone.localtime(seminar.ends_at).time()
        return initial

    def schedule_arguments(self) -> dict:
        """The keyword arguments of ``seminar_schedule`` (times in Paris time)."""
        data = self.cleaned_data
        return {
            "starts_at": timezone.make_aware(datetime.combine(data["day"], data["start_time"])),
            "ends_at": timezone.make_aware(datetime.combine(data["day"], data["end_time"])),
            "place": data["place"],
            "format": data["format"],
            "meeting_url": data["meeting_url"],
            "agenda": data["agenda"],
        }

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.error_dict.items():
            name = self.SERVICE_FIELDS.get(field, field)
            self.add_error(name if name in self.fields else None, messages)


class NoteUploadForm(DsfrBaseForm):
    """A new version of a seminar's note. The file's real checks (content,
    size, archive limits) are the service's: this form only parses."""

    file = forms.FileField(
        label=_("Fichier de la note"),
        help_text=_("Formats acceptés : PDF, DOCX, ODT. Taille maximale : 20 Mo."),
        error_messages={
            "required": _("Choisissez le fichier de la note."),
            "empty": _("Le fichier est vide."),
        },
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.odt"}),
    )
    summary = forms.CharField(
        label=_("Résumé"),
        max_length=1000,
        help_text=_("Quelques lignes : ce que la note retient du séminaire."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def add_service_error(self, error: ValidationError) -> None:
        fields = error.error_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, messages in fields.items():
            self.add_error(field if field in self.fields else None, messages)


class NoteReturnForm(DsfrBaseForm):
    """What ANCT asks the prestataire to change when sending a note back."""

    comment = forms.CharField(
        label=_("Commentaire pour le prestataire"),
        required=False,  # only sending back needs it; the service says so
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    add_service_error = NoteUploadForm.add_service_error
