from django.urls import path

from . import note_views

# Transversal notes of a Fabrique, in the prestataire, COPIL and ANCT spaces.
urlpatterns = [
    path(
        "fabriques/<int:pk>/notes-transversales/",
        note_views.transversal_notes,
        name="transversal_notes",
    ),
    path(
        "fabriques/<int:pk>/notes-transversales/nouvelle/",
        note_views.transversal_note_add,
        name="transversal_note_add",
    ),
    path("notes-transversales/<int:pk>/", note_views.transversal_note, name="transversal_note"),
    path(
        "notes-transversales/<int:pk>/modifier/",
        note_views.transversal_note_edit,
        name="transversal_note_edit",
    ),
    path(
        "notes-transversales/<int:pk>/document/",
        note_views.transversal_note_download,
        name="transversal_note_download",
    ),
    path(
        "notes-transversales/<int:pk>/publication/",
        note_views.transversal_note_publish,
        name="transversal_note_publish",
    ),
]
