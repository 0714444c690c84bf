from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Fabriques Prospectives — back-office de l'ANCT"
admin.site.site_title = "Fabriques Prospectives"
admin.site.index_title = "Pilotage des Fabriques"

urlpatterns = [
    path("", include("fabriques.public_urls")),
    path("", include("territories.public_urls")),
    path("", include("config.legal_urls")),
    path("admin/", admin.site.urls),
    path("compte/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("accounts.invitation_urls")),
    path("", include("territories.urls")),
    path("", include("fabriques.urls")),
    path("", include("seminars.urls")),
    path("", include("deliverables.urls")),
    path("", include("reminders.urls")),
]
