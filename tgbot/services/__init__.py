"""The Telegram channel's business logic (writes): updates in, tickets, the bot's own messages out."""
from .accounts import account_for_user
from .outgoing import outgoing_due_enqueue, outgoing_queue, outgoing_send
from .updates import pending_flush, update_receive

__all__ = ["account_for_user", "outgoing_due_enqueue", "outgoing_queue", "outgoing_send", "pending_flush", "update_receive"]
