from django.urls import include, path

app_name = "deliverables"

urlpatterns = [
    path("", include("deliverables.roadmap_urls")),
    path("", include("deliverables.pdf_urls")),
    path("", include("deliverables.note_urls")),
    path("", include("deliverables.public_urls")),
    path("", include("deliverables.follow_up_urls")),
]
