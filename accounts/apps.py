from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _refresh_anct_staff_group(sender, **kwargs):
    # Permissions exist only after migrate has created them, hence post_migrate.
    from .roles import anct_staff_group_ensure

    anct_staff_group_ensure()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes")

    def ready(self):
        post_migrate.connect(_refresh_anct_staff_group, sender=self)
        from . import security_log

        security_log.connect()
