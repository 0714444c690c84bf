"""Admin building blocks shared by the apps' back-office pages."""

from django import forms
from django.contrib import messages
from django.core.exceptions import EmptyResultSet, ValidationError
from django.forms.models import ModelChoiceIterator
from simple_history.admin import SimpleHistoryAdmin


class SharedChoiceIterator(ModelChoiceIterator):
    """Options of one queryset, evaluated once and kept in a cache that all
    copies of the field share (keyed by the SQL, since the admin narrows
    querysets per form with limit_choices_to)."""

    def __init__(self, field, cache):
        super().__init__(field)
        self.cache = cache

    def __iter__(self):
        try:
            key = str(self.queryset.query)
        except EmptyResultSet:
            key = None
        if key not in self.cache:
            self.cache[key] = list(super().__iter__())
        yield from self.cache[key]

    def __len__(self):
        return len(list(iter(self)))

    def __bool__(self):
        return len(self) > 0


class SharedChoicesModelChoiceField(forms.ModelChoiceField):
    """A <select> whose options are queried once per page, however many forms.

    Every row of an inline deep-copies its form fields, and a plain
    ModelChoiceField re-runs its queryset for each copy: one query per row.
    Copies of this field share one cache of evaluated options (a shallow
    copy keeps the reference).
    """

    def _get_choices(self):
        if not hasattr(self, "_shared_cache"):
            self._shared_cache = {}
        return SharedChoiceIterator(self, self._shared_cache)

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


class SharedChoicesMixin:
    """Use SharedChoicesModelChoiceField for every plain foreign-key <select>
    (autocomplete and raw-id fields keep their own widgets)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if (
            db_field.name not in self.autocomplete_fields
            and db_field.name not in self.raw_id_fields
        ):
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


class AuditedAdmin(SimpleHistoryAdmin):
    """An admin whose «Historique» page is the audit trail: every change with
    its author, date and the fields it changed (old → new), read-only (revert
    is disabled in settings). The list template is the portal's own: the
    library's carries an inline style that the Content Security Policy refuses,
    and names each row's object, one query per row for the same object."""

    object_history_list_template = "admin/audit_history_list.html"
    history_list_per_page = 50
