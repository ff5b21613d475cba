"""The desk's data, one module per concern. Rules that change data live in tickets.services; reads in
tickets.selectors. Everything is re-exported here: ``from tickets.models import Ticket``."""
from .audit import LabelExample, Override, OverrideManager, Prediction, TicketEvent
from .base import TimeStamped
from .desk import TRIAGE_QUEUE_SLUG, Intent, OperatorProfile, Queue, Topic
from .fitting import ClassifierFit
from .intake import IdempotencyKey
from .macros import Macro
from .notifications import OperatorDelivery, OperatorNotification
from .outbox import Delivery, OutboxItem
from .ratings import TicketRating
from .search import TicketSearchDocument
from .students import Student
from .ticket import Attachment, Message, MessageAnalysis, Ticket, attachment_upload_to, new_public_token, public_token_digest

__all__ = [
    "TRIAGE_QUEUE_SLUG",
    "Attachment",
    "ClassifierFit",
    "Delivery",
    "IdempotencyKey",
    "Intent",
    "LabelExample",
    "Macro",
    "Message",
    "MessageAnalysis",
    "OperatorDelivery",
    "OperatorNotification",
    "OperatorProfile",
    "OutboxItem",
    "Override",
    "OverrideManager",
    "Prediction",
    "Queue",
    "Student",
    "Ticket",
    "TicketEvent",
    "TicketRating",
    "TicketSearchDocument",
    "TimeStamped",
    "Topic",
    "attachment_upload_to",
    "new_public_token",
    "public_token_digest",
]
