from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FabriquesConfig(AppConfig):
    name = "fabriques"
    verbose_name = _("Fabriques")
