from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from .models import TransversalNote


class TransversalNoteForm(DsfrBaseForm):
    """A transversal note: its text in Markdown, or an uploaded document, or
    both. Parsing only: the file's real checks (content, size, archive
    limits) and the "text or file" rule are the service's."""

    kind = forms.ChoiceField(label=_("Type de note"), choices=TransversalNote.Kind.choices)
    title = forms.CharField(
        label=_("Titre"),
        max_length=TransversalNote._meta.get_field("title").max_length,
        required=False,
        help_text=_("Sans titre, la note prend le nom du fichier déposé."),
    )
    body = forms.CharField(
        label=_("Texte de la note (Markdown)"),
        required=False,
        help_text=_(
            "Titres avec #, listes avec -, gras avec **texte**, liens avec [texte](https://…). "
            "Le HTML n'est pas interprété."
        ),
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    file = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("Formats acceptés : PDF, DOCX, ODT. Taille maximale : 20 Mo."),
        error_messages={"empty": _("Le fichier est vide.")},
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.odt"}),
    )
    remove_file = forms.BooleanField(label=_("Retirer le document actuel"), required=False)

    def __init__(self, *args, note: TransversalNote | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.note = note
        if note is None or not note.file:
            del self.fields["remove_file"]

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("file")) or (
            self.note is not None and bool(self.note.file) and not cleaned.get("remove_file")
        )
        if not (cleaned.get("body") or "").strip() and not has_file:
            raise ValidationError(
                _("Rédigez le texte de la note ou joignez un fichier PDF, DOCX ou ODT.")
            )
        if not (cleaned.get("title") or "").strip() and not cleaned.get("file"):
            self.add_error("title", _("Donnez un titre à la note."))
        return cleaned

    def add_service_error(self, error: ValidationError) -> None:
        fields = error.error_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, messages in fields.items():
            self.add_error(field if field in self.fields else None, messages)
