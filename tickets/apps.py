from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"
    verbose_name = _("Support desk")

    def ready(self):
        # Imported here, not at the top: a channel needs the models, which exist only once apps are loaded.
        from django_q.signals import post_spawn

        from .channels import channel_register
        from .channels.email import EmailChannel
        from .lease_watch import lease_watch_start
        from .search import register_sqlite_functions
        from .sinks import sink_register
        from .sinks.email import OperatorEmailSink

        channel_register(EmailChannel())
        sink_register(OperatorEmailSink())
        # An operator who logs out is off duty: no automatic assignments, no new-ticket notifications.
        user_logged_out.connect(_off_duty_on_logout, dispatch_uid="supportdesk_off_duty_on_logout")
        # Case-insensitive search in Cyrillic on SQLite (tickets.search).
        connection_created.connect(register_sqlite_functions, dispatch_uid="supportdesk_sqlite_functions")
        # Each classification worker re-queues a dead worker's ticket within seconds, and a lost task's within a minute
        # (tickets.lease_watch).
        post_spawn.connect(lease_watch_start, dispatch_uid="supportdesk_classification_lease_watch")


def _off_duty_on_logout(sender, request, user, **kwargs):
    from .services import operator_set_available

    if user is not None and user.is_authenticated:
        operator_set_available(user, available=False)
