"""Admin building blocks shared by the apps' back-office pages."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator


class SharedChoicesModelChoiceField(forms.ModelChoiceField):
    """A <select> whose options are queried once per page, however many forms.

    Every row of an inline deep-copies its form fields, and a plain
    ModelChoiceField re-runs its queryset for each copy: one query per row.
    The copies made from one field share this field's evaluated choices.
    """

    def __init__(self, *args, **kwargs):
        self._shared = {}
        super().__init__(*args, **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._shared = self._shared
        result.widget.choices = result.choices
        return result

    def _get_choices(self):
        if "choices" not in self._shared:
            self._shared["choices"] = list(ModelChoiceIterator(self))
        return self._shared["choices"]

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


class SharedChoicesMixin:
    """Use SharedChoicesModelChoiceField for every plain foreign-key <select>
    (autocomplete and raw-id fields keep their own widgets)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name not in self.autocomplete_fields and db_field.name not in self.raw_id_fields:
            kwargs.setdefault("form_class", SharedChoicesModelChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def run_service_on_rows(modeladmin, request, rows, call, success_message):
    """Admin actions call a service per selected row; a refusal (ValidationError)
    is shown in French and does not stop the other rows."""
    done = 0
    for row in rows:
        try:
            call(row)
        except ValidationError as error:
            for message in error.messages:
                modeladmin.message_user(request, message, messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, success_message % {"count": done}, messages.SUCCESS)
