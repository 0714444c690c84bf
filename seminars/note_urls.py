from django.urls import path

from . import note_views

urlpatterns = [
    path("seminaires/<int:pk>/notes/", note_views.notes, name="notes"),
    path("notes/<int:pk>/soumettre/", note_views.submit, name="note_submit"),
    path("anct/notes/", note_views.review_list, name="notes_review"),
    path("anct/notes/<int:pk>/", note_views.review, name="note_review"),
]
