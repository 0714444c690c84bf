"""The pages a French public website must link from every page's footer."""

from django.conf import settings
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

app_name = "legal"


def _page(template: str, title):
    return TemplateView.as_view(
        template_name=f"legal/{template}.html",
        extra_context={
            "title": title,
            "breadcrumb_data": {"links": [{"url": "/", "title": _("Accueil")}], "current": title},
            "legal_host": settings.LEGAL_HOST,
        },
    )


urlpatterns = [
    path("mentions-legales/", _page("legal_notice", _("Mentions légales")), name="legal_notice"),
    path(
        "donnees-personnelles/",
        _page("personal_data", _("Données personnelles")),
        name="personal_data",
    ),
    path(
        "accessibilite/",
        _page("accessibility", _("Déclaration d'accessibilité")),
        name="accessibility",
    ),
    path("plan-du-site/", _page("sitemap", _("Plan du site")), name="sitemap"),
]
