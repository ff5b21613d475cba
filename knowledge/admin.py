"""Django admin for the knowledge base: edit entries, see how often each was sent / accepted / rejected, and add
(or dismiss) the students' questions offered as learned phrasings of an entry with one click."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy as _

from classifier import dump_faq_yaml

from .forms import FaqEntryAdminForm, SchoolProfileAdminForm
from .models import FaqEntry, FaqEntryEvent, FaqUsage, SchoolProfile
from .selectors import (
    faq_entries_single_phrasing, faq_entries_with_confusion, faq_entries_with_stats, faq_health_current,
    faq_phrasing_offers,
)
from .services import faq_phrasing_add, faq_phrasing_dismiss

PHRASING_DECISIONS = {"add": faq_phrasing_add, "dismiss": faq_phrasing_dismiss}


class TimestampColumns:
    """``created`` / ``updated`` columns with translated headers (the models' timestamps have no verbose name)."""

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("updated"), ordering="updated_at")
    def updated(self, obj):
        return obj.updated_at


class HeldOutCheckFilter(admin.SimpleListFilter):
    """Entries the newest FAQ calibration's held-out check flags (``knowledge.selectors``)."""

    title = _("held-out check")
    parameter_name = "held_out"
    SELECTORS = {"confused": faq_entries_with_confusion, "single": faq_entries_single_phrasing}

    def lookups(self, request, model_admin):
        return [("confused", _("mostly finds another entry")), ("single", _("one phrasing only"))]

    def queryset(self, request, queryset):
        selector = self.SELECTORS.get(self.value())
        return queryset.filter(pk__in=selector().values("pk")) if selector else queryset


@admin.register(FaqEntry)
class FaqEntryAdmin(TimestampColumns, admin.ModelAdmin):
    form = FaqEntryAdminForm
    list_display = ["external_id", "topic", "question", "is_active", "sent", "accepted", "rejected", "updated"]
    list_filter = ["is_active", HeldOutCheckFilter, "topic"]
    search_fields = ["external_id", "question", "answer"]
    readonly_fields = ["held_out_check", "offered_phrasings", "created", "updated"]
    fields = ["external_id", "topic", "question", "alt_questions", "held_out_check", "offered_phrasings",
              "learned_questions", "answer", "is_active", "created", "updated"]
    actions = ["export_yaml"]

    def get_queryset(self, request):
        return faq_entries_with_stats()

    def get_urls(self):
        decide = self.admin_site.admin_view(self.phrasing_decide_view)
        return [path("<path:object_id>/phrasings/<int:offer_id>/<slug:decision>/", decide,
                     name="knowledge_faqentry_phrasing")] + super().get_urls()

    @admin.display(description=_("offered phrasings"))
    def offered_phrasings(self, obj):
        """Students' questions answered with this entry, each with "Add" and "Dismiss": buttons of the change form
        that post to their own URL (``formaction``; the form's other fields are ignored there, nothing is saved)."""
        offers = list(faq_phrasing_offers(obj)) if obj is not None and obj.pk else []
        if not offers:
            return gettext("None waiting.")
        button = ('<button type="submit" class="button" formaction="{}" formmethod="post" formnovalidate '
                  'data-decision="{}">{}</button>')
        row = '<li class="faq-offer" data-offer="{}"><q>{}</q><br>' + button + " " + button + "</li>"
        rows = format_html_join("", row, (
            (o.pk, o.text,
             reverse("admin:knowledge_faqentry_phrasing", args=[obj.pk, o.pk, "add"]), "add", gettext("Add"),
             reverse("admin:knowledge_faqentry_phrasing", args=[obj.pk, o.pk, "dismiss"]), "dismiss",
             gettext("Dismiss"))
            for o in offers))
        return format_html('<ul class="faq-offers">{}</ul>', rows)

    @admin.display(description=_("held-out check"))
    def held_out_check(self, obj):
        """The newest calibration's outcome for this entry: each phrasing asked without itself, what it finds."""
        health = faq_health_current() if obj is not None and obj.pk else None
        if health is not None and obj.external_id in health.single_phrasing:
            return gettext("One phrasing only: it cannot be checked and is found only by its answer. "
                           "Add alternative questions.")
        entry = health.entry(obj.external_id) if health is not None else None
        if entry is None:  # never calibrated, or added after the newest calibration
            return gettext("Not checked yet (manage.py faq_calibrate).")
        line = gettext("Held-out check: %(found)s of %(checked)s phrasings find this entry.") % {
            "found": entry.found, "checked": entry.checked}
        if entry.instead:
            line += " " + gettext("Found instead: %(entries)s.") % {
                "entries": ", ".join(f"{other} ({n})" for other, n in entry.instead)}
        partners = health.partner(obj.external_id)
        if partners:
            line += " " + gettext("It and %(entries)s find each other: add distinguishing alternative questions or "
                                  "merge the entries.") % {"entries": ", ".join(partners)}
        elif entry.confused:
            line += " " + gettext("Add alternative questions in the students' words.")
        return line

    def phrasing_decide_view(self, request, object_id, offer_id, decision):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        entry = self.get_object(request, object_id)
        if entry is None or decision not in PHRASING_DECISIONS:
            raise Http404
        if not self.has_change_permission(request, entry):
            raise PermissionDenied
        # Only this entry's waiting offers; the service answers None when another click decided it meanwhile.
        offer = (PHRASING_DECISIONS[decision](offer_id, request.user)
                 if faq_phrasing_offers(entry).filter(pk=offer_id).exists() else None)
        if offer is None:
            self.message_user(request, gettext("This phrasing was already decided."), messages.WARNING)
        else:
            text = (gettext("Added as a learned phrasing: %(text)s") if decision == "add"
                    else gettext("Dismissed: %(text)s")) % {"text": offer.text}
            self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:knowledge_faqentry_change", args=[entry.pk]))

    @admin.display(description=_("sent"), ordering="sent_count")
    def sent(self, obj):
        return obj.sent_count

    @admin.display(description=_("accepted"), ordering="accepted_count")
    def accepted(self, obj):
        return obj.accepted_count

    @admin.display(description=_("rejected"), ordering="rejected_count")
    def rejected(self, obj):
        return obj.rejected_count

    @admin.action(description=_("Export selected entries as faq.yaml"))
    def export_yaml(self, request, queryset):
        text = dump_faq_yaml([e.to_record() for e in queryset.order_by("id")])
        resp = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="faq.yaml"'
        return resp


@admin.register(FaqUsage)
class FaqUsageAdmin(TimestampColumns, admin.ModelAdmin):
    list_display = ["created", "entry", "kind", "ticket_id"]
    list_filter = ["kind"]
    search_fields = ["entry__external_id"]
    list_select_related = ["entry"]
    raw_id_fields = ["entry"]


@admin.register(FaqEntryEvent)
class FaqEntryEventAdmin(TimestampColumns, admin.ModelAdmin):
    """The audit trail of learning: read only (the services write it)."""

    list_display = ["created", "entry", "kind", "actor", "text", "ticket_id"]
    list_filter = ["kind"]
    search_fields = ["entry__external_id", "text"]
    list_select_related = ["entry", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SchoolProfile)
class SchoolProfileAdmin(admin.ModelAdmin):
    form = SchoolProfileAdminForm
    list_display = ["name", "site", "updated_at"]
    fields = ["name", "site", "aliases", "domains", "updated_at"]
    readonly_fields = ["updated_at"]
