from django.urls import include, path

from . import views

app_name = "seminars"

urlpatterns = [
    path("seminaires/<int:pk>/programmer/", views.schedule, name="schedule"),
    path("notes/<int:pk>/telecharger/", views.note_download, name="note_download"),
    path("", include("seminars.note_urls")),
    path("", include("seminars.calendar_urls")),
    path("", include("seminars.attendance_urls")),
]
