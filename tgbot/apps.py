from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TgbotConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tgbot"
    verbose_name = _("Telegram")

    def ready(self):
        # Imported here: the channel and the sink need the models, which exist only once apps are loaded.
        from tickets.channels import channel_register
        from tickets.sinks import sink_register

        from .channel import TelegramChannel
        from .sink import OperatorsChatSink

        # Registered always: with no token they reach nobody (address_for returns ""), and a test or the
        # admin can turn the bot on by settings alone.
        channel_register(TelegramChannel())
        sink_register(OperatorsChatSink())
