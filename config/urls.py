from django.contrib import admin
from django.urls import include, path

from accounts.views import home_page

admin.site.site_header = "Fabriques Prospectives — back-office de l'ANCT"
admin.site.site_title = "Fabriques Prospectives"
admin.site.index_title = "Pilotage des Fabriques"

urlpatterns = [
    path("", home_page, name="home"),
    path("admin/", admin.site.urls),
    path("compte/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("accounts.invitation_urls")),
    path("", include("territories.urls")),
    path("", include("fabriques.urls")),
    path("", include("seminars.urls")),
]
