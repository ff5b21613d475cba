"""Everything the desk reads, one module per concern; the public functions are re-exported here
(``from tickets import selectors; selectors.ticket_list(...)``).

* ``access``   which queues a user sees; TicketNotFound
* ``tickets``  ticket lists, search and pages (with their history) for operators, the status page for
               students, screenshots
* ``filters``  the FilterSet of ticket lists and its choices (topics and labels come from the database);
               ``ACTIVE``, the status filter's "not closed"
* ``quality``  the model-quality page
"""
from .access import TicketNotFound, operator_queues, queue_counts, queue_get
from .filters import ACTIVE, TicketFilter, label_choices, status_choices, topic_choices
from .quality import model_quality
from .tickets import (
    ANSWER_WAIT_SECONDS,
    attachment_for_operator,
    attachment_for_student,
    latest_prediction,
    ticket_after_action,
    ticket_answer_pending,
    ticket_delivery_problems,
    ticket_detail_for_operator,
    ticket_faq_suggestions,
    ticket_for_student,
    ticket_history,
    ticket_latest_analysis,
    ticket_list,
    ticket_list_filtered,
    ticket_row_for_operator,
    ticket_search,
)

__all__ = [
    "ACTIVE",
    "ANSWER_WAIT_SECONDS",
    "TicketFilter",
    "TicketNotFound",
    "attachment_for_operator",
    "attachment_for_student",
    "label_choices",
    "latest_prediction",
    "model_quality",
    "operator_queues",
    "queue_counts",
    "queue_get",
    "status_choices",
    "ticket_after_action",
    "ticket_answer_pending",
    "ticket_delivery_problems",
    "ticket_detail_for_operator",
    "ticket_faq_suggestions",
    "ticket_for_student",
    "ticket_history",
    "ticket_latest_analysis",
    "ticket_list",
    "ticket_list_filtered",
    "ticket_row_for_operator",
    "ticket_search",
    "topic_choices",
]
