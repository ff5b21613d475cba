"""What the operators' search reads (tickets.search): one row per ticket, rebuilt by services.search_index."""
from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .ticket import Ticket


class TicketSearchDocument(models.Model):
    """A ticket's searchable text, kept apart from the ticket so its list queries never load it.

    ``people``: the ticket's and the student's name and the e-mail, folded (lower case, "ё" as "е"); searched as a
    substring on both databases, under a trigram index on PostgreSQL. ``vector``: PostgreSQL's weighted tsvector
    of everything but the e-mail address (NULL on SQLite; tickets.search.vector_names). ``stems``: SQLite's Snowball stems of everything (empty on PostgreSQL, which
    has the vector: ~2 KB of OCR text per ticket would otherwise be stored twice, ~2 GB at a million tickets).
    """

    ticket = models.OneToOneField(Ticket, primary_key=True, on_delete=models.CASCADE, related_name="search_document", verbose_name=_("ticket"))
    people = models.TextField(_("names and contact"), blank=True)
    stems = models.TextField(_("word stems"), blank=True)
    vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"#{self.ticket_id}"
