from django.urls import path

from . import attendance_views

urlpatterns = [
    path("seminaires/<int:pk>/participants/", attendance_views.attendance, name="attendance"),
    path(
        "seminaires/<int:pk>/emargement.pdf",
        attendance_views.sign_in_sheet,
        name="sign_in_sheet",
    ),
]
