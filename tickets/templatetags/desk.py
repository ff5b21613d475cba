"""Template names for the desk's vocabulary (tickets.vocabulary): ``{% load desk %}`` then ``{{ ticket.queue|queue_name }}``."""
from django import template

from .. import vocabulary

register = template.Library()

register.filter("queue_name", vocabulary.queue_name)
register.filter("student_queue_name", vocabulary.student_queue_name)
register.filter("topic_name", vocabulary.topic_name)


@register.filter
def label_name(label, intent=None):
    return vocabulary.label_name(label, intent)


@register.simple_tag
def event_line(event, prediction=None, faq_question=""):
    return vocabulary.event_line(event, prediction, faq_question)


@register.filter
def event_reason(event):
    """``(text, technical)`` for ``{% with reason=event|event_reason %}``."""
    return vocabulary.event_reason(event)


@register.filter
def top_score(scores):
    return vocabulary.top_score(scores)
