from django.urls import path

from . import public_views

# Public pages (no login): territory pages, the map and the open data.
urlpatterns = [
    path("carte/", public_views.territory_map, name="map"),
    path("territoires/<int:pk>/", public_views.territory_detail, name="territory_detail"),
    path("donnees/", public_views.opendata_page, name="opendata"),
    path(
        "donnees/fabriques.csv",
        public_views.opendata_catalogue_csv,
        name="opendata_catalogue_csv",
    ),
    path(
        "donnees/fabriques.json",
        public_views.opendata_catalogue_json,
        name="opendata_catalogue_json",
    ),
    path("donnees/schema.json", public_views.opendata_schema, name="opendata_schema"),
]
