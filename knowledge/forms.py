"""Admin forms of the knowledge base, and ``LinesField``: a list edited one item per line.

``LinesField`` lives here, in the lowest Django layer, so the desk's admin (tickets.admin: an intent's
descriptions, prompts, examples, keywords) uses the same field as the FAQ entries' alternative questions.
"""
from __future__ import annotations

import json

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import FaqEntry, SchoolProfile


class LinesField(forms.CharField):
    """A list of short texts edited one per line (an intent's descriptions, prompts, examples, keywords; an FAQ
    entry's alternative questions): they are lists in the database, not JSON for a person to type.

    Blank lines and spaces around a line are dropped, a repeated line is kept once; a line longer than
    ``max_item_length`` is refused with its line number. A value pasted as a JSON list (the old raw editor)
    is read as that list.
    """

    widget = forms.Textarea

    def __init__(self, *, max_item_length: int = 1000, max_items: int = 200, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(strip=False, **kwargs)
        self.max_item_length, self.max_items = max_item_length, max_items
        self.widget.attrs.setdefault("rows", 4)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, (list, tuple)):
            lines = [str(item) for item in value]
        else:
            text = (value or "").strip()
            lines = _json_list(text) if text.startswith("[") else None
            if lines is None:
                lines = text.splitlines()
        items: list[str] = []
        for number, line in enumerate(lines, start=1):
            line = line.strip()  # only the ends: a keyword may be a regular expression with meaningful spaces
            if len(line) > self.max_item_length:
                raise forms.ValidationError(
                    _("Line %(number)s is longer than %(limit)s characters."), code="too_long",
                    params={"number": number, "limit": self.max_item_length},
                )
            if line and line not in items:
                items.append(line)
        if len(items) > self.max_items:
            raise forms.ValidationError(_("At most %(limit)s lines."), code="too_many", params={"limit": self.max_items})
        return items

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial) != self.to_python(data)


def _json_list(text: str) -> list[str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return [str(item) for item in value] if isinstance(value, list) else None


class FaqEntryAdminForm(forms.ModelForm):
    """An FAQ entry with its alternative questions one per line."""

    alt_questions = LinesField(help_text=_("Other ways students ask the same question; one per line."))
    learned_questions = LinesField(help_text=_("Students' questions added from tickets answered with this entry; "
                                               "they help find it by meaning. One per line; delete a line to forget it."))

    class Meta:
        model = FaqEntry
        fields = ["external_id", "topic", "question", "alt_questions", "learned_questions", "answer", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("alt_questions", "learned_questions"):
            self.fields[name].label = capfirst(FaqEntry._meta.get_field(name).verbose_name)


class SchoolProfileAdminForm(forms.ModelForm):
    """The school's identity with its aliases and domains one per line."""

    aliases = LinesField(max_item_length=120, max_items=50)
    domains = LinesField(max_item_length=200, max_items=50)

    class Meta:
        model = SchoolProfile
        fields = ["name", "site", "aliases", "domains"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("aliases", "domains"):
            field = SchoolProfile._meta.get_field(name)
            self.fields[name].label = capfirst(field.verbose_name)
            self.fields[name].help_text = f"{field.help_text} {_('One per line.')}"
