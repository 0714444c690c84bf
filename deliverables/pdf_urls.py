from django.urls import path

from . import pdf_views

urlpatterns = [
    path(
        "feuille-de-route/<int:pk>/pdf/",
        pdf_views.roadmap_pdf_request_view,
        name="roadmap_pdf_request",
    ),
    path("pdf/<uuid:token>/etat/", pdf_views.pdf_status, name="pdf_status"),
    path("pdf/<uuid:token>/relancer/", pdf_views.pdf_retry_view, name="pdf_retry"),
    path("pdf/<uuid:token>/telecharger/", pdf_views.pdf_download, name="pdf_download"),
    path("pdf/<uuid:token>/publication/", pdf_views.pdf_publish_view, name="pdf_publish"),
    path("fabriques/<int:pk>/resultats/", pdf_views.fabrique_results, name="fabrique_results"),
]
