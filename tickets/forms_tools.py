"""Web forms of the desk's tools (issue 12, second half): merging, bulk actions on the queue list, canned answers."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge this ticket into ticket #"), min_value=1)
