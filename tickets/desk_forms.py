"""Web forms of the operators' desk features (issue 12): the assignee filter, assigning, notes, notification
settings, and the student's rating."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import QueueFilterForm
from .models import OperatorNotification, TicketRating
from .selectors.filters import ASSIGNEE_ME, ASSIGNEE_NONE, URGENT
from .services.notes import NOTE_MAX_CHARS


def _assignee_choices(users) -> list[tuple[str, str]]:
    return [(user.get_username(), user.get_username()) for user in users]


class DeskFilterForm(QueueFilterForm):
    """The queue page's filters with the assignee (me, nobody, or an operator of the queue); most urgent first
    unless another order is chosen."""

    assignee = forms.ChoiceField(label=_("Assignee"), choices=(), required=False)

    def __init__(self, data=None, *, assignees=(), default_order: str = URGENT, **kwargs):
        if data is not None and not data.get("order"):
            data = data.copy()
            data["order"] = default_order
        super().__init__(data, initial={"order": default_order}, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Anyone")), (ASSIGNEE_ME, _("Me")), (ASSIGNEE_NONE, _("Nobody")), *_assignee_choices(assignees),
        ]


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), choices=(), required=False)

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("— nobody —")), *_assignee_choices(assignees)]


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"), max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Only colleagues see it. @username notifies a colleague.")}),
    )


class NotificationSettingsForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("Also e-mail me about"), choices=OperatorNotification.Kind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )


SCORE_CHOICES = [(str(n), str(n)) for n in range(TicketRating.SCORE_MIN, TicketRating.SCORE_MAX + 1)]


class RatingForm(forms.Form):
    score = forms.ChoiceField(
        label=_("Your rating (1 = bad, 5 = excellent)"), choices=SCORE_CHOICES, widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=TicketRating.COMMENT_MAX_CHARS, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
