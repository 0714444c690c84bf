from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FabriquesConfig(AppConfig):
    name = "fabriques"
    verbose_name = _("Fabriques")

    def ready(self):
        # Public fragments are recomputed as soon as the data they show changes.
        from .public_cache import connect_signals

        connect_signals()
