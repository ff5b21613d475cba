"""Everything the desk reads, one module per concern; the public functions are re-exported here
(``from tickets import selectors; selectors.ticket_list(...)``).

* ``access``   which queues a user sees; TicketNotFound
* ``tickets``  ticket lists and pages for operators, the status page for students, screenshots
* ``filters``  the FilterSet of ticket lists and its choices (topics and labels come from the database)
* ``quality``  the model-quality page
* ``fitting``  the labels operators confirmed, for the classifier's fit
"""
from .access import TicketNotFound, operator_queues, queue_counts, queue_get
from .filters import TicketFilter, label_choices, status_choices, topic_choices
from .fitting import confirmed_labels
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
    ticket_latest_analysis,
    ticket_list,
    ticket_list_filtered,
    ticket_row_for_operator,
)

__all__ = [
    "confirmed_labels",
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
    "ticket_latest_analysis",
    "ticket_list",
    "ticket_list_filtered",
    "ticket_row_for_operator",
    "topic_choices",
]
