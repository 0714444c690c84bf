from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """`manage.py backup` and `manage.py restore` (backups.services).

    No model: an app only so that Django finds the two management commands."""

    name = "backups"
    verbose_name = _("Sauvegardes")
