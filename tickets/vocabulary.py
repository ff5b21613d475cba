"""One vocabulary for what people read: queue names, intent (label) titles, topics, the "not sure" verdict and
the lines of a ticket's history, in Russian and English (gettext). Templates, forms and the admin take their
display names from here, never a raw slug.

The desk's seeded queues and intents (tickets.defaults) are named here by slug. The database keeps the name
the school sees (Queue.name, Intent.title); while it is still the seeded name (in either language) the
translated name is shown, so the English UI reads "Payments" where the Russian reads "Оплата". A name an
admin changed is the school's own and is shown as written; an intent or queue an admin added shows its
title/name, or its slug when it has none.
"""
from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# Entries are message ids (gettext_noop marks them for makemessages); _() translates them when shown.
NOT_SURE = gettext_noop("Not sure")

QUEUE_NAMES = {
    "payment": gettext_noop("Payments"),
    "course": gettext_noop("Learning"),
    "profile": gettext_noop("Profile"),
    "triage": gettext_noop("Triage"),
}
# Students never see the name of the internal triage queue: "who is looking at my request" is enough.
STUDENT_QUEUE_NAMES = {"triage": gettext_noop("Support team")}

INTENT_TITLES = {
    "payment-problem": gettext_noop("Payment problem"),
    "course-problem": gettext_noop("Learning problem"),
    "profile-problem": gettext_noop("Profile problem"),
    "other": gettext_noop("Other"),
}

# The FAQ layer's message topics (the classifier's topics.yaml, seeded as Topic rows); the school's areas read
# like their queues.
TOPIC_NAMES = {
    "payment": QUEUE_NAMES["payment"],
    "course": QUEUE_NAMES["course"],
    "profile": QUEUE_NAMES["profile"],
    "career": gettext_noop("Career"),
    "general": gettext_noop("General question"),
    "offtopic": gettext_noop("Off-topic"),
}


@lru_cache(maxsize=None)
def _renderings(msgid: str) -> frozenset[str]:
    """A vocabulary entry as written in every UI language (to recognise a still-seeded database name)."""
    names = {msgid}
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            names.add(_(msgid))
    return frozenset(name.casefold() for name in names)


def _name(vocabulary: dict[str, str], slug: str, stored: str = "") -> str:
    msgid = vocabulary.get(slug)
    if msgid is not None and (not stored or stored.casefold() in _renderings(msgid)):
        return _(msgid)
    return stored or slug


def queue_name(queue) -> str:
    """An operator's name for a queue (a Queue, or its slug)."""
    if isinstance(queue, str):
        return _name(QUEUE_NAMES, queue)
    return _name(QUEUE_NAMES, queue.slug, queue.name)


def student_queue_name(queue) -> str:
    """What a student reads: the triage queue is "Support team", the others as operators read them."""
    slug = queue if isinstance(queue, str) else queue.slug
    if slug in STUDENT_QUEUE_NAMES:
        return _(STUDENT_QUEUE_NAMES[slug])
    return queue_name(queue)


def label_name(label: str | None, intent=None) -> str:
    """An intent's title (a label slug, optionally its Intent row); empty → "Not sure"."""
    if not label or label == "unsure":
        return _(NOT_SURE)
    return _name(INTENT_TITLES, label, getattr(intent, "title", "") or "")


def topic_name(topic) -> str:
    """A topic's name (a Topic row, or its slug; empty → "—"). Topic rows are seeded from the classifier's
    topics.yaml without titles, so a seeded topic reads as named here until an admin gives it a title."""
    if not topic:
        return "—"
    if isinstance(topic, str):
        return _name(TOPIC_NAMES, topic)
    return _name(TOPIC_NAMES, topic.name, topic.title)


def top_score(scores: dict | None) -> tuple[str, float] | None:
    """What the classifier rated highest (an out-of-scope label such as "other" included)."""
    if not scores:
        return None
    label, value = max(scores.items(), key=lambda item: item[1])
    return label, float(value)


def number(value: float | None) -> str:
    """0.53 → "0,53" in Russian: the locale's decimal separator, two places."""
    from django.template.defaultfilters import floatformat

    return "" if value is None else floatformat(value, 2)


# --- A ticket's history ------------------------------------------------------------------------------

# Reasons the desk itself writes on status changes and feedback (tickets.services): translated when shown.
SYSTEM_REASONS = {
    "student reply": gettext_noop("the student wrote again"),
    "automatic answer": gettext_noop("an automatic answer was sent"),
    "off-topic": gettext_noop("off-topic: closed with a fixed reply"),
    "student feedback": gettext_noop("the student's feedback"),
    "no feedback in time": gettext_noop("no feedback in time"),
    "automatic assignment": gettext_noop("assigned automatically: the least loaded operator on duty"),
}
FEEDBACK_VALUES = {
    "solved": gettext_noop("this solved it"),
    "still need help": gettext_noop("still needs help"),
    "no reply": gettext_noop("no feedback in time"),
}


def _faq_decision(value: str, question: str) -> str:
    from .models import MessageAnalysis

    decision, _sep, entry = value.partition(":")
    text = str(dict(MessageAnalysis.Decision.choices).get(decision.strip(), decision))
    entry = question or entry.strip().strip("-")
    return _("%(decision)s · best FAQ entry: %(entry)s") % {"decision": text, "entry": entry} if entry else text


def event_line(event, prediction=None, faq_question: str = "") -> str:
    """One translated line of a ticket's history: what happened, in words (no raw slugs or codes).

    ``prediction``: the Prediction a "predicted" event recorded, to say what won when the model was not sure.
    ``faq_question``: the question of the FAQ entry the event names (its id is shown when it is unknown).
    """
    from .models import Ticket, TicketEvent

    kind, old, new = event.kind, event.old_value, event.new_value
    K = TicketEvent.Kind
    if kind == K.CREATED:
        return _("Created: %(source)s") % {"source": dict(Ticket.Source.choices).get(new, new)}
    if kind == K.PREDICTED:
        if new == "failed":
            return _("The classifier failed")
        if new:
            return _("Predicted: %(label)s (%(confidence)s)") % {"label": label_name(new), "confidence": number(event.confidence)}
        top = top_score(prediction.scores) if prediction is not None else None
        if top is None:
            return _("Predicted: not sure")
        return _("Predicted: not sure (highest: %(label)s %(score)s)") % {"label": label_name(top[0]), "score": number(top[1])}
    if kind == K.ROUTED:
        return _("Moved: %(old)s → %(new)s") % {"old": queue_name(old) if old else "—", "new": queue_name(new)}
    if kind == K.OVERRIDE:
        return _("Label corrected: %(old)s → %(new)s") % {"old": label_name(old), "new": label_name(new)}
    if kind == K.STATUS:
        statuses = dict(Ticket.Status.choices)
        return _("Status: %(old)s → %(new)s") % {"old": statuses.get(old, old) or "—", "new": statuses.get(new, new)}
    if kind == K.ASSIGN:
        return _("Assigned to %(user)s") % {"user": new} if new else _("Unassigned")
    if kind == K.FAQ:
        line = _("FAQ: %(decision)s") % {"decision": _faq_decision(new, faq_question)}
        return line if event.confidence is None else f"{line} ({number(event.confidence)})"
    if kind == K.AUTO_ANSWER:
        if new == "offtopic":
            return _("Answered automatically: off-topic, closed with a fixed reply")
        return _("Answered automatically: %(entry)s") % {"entry": faq_question or new}
    if kind == K.MERGED:
        if not (old.isdigit() and new.isdigit()):
            return _("Merged across contacts, confirmed as the same person: %(old)s → %(new)s") % {"old": old, "new": new}
        if str(event.ticket_id) == new:
            return _("Ticket #%(source)s merged into this one") % {"source": old}
        return _("Merged into ticket #%(target)s") % {"target": new}
    if kind in (K.FEEDBACK, K.ESCALATED):
        value = _(FEEDBACK_VALUES[new]) if new in FEEDBACK_VALUES else new
        return f"{event.get_kind_display()}: {value}"
    return f"{event.get_kind_display()}: {new}" if new else str(event.get_kind_display())


def event_reason(event) -> tuple[str, bool]:
    """``(text, technical)``: an operator's own words as written, a known system reason translated; anything
    else the desk wrote itself (the FAQ layer's scores, an error) is technical: shown to admins only."""
    reason = (event.reason or "").strip()
    if not reason:
        return "", False
    if event.actor_id is not None:
        return reason, False
    if reason in SYSTEM_REASONS:
        return _(SYSTEM_REASONS[reason]), False
    return reason, True
