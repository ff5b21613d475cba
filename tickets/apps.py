from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"
    verbose_name = _("Support desk")

    def ready(self):
        # Imported here, not at the top: a channel needs the models, which exist only once apps are loaded.
        from .channels import channel_register
        from .channels.email import EmailChannel
        from .search import register_sqlite_functions

        channel_register(EmailChannel())
        # Case-insensitive search in Cyrillic on SQLite (tickets.search).
        connection_created.connect(register_sqlite_functions, dispatch_uid="supportdesk_sqlite_functions")
