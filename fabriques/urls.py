from django.urls import path

from . import views

app_name = "fabriques"

urlpatterns = [
    path("prestataire/", views.prestataire_space, name="prestataire_space"),
    path("copil/", views.copil_space, name="copil_space"),
    path("anct/", views.dashboard, name="dashboard"),
]
