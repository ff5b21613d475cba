"""Web forms of the desk's tools (issue 12, second half): merging, bulk actions on the queue list, canned answers."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import vocabulary
from .models import Intent, Ticket


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge this ticket into ticket #"), min_value=1)
    same_person = forms.BooleanField(label=_("The same person"), required=False,
                                     help_text=_("Tick when the two tickets come from different contacts of one person."))


class TicketIdsField(forms.Field):
    """The selected rows' checkboxes (``tickets``, repeated): a list of ticket ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        try:
            return [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Select tickets from the list."), code="invalid")


class BulkForm(forms.Form):
    """The queue list's bulk bar: one action, its one value, the selected rows."""

    ACTION_CHOICES = [
        ("assign", _("Assign to")), ("status", _("Set status")), ("label", _("Correct the label")), ("merge", _("Merge into ticket #")),
        ("not_support", _("Not a support request — close")),
    ]

    tickets = TicketIdsField(required=False)
    action = forms.ChoiceField(label=_("With the selected tickets"), choices=ACTION_CHOICES)
    assignee = forms.ChoiceField(label=_("Operator"), choices=(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=(), required=False)
    label = forms.ChoiceField(label=_("Label"), choices=(), required=False)
    into = forms.IntegerField(label=_("Ticket #"), min_value=1, required=False)
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody (unassign)")), *[(u.get_username(), u.get_username()) for u in assignees]]
        self.fields["status"].choices = Ticket.Status.choices
        self.fields["label"].choices = [
            (intent.name, f"{vocabulary.label_name(intent.name, intent)} → {vocabulary.queue_name(intent.queue)}")
            for intent in Intent.objects.filter(is_active=True).select_related("queue").order_by("name")
        ]


class MacroForm(forms.Form):
    """A canned answer: title, text with placeholders, shared or personal."""

    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    is_shared = forms.BooleanField(label=_("Shared with all operators"), required=False)
