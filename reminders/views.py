from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import ReminderPreferenceForm
from .services import reminder_preference_set


@login_required
@require_POST
def preference(request):
    """The reminders section of "Mon compte": as they come, or one e-mail a day."""
    form = ReminderPreferenceForm(request.POST)
    if form.is_valid():
        reminder_preference_set(user=request.user, frequency=form.cleaned_data["frequency"])
        messages.success(request, _("Votre préférence de rappels est enregistrée."))
    else:
        messages.error(request, _("Choisissez comment recevoir vos rappels."))
    return redirect("accounts:account")
