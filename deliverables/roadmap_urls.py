from django.urls import path

from . import roadmap_views as views

# pk is the participation's: a territory has one roadmap per Fabrique.
urlpatterns = [
    path("feuille-de-route/<int:pk>/", views.roadmap, name="roadmap"),
    path("feuille-de-route/<int:pk>/textes/", views.sections, name="roadmap_sections"),
    path("feuille-de-route/<int:pk>/axes/ajouter/", views.axis_add, name="roadmap_axis_add"),
    path(
        "feuille-de-route/<int:pk>/axes/<int:axis_pk>/modifier/",
        views.axis_edit,
        name="roadmap_axis_edit",
    ),
    path(
        "feuille-de-route/<int:pk>/axes/<int:axis_pk>/supprimer/",
        views.axis_delete,
        name="roadmap_axis_delete",
    ),
    path("feuille-de-route/<int:pk>/actions/ajouter/", views.action_add, name="roadmap_action_add"),
    path(
        "feuille-de-route/<int:pk>/actions/<int:action_pk>/modifier/",
        views.action_edit,
        name="roadmap_action_edit",
    ),
    path(
        "feuille-de-route/<int:pk>/actions/<int:action_pk>/supprimer/",
        views.action_delete,
        name="roadmap_action_delete",
    ),
    path("feuille-de-route/<int:pk>/ordre/", views.reorder, name="roadmap_reorder"),
    path("feuille-de-route/<int:pk>/soumettre/", views.submit, name="roadmap_submit"),
    path("feuille-de-route/<int:pk>/adopter/", views.adopt, name="roadmap_adopt"),
    path("feuille-de-route/<int:pk>/versions/", views.versions, name="roadmap_versions"),
    path(
        "feuille-de-route/<int:pk>/versions/<int:number>/",
        views.version,
        name="roadmap_version",
    ),
    path(
        "feuille-de-route/<int:pk>/versions/<int:number>/deliberation/",
        views.deliberation_download,
        name="roadmap_deliberation_download",
    ),
]
