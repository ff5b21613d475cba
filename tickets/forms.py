"""Web forms. Validation of screenshots is shared with the API (tickets.uploads)."""
from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from . import vocabulary
from .models import Intent, Ticket
from .selectors.filters import ORDER_CHOICES, status_choices, topic_choices
from .uploads import ACCEPTED_CONTENT_TYPES, clean_screenshots, client_limits, screenshots_help, too_many_screenshots_message


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ScreenshotsField(forms.FileField):
    """Zero to N screenshots, validated and re-encoded; cleaned value is a list of CleanImage."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": ",".join(ACCEPTED_CONTENT_TYPES), "multiple": True})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return clean_screenshots(files)


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class _ScreenshotsForm(forms.Form):
    """``too_many_screenshots=True``: the upload was stopped past the screenshot limit (see
    uploads.ScreenshotCountLimit); the form then carries the "at most N" error on its screenshots field.

    ``text_field`` may stay empty when screenshots are attached; both empty → ``empty_message`` on it.

    ``submission_token``: a one-time token rendered into each form; the same form posted twice (a double click, a
    resent POST after a reload) is saved once (services.idempotency). A refused form keeps its token.
    """

    text_field: str
    empty_message: str

    submission_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64, initial=new_submission_token)

    def __init__(self, *args, too_many_screenshots: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_many_screenshots = too_many_screenshots
        # Built per request: in the visitor's language, with the limits as configured now.
        self.fields["screenshots"].help_text = screenshots_help()

    @property
    def screenshot_limits(self) -> dict[str, str]:
        """The ``data-`` attributes the form's script checks files against before sending (tickets.uploads)."""
        return client_limits()

    def clean_screenshots(self):
        if self.too_many_screenshots:
            raise forms.ValidationError(too_many_screenshots_message(), code="too_many_files")
        return self.cleaned_data["screenshots"]

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get(self.text_field) or "").strip() and not cleaned.get("screenshots") and "screenshots" not in self.errors:
            self.add_error(self.text_field, self.empty_message)
        return cleaned


class TicketForm(_ScreenshotsForm):
    """A new ticket; posted twice, it shows the first ticket (services.ticket_create_once, scope "web")."""

    text_field = "description"
    empty_message = _("Describe the problem or attach a screenshot.")

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    description = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000, required=False
    )
    screenshots = ScreenshotsField(label=_("Screenshots"))


class StudentReplyForm(_ScreenshotsForm):
    """The status page's reply; posted twice, it is one message (services.ticket_student_reply_once, scope "reply")."""

    text_field = "body"
    empty_message = _("Write a message or attach a screenshot.")

    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000, required=False)
    screenshots = ScreenshotsField(label=_("Screenshots"))


class OperatorReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply to the student"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    # Set by desk.js when the operator inserts a suggested FAQ answer (counted as "inserted by an operator").
    faq_entry_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)


class OverrideForm(forms.Form):
    """Starts on an empty choice: one stray click must not route the ticket anywhere."""

    label = forms.ChoiceField(label=_("Correct label"), choices=(), error_messages={"required": _("Choose a label.")})
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", _("— choose a label —"))] + [
            (intent.name, f"{vocabulary.label_name(intent.name, intent)} → {vocabulary.queue_name(intent.queue)}")
            for intent in Intent.objects.filter(is_active=True).select_related("queue").order_by("name")
        ]


class QueueFilterForm(forms.Form):
    """The queue page's filters; the choices are those of the API's (selectors.filters: the status "active" is
    new + open + waiting, each status alone filters exactly), topics from the database."""

    status = forms.ChoiceField(label=_("Status"), choices=(), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=(), required=False)
    order = forms.ChoiceField(label=_("Order"), choices=ORDER_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *status_choices()]
        self.fields["topic"].choices = [("", _("All")), *topic_choices()]

