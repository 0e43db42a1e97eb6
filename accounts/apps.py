from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _setup_roles_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    """Create the role groups once every app's permissions exist.

    ``post_migrate`` is sent once per app; Django creates each app's permissions in its own
    handler, so the permissions of every app are created here first, then the roles.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from .roles import roles_setup

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    roles_setup()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers

        # Sent once per app: the last app's signal is the one where everything exists.
        post_migrate.connect(_setup_roles_after_migrate, sender=self, dispatch_uid="accounts_setup_roles")
