"""The portal's URLs and the bench's floor: an empty page on the base layout."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("__bench__/vide/", views.empty_page, name="bench_empty"),
    path("", include("config.urls")),
]
