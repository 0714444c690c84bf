from django.urls import path

from . import views

app_name = "seminars"

urlpatterns = [
    path("seminaires/<int:pk>/programmer/", views.schedule, name="schedule"),
    path("notes/<int:pk>/telecharger/", views.note_download, name="note_download"),
]
