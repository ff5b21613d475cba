"""Admin of the desk's tools (issue 12, second half): canned answers. Imported by tickets.admin."""
from __future__ import annotations

from django import forms
from django.contrib import admin

from .macros import placeholders_refusal
from .models import Macro


class MacroAdminForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = ["title", "body", "owner", "is_shared"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        refusal = placeholders_refusal(body)  # the same rule as services.macro_save
        if refusal:
            raise forms.ValidationError(refusal)
        return body


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    form = MacroAdminForm
    list_display = ["title", "owner", "is_shared", "updated_at"]
    list_filter = ["is_shared"]
    search_fields = ["title", "body", "owner__username"]
    autocomplete_fields = ["owner"]
