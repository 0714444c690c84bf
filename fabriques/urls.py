from django.urls import path

from . import views

app_name = "fabriques"

urlpatterns = [
    path("prestataire/", views.prestataire_space, name="prestataire_space"),
    path(
        "prestataire/fabriques/<int:pk>/",
        views.prestataire_fabrique,
        name="prestataire_fabrique",
    ),
    path("copil/", views.copil_space, name="copil_space"),
    path("copil/fabriques/<int:pk>/", views.copil_fabrique, name="copil_fabrique"),
    path("anct/", views.dashboard, name="dashboard"),
]
