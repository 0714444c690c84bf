from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("mon-compte/rappels/", views.preference, name="preference"),
]
