from django.urls import path, re_path

from . import staff_views, views

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

# ANCT staff: the year view and the exports (fabriques/staff_views.py).
urlpatterns += [
    path("anct/annee/", staff_views.year_view_page, name="year_view"),
    re_path(
        r"^anct/exports/(?P<dataset>[a-z]+)\.(?P<extension>csv|xlsx)$",
        staff_views.staff_export,
        name="staff_export",
    ),
]
