from django.urls import path

from accounts.views import home_page

# Public pages (no login): the home page, the catalogue, Fabrique pages.
urlpatterns = [
    path("", home_page, name="home"),
]
