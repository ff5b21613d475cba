"""Everything the desk reads, one module per concern; the public functions are re-exported here
(``from tickets import selectors; selectors.ticket_list(...)``).

* ``access``   which queues a user sees; TicketNotFound
* ``tickets``  ticket lists, search and pages (with their history) for operators, the status page for
               students, screenshots
* ``filters``  the FilterSet of ticket lists and its choices (topics and labels come from the database);
               ``ACTIVE``, the status filter's "not closed"
* ``quality``  the model-quality page
* ``reports``  the team lead's reports: per day and per queue (figures defined in its docstring)
* ``operators`` a queue's operators: members, assignees, on duty by load; the "My tickets" count
* ``notifications`` an operator's notifications and the header's counters
* ``desk``     the ticket page's desk panel: SLA state, assignees, notes, rating
* ``fitting``  the labels operators confirmed, for the classifier's fit; the out-of-scope intent triage confirms
* ``pages``    one page of a queue's list at any size of the history (capped count, numbered then keyset pages)
* ``macros``   canned answers an operator may use, rendered for a ticket
* ``student_tickets`` the same student's other tickets (history) and likely duplicates (merge)
"""
from .access import TicketNotFound, operator_queues, queue_counts, queue_get
from .desk import TicketDeskPanel, rating_open, ticket_conversation, ticket_desk_panel, ticket_notes, ticket_rating
from .filters import ACTIVE, ASSIGNEE_ME, ASSIGNEE_NONE, URGENT, TicketFilter, label_choices, status_choices, topic_choices
from .fitting import (
    confirmed_labels,
    out_of_scope_close_offered,
    out_of_scope_intent,
    out_of_scope_labels,
    unlabelled_finished_count,
)
from .notifications import desk_counters, notifications_for, notifications_unread
from .macros import MacroNotFound, RenderedMacro, macro_get, macros_for, macros_rendered
from .operators import assignable_operators, available_by_load, may_work_in, my_open_count, queue_assignees, queue_members
from .pages import CappedPaginator, TicketPage, ticket_page
from .quality import model_quality
from .reports import report_summary
from .student_tickets import Duplicate, StudentTickets, likely_duplicates, student_history
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
    "CappedPaginator",
    "Duplicate",
    "MacroNotFound",
    "RenderedMacro",
    "macro_get",
    "macros_for",
    "macros_rendered",
    "StudentTickets",
    "likely_duplicates",
    "student_history",
    "confirmed_labels",
    "out_of_scope_close_offered",
    "out_of_scope_intent",
    "out_of_scope_labels",
    "unlabelled_finished_count",
    "ANSWER_WAIT_SECONDS",
    "ASSIGNEE_ME",
    "ASSIGNEE_NONE",
    "TicketDeskPanel",
    "TicketFilter",
    "TicketNotFound",
    "TicketPage",
    "URGENT",
    "attachment_for_operator",
    "attachment_for_student",
    "assignable_operators",
    "available_by_load",
    "desk_counters",
    "label_choices",
    "latest_prediction",
    "may_work_in",
    "model_quality",
    "report_summary",
    "my_open_count",
    "notifications_for",
    "notifications_unread",
    "operator_queues",
    "queue_assignees",
    "queue_counts",
    "queue_get",
    "queue_members",
    "rating_open",
    "status_choices",
    "ticket_after_action",
    "ticket_answer_pending",
    "ticket_conversation",
    "ticket_delivery_problems",
    "ticket_desk_panel",
    "ticket_detail_for_operator",
    "ticket_faq_suggestions",
    "ticket_for_student",
    "ticket_history",
    "ticket_latest_analysis",
    "ticket_list",
    "ticket_list_filtered",
    "ticket_page",
    "ticket_notes",
    "ticket_rating",
    "ticket_row_for_operator",
    "ticket_search",
    "topic_choices",
]
