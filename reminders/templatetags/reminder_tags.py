from django import template

from reminders.forms import ReminderPreferenceForm
from reminders.models import ReminderPreference

register = template.Library()


@register.inclusion_tag("reminders/preference_form.html", takes_context=True)
def reminder_preference_form(context):
    """The reminders form of the account page, filled with the user's choice."""
    user = context["request"].user
    preference = ReminderPreference.objects.filter(user=user).first()
    return {
        "form": ReminderPreferenceForm(instance=preference),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
