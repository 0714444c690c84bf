from django.urls import path

from . import public_views

# Public results of public Fabriques (no login).
urlpatterns = [
    path(
        "resultats/<uuid:token>.pdf",
        public_views.public_pdf_download,
        name="public_pdf_download",
    ),
    path(
        "resultats/notes/<int:pk>/",
        public_views.public_transversal_note,
        name="public_transversal_note",
    ),
    path(
        "resultats/notes/<int:pk>/document/",
        public_views.public_transversal_note_download,
        name="public_transversal_note_download",
    ),
]
