"""Everything that changes the desk's data, one module per concern. Views, serializers, admin, commands and
tasks call these; each write that matters leaves a TicketEvent (who, when, old, new).

* ``intake``      what students send: ticket_create, ticket_student_reply (screenshots included)
* ``idempotency`` a submission sent twice is saved once: ticket_create_once (Idempotency-Key, form token),
                  ticket_student_reply_once (the status page's form token)
* ``uploads_sweep`` screenshot files no row names (a process killed mid-upload) are deleted after a grace period
* ``routing``     the classifier's answer: ticket_classify, prediction_record, ticket_route, the pending sweep
* ``leases``      a classifying worker's hold on its ticket: heartbeat, expired leases taken back (classify_expired_leases)
* ``operator``    what operators do: label_override, ticket_set_status, ticket_reply, ticket_close_out_of_scope
* ``assignment``  who works on which ticket: ticket_assign(_to), availability, automatic assignment (round-robin)
* ``notes``       operators' internal notes and their @mentions
* ``operator_notify`` notifications to operators: the desk's counter and the sinks (e-mail, …), one service
* ``sla_alerts``  warnings before a ticket misses its queue's target
* ``satisfaction`` the student's 1–5 rating after a person resolved the ticket
* ``outbox``      sending outbox rows after commit with retries (shared by notify and operator_notify)
* ``auto_answer`` the FAQ layer in a conversation: message_answer, feedback, escalation of stale answers
* ``lifecycle``   status changes and their audit events (used by the modules above)
* ``notify``      the only way a message reaches a student: the outbox and its channels
* ``students``    students as identities (matched by e-mail on the web; Telegram links its accounts)
* ``accounts``    operators' accounts and a fresh desk's defaults
* ``fitting``     the classifier's fusion refitted on this desk's confirmed labels (classifier_fit)
* ``macros``      canned answers: operators' own and shared replies
* ``merge``       merging a duplicate into a ticket of the same student
* ``bulk``        one action on many selected tickets, each through its own service and permission check
* ``search_index`` the operators' search documents, rebuilt by every service that writes searchable text

``from tickets import services; services.ticket_create(...)`` keeps working: the public functions are
re-exported here.
"""
from .accounts import account_create, desk_seed
from .bulk import BULK_MAX_TICKETS, BulkResult, tickets_bulk
from .assignment import auto_assign_backlog, operator_set_available, ticket_assign, ticket_assign_to, ticket_auto_assign
from .auto_answer import (
    answer_enqueue_now,
    auto_answer_feedback,
    auto_answers_escalate_stale,
    message_answer,
    message_answer_sweep,
    message_enqueue_answer,
)
from .errors import ServiceUnavailable, outage_errors
from .fitting import classifier_fit
from .idempotency import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IdempotencyKeyReused,
    idempotency_claim,
    idempotency_keys_purge,
    submission_fingerprint,
    ticket_create_once,
    ticket_student_reply_once,
)
from .intake import ticket_create, ticket_student_reply
from .macros import macro_delete, macro_save, may_edit_macro
from .merge import merge_refusal, ticket_merge
from .notes import ticket_note
from .notify import InternalContentError, deliveries_sweep, delivery_retry, delivery_send, student_notify, student_notify_status
from .operator import label_override, ticket_close_out_of_scope, ticket_reply, ticket_set_status
from .operator_notify import (
    notifications_mark_read,
    operator_deliveries_sweep,
    operator_delivery_retry,
    operator_delivery_send,
    operator_email_kinds_set,
    operator_notify,
)
from .routing import (
    PENDING_SWEEP_AGE_SECONDS,
    PENDING_WATCH_AGE_SECONDS,
    classification_enqueue_now,
    classify_expired_leases,
    classify_lost_sweep,
    classify_pending_sweep,
    prediction_problem,
    prediction_record,
    queue_for_label,
    ticket_classify,
    ticket_enqueue_classification,
    ticket_reclassify,
    ticket_route,
)
from .satisfaction import rating_request, ticket_rate
from .search_index import ticket_search_refresh
from .sla_alerts import sla_warnings_sweep
from .students import student_for_email
from .uploads_sweep import orphaned_uploads_sweep, uploads_sweep

__all__ = [
    "IDEMPOTENCY_KEY_MAX_LENGTH",
    "IdempotencyKeyReused",
    "BULK_MAX_TICKETS",
    "BulkResult",
    "tickets_bulk",
    "InternalContentError",
    "PENDING_SWEEP_AGE_SECONDS",
    "PENDING_WATCH_AGE_SECONDS",
    "ServiceUnavailable",
    "account_create",
    "classifier_fit",
    "answer_enqueue_now",
    "auto_answer_feedback",
    "auto_answers_escalate_stale",
    "auto_assign_backlog",
    "classification_enqueue_now",
    "classify_expired_leases",
    "classify_lost_sweep",
    "classify_pending_sweep",
    "deliveries_sweep",
    "delivery_retry",
    "delivery_send",
    "desk_seed",
    "idempotency_claim",
    "idempotency_keys_purge",
    "label_override",
    "message_answer",
    "message_answer_sweep",
    "message_enqueue_answer",
    "merge_refusal",
    "macro_delete",
    "macro_save",
    "may_edit_macro",
    "notifications_mark_read",
    "operator_deliveries_sweep",
    "operator_delivery_retry",
    "operator_delivery_send",
    "operator_email_kinds_set",
    "operator_notify",
    "orphaned_uploads_sweep",
    "operator_set_available",
    "outage_errors",
    "prediction_problem",
    "prediction_record",
    "queue_for_label",
    "rating_request",
    "sla_warnings_sweep",
    "student_for_email",
    "student_notify",
    "student_notify_status",
    "ticket_assign",
    "ticket_assign_to",
    "ticket_auto_assign",
    "ticket_classify",
    "ticket_close_out_of_scope",
    "submission_fingerprint",
    "ticket_create",
    "ticket_create_once",
    "ticket_enqueue_classification",
    "ticket_merge",
    "ticket_note",
    "ticket_rate",
    "ticket_reclassify",
    "ticket_reply",
    "ticket_route",
    "ticket_search_refresh",
    "ticket_set_status",
    "ticket_student_reply",
    "ticket_student_reply_once",
    "uploads_sweep",
]
