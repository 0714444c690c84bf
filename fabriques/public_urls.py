from django.urls import path

from . import public_views

# Public pages (no login): the home page, the catalogue, Fabrique pages.
urlpatterns = [
    path("", public_views.home, name="home"),
    path("fabriques/", public_views.catalogue, name="catalogue"),
    path("fabriques/<slug:slug>/", public_views.fabrique_detail, name="fabrique_detail"),
]
