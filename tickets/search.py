"""Finding tickets by what an operator types: a ticket number, an e-mail, or words in any of their forms.

What is searched (``TicketSearchDocument``, one row per ticket, rebuilt by services.search_index whenever a
service writes text): the ticket's and the student's name and e-mail, the description, the messages of the
student and the operators *and the operators' internal notes* (only operators ever search; a student's pages
never search), and the screenshots' OCR text. Automatic answers and system lines are left out: every
auto-answered payment ticket would otherwise match the FAQ's words.

Words match in their Russian forms, case-folded, "ё" as "е" ("оплатой" finds "оплата", "Волков" finds
"волкову"), each query word as a prefix of a word's stem, all words required:

* PostgreSQL: full-text search with the ``russian`` configuration over a stored, weighted ``tsvector``
  (the names A — not the e-mail, see vector_names —, the conversation B, OCR C) under a GIN index, ranked by ``SearchRank``; plus a
  trigram (pg_trgm) GIN index on the folded names and e-mail, so a part of a name or address ("nna@ex")
  is found without a scan. Both indexes are made by migration 0016 on PostgreSQL only.
* SQLite: the same Snowball stemmers (``snowballstemmer``: Russian for Cyrillic words, English for Latin
  ones, as PostgreSQL's ``russian`` configuration does) applied to a stored ``stems`` column; a query word's
  stem must begin a stored stem (``LIKE '% stem%'``). SQLite's LIKE scans, which is fine for a desk on SQLite.

A longer form does not find a shorter one whose stem is shorter ("волкову" → stem "волков" does not begin
"волк", the stem of "Волков"): the same on both databases, since both use Snowball.
"""
from __future__ import annotations

import re
import threading
from typing import Iterable

import snowballstemmer
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Subquery, TextField, Value

from .models import Student, TicketSearchDocument

SQLITE_FOLD_FUNCTION = "supportdesk_fold"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Letters and digits only: exactly what is safe inside a raw tsquery term ("word:*").
WORD = re.compile(r"[^\W_]+", re.UNICODE)
LATIN = re.compile(r"[a-z0-9]+")
FTS_CONFIG = "russian"
# A query is cut to this many words (a pasted paragraph would otherwise AND together 200 LIKE scans).
MAX_QUERY_WORDS = 8


def fold(text: str) -> str:
    """What both sides of a comparison are reduced to."""
    return (text or "").lower().replace("ё", "е")


class Folded(Func):
    """``fold(expression)`` in SQL."""

    template = "REPLACE(LOWER(%(expressions)s), 'ё', 'е')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template=f"{SQLITE_FOLD_FUNCTION}(%(expressions)s)", **extra_context)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: teach every new SQLite connection ``supportdesk_fold``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLD_FUNCTION, 1, lambda value: None if value is None else fold(value), deterministic=True)


_stemmers = threading.local()  # snowballstemmer's stemmers keep state between calls: one per thread


def _stem(word: str) -> str:
    if not hasattr(_stemmers, "russian"):
        _stemmers.russian = snowballstemmer.stemmer("russian")
        _stemmers.english = snowballstemmer.stemmer("english")
    return (_stemmers.english if LATIN.fullmatch(word) else _stemmers.russian).stemWord(word)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits)."""
    return WORD.findall(fold(text))


def stems_text(texts: Iterable[str]) -> str:
    """The stored ``stems`` column: every word's stem, space-separated, with a space on both ends so that
    ``LIKE '% stem%'`` finds a stem at the start of a stored one."""
    stems = [_stem(word) for text in texts for word in words(text)]
    return f" {' '.join(stems)} " if stems else ""


def is_postgresql(queryset_or_alias) -> bool:
    alias = queryset_or_alias if isinstance(queryset_or_alias, str) else queryset_or_alias.db
    return connections[alias].vendor == "postgresql"


def vector_names(people: str) -> str:
    """What of ``people`` (names and e-mail) goes into the vector: the names, without the e-mail addresses.

    An address is one lexeme of its own (PostgreSQL's parser keeps "anna@example.org" whole), a different one for
    every student: one more entry of the GIN index per student, whose prefix queries the people's trigram index
    answers anyway (a prefix of an address is a part of it; a whole address goes to Student.email). At 100k generated
    tickets (66,827 students) the vector's index took 11.8 MB with them and 4.8 MB without, the vectors 3.4 MB more."""
    return " ".join(word for word in people.split() if "@" not in word)


def search_vector(names, conversation, ocr) -> SearchVector:
    """The weighted tsvector of one ticket (PostgreSQL), built from already folded texts (strings, or SQL
    expressions giving them: tickets.loadgen builds many documents in one INSERT ... SELECT). ``names``: the
    people's names only (``vector_names``)."""
    def text(value):
        return Value(value) if isinstance(value, str) else value

    return (
        SearchVector(text(names), weight="A", config=FTS_CONFIG)
        + SearchVector(text(conversation), weight="B", config=FTS_CONFIG)
        + SearchVector(text(ocr), weight="C", config=FTS_CONFIG)
    )


def _tsquery_text(terms: list[str]) -> str:
    return " & ".join(f"{term}:*" for term in terms)


def _tsquery(terms: list[str]) -> SearchQuery:
    return SearchQuery(_tsquery_text(terms), search_type="raw", config=FTS_CONFIG)


def _query_words(query: str) -> list[str]:
    return list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS]


def _document_match(query: str, terms: list[str], prefix: str = "") -> Q:
    """PostgreSQL: a search document (``prefix``: the path to it) that ``query`` finds: a part of a name or an address
    anywhere (the trigram index) or every word as a prefix of a stem (the vector's GIN index)."""
    found = Q(**{f"{prefix}people__contains": fold(query)})
    return found | Q(**{f"{prefix}vector": _tsquery(terms)}) if terms else found


def ticket_matches(queryset: QuerySet, query: str) -> QuerySet:
    """The tickets of ``queryset`` that ``query`` finds; an empty query finds them all."""
    query = (query or "").strip()
    if not query:
        return queryset
    if query.lstrip("#").isdigit():
        return queryset.filter(Q(pk=int(query.lstrip("#"))) | Q(description__contains=query))
    if EMAIL.fullmatch(query):
        # A whole address: students' addresses are stored normalised under a unique index (Student.email), so an
        # exact match uses it. A part of one ("anna@") is searched as words and in the folded names below.
        return queryset.filter(student__email=Student.normalize_email(query))
    terms = _query_words(query)
    if is_postgresql(queryset):
        return queryset.filter(_document_match(query, terms, "search_document__"))
    # A part of a name or an address anywhere.
    found = Q(search_document__people__contains=fold(query))
    if terms:
        every_word = Q()
        for term in terms:
            every_word &= Q(search_document__stems__contains=f" {_stem(term)}")
        found |= every_word
    return queryset.filter(found)


# Ranking is bounded: ``ts_rank`` reads and scores a document's whole tsvector, so ranking every match of a common
# word before the LIMIT cost ~216-282 ms at 100k tickets (57,529 matches of "оплатой", its sort spilling ~32 MB to
# disk; README, "Operator pages at a million tickets"), growing with the history. Only the newest ``RANKED_ROWS + 1``
# matches are ranked, and the search page counts and numbers as many (views.operator: 20 pages of 25, "500+" past
# them), so every numbered page is filled from them. A word with fewer matches is ranked exactly as before; for a
# word with more, "best match first" is the best of its newest 501 matches. Newest by id (ids are given in creation
# order): the ticket's primary key walked backwards for a common word, the GIN/trigram indexes for a rare one.
# The page's query at 100k (EXPLAIN ANALYZE, load 11-14): 2,501 candidates (the queue pages' cap) 105 ms for the common
# word and 294 ms for the rarer one; 501 candidates 41 and 86 ms.
RANKED_ROWS = 500
# The newest matches are found in the search documents alone, then the list's own conditions (the queues the
# operator may see, status, ...) are applied to them; ``CANDIDATE_BATCHES`` documents at most per try, newest first.
# A rare word's matches come from the GIN/trigram bitmaps, all of them, so their number grows with the history
# ("Колесников": 188 at 100k tickets, ~1,900 at 1M); joined to their tickets before the LIMIT (the queue condition),
# each cost three more index pages, and the page ran that twice (its count and its rows): 2.7 ms a run at 100k,
# growing ~10x. Read from the documents alone, once, they cost a third of it (README, "Fourth pass"). When the
# list's conditions leave fewer than ``RANKED_ROWS + 1`` of two batches (an operator of one small queue searching
# a common word), the exact subquery over the whole list is used, as before.
CANDIDATE_BATCHES = (RANKED_ROWS + 1, 8 * (RANKED_ROWS + 1))


class AnyOf(Func):
    """``column = ANY(ARRAY(subquery))``: the subquery runs once and its ids are looked up by the primary key. As
    ``IN (subquery)`` PostgreSQL hashed the ids and read every ticket to probe them (a sequential scan, 70 ms
    at 100k tickets under load), its estimate of a LIMITed subquery's rows being useless for the join."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def _array_text(values: Iterable) -> str:
    """PostgreSQL's text form of an array of numbers, ``{1,2,3}``: one query parameter for the whole list, cast in SQL.
    As ``IN (%s, %s, …)`` each of 501 ids was a placeholder of its own, which Django prepared one by one and psycopg
    (client-side binding, pure Python here) parsed out of a query too long for its cache, every time, in three
    queries a page (cProfile of 10 searches at 1M tickets: 1,432k Python calls, 1,016k with one parameter; 188
    placeholders at 100k). ``repr`` of a float
    is the shortest text that reads back as the same double, so a ``real`` rank cast back from it is the same real."""
    return "{" + ",".join(map(repr, values)) + "}"


class IdIn(Func):
    """``id = ANY('{…}'::bigint[])``: the tickets of these ids, the list one parameter (``_array_text``); the plan is
    the one of ``IN (…)`` (PostgreSQL turns an IN list into ``= ANY(ARRAY[…])``)."""

    output_field = BooleanField()

    def __init__(self, ids: Iterable[int]):
        super().__init__(F("pk"))
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} = ANY(%s::bigint[])", [*params, _array_text(self.ids)]


class RankOf(Func):
    """The rank already computed for a ticket, as the ``real`` ``ts_rank`` returned: ``ranks[i]`` of ``ids[i]``, the ids
    ascending and found by ``width_bucket`` (a binary search; a float4 read into Python and written back as ``real`` is
    the same number, so the order by it is the order by ``ts_rank`` itself). ``array_position`` searched linearly:
    501 tickets × 501 ids cost 2.2 ms per evaluation at 1M (the page's row query evaluates it twice), ``width_bucket``
    0.1 ms (EXPLAIN ANALYZE of the same 501 ids)."""

    output_field = FloatField()

    def __init__(self, ranks: dict[int, float]):
        super().__init__(F("pk"))
        self.ids = sorted(ranks)
        self.ranks = [ranks[pk] for pk in self.ids]

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"(%s::real[])[width_bucket({column}, %s::bigint[])]", [_array_text(self.ranks), *params, _array_text(self.ids)]


# The newest matching documents and their rank in one read: ``ts_rank`` outside the LIMITed subquery, so only the
# rows kept are ranked, from the vectors the bitmap scan has just read. The page's row query joined the 501 ranked
# tickets to their documents again for ``ts_rank`` (a rare surname at 1M tickets: that query 6,597 → 4,090 buffers,
# the page's 12,843 → 10,336; 100k 1,946 → 1,193 and 3,378 → 2,625; README, "Fifth pass").
RANKED_DOCUMENTS = "SELECT d.ticket_id, ts_rank(d.vector, to_tsquery(%s::regconfig, %s)) FROM ({documents}) d"


def _ranked_documents(documents: QuerySet, terms: list[str]) -> list[tuple[int, float]]:
    """(ticket id, ``ts_rank``) of ``documents`` (their ids and vectors, newest first, sliced), newest first."""
    sql, params = documents.query.sql_with_params()
    with connections[documents.db].cursor() as cursor:
        cursor.execute(RANKED_DOCUMENTS.format(documents=sql), [FTS_CONFIG, _tsquery_text(terms), *params])
        return sorted(cursor.fetchall(), reverse=True)


def _newest_matches(queryset: QuerySet, query: str, terms: list[str]) -> list[tuple[int, float]] | None:
    """The newest ``RANKED_ROWS + 1`` tickets of ``queryset`` that ``query`` finds, newest first, with their rank
    (``ts_rank`` of the weighted vector), found from the search documents (PostgreSQL); None when two batches of
    documents were not enough. ``queryset`` may be the list before ticket_matches: the documents already satisfy
    the search, so it need not be applied again."""
    if EMAIL.fullmatch(query.strip()):
        return None  # a whole address is matched on the student's column, not in the documents (ticket_matches)
    limit = RANKED_ROWS + 1
    documents = (
        TicketSearchDocument.objects.using(queryset.db)
        .filter(_document_match(query.strip(), terms))
        .order_by("-ticket_id").values("ticket_id", "vector")
    )
    found: list[tuple[int, float]] = []
    below = None
    for batch in CANDIDATE_BATCHES:
        ranks = dict(_ranked_documents((documents if below is None else documents.filter(ticket_id__lt=below))[:batch], terms))
        if ranks:  # the list's own conditions, on these ids only (the primary key)
            kept = queryset.filter(IdIn(ranks)).order_by("-pk").values_list("pk", flat=True)[: limit - len(found)]
            found += [(pk, ranks[pk]) for pk in kept]
        if len(found) >= limit or len(ranks) < batch:
            return found  # filled, or every matching document read
        below = min(ranks)
    return None


def ranked(queryset: QuerySet, query: str, unsearched: QuerySet | None = None) -> QuerySet:
    """``queryset`` (filtered by ticket_matches(…, ``query``)) best match first (PostgreSQL: SearchRank of the
    weighted vector over the newest ``RANKED_ROWS + 1`` matches), then newest; SQLite has no rank and lists newest
    first. ``unsearched``: the same list before ticket_matches, when the caller has it. The newest matches then get
    the list's other conditions (queues, status, …) alone: with the search condition in it too, PostgreSQL read the
    matches' index bitmaps a second time for the ids already found (a rare surname at 1M tickets: 5,341 of the
    page's 15,874 buffers; README, "Fourth pass")."""
    terms = _query_words(query)
    if terms and is_postgresql(queryset) and not query.strip().lstrip("#").isdigit():
        newest = _newest_matches(queryset if unsearched is None else unsearched, query, terms)
        if newest is not None:  # ranked already: the tickets by their primary key, the documents not read again
            # (no ids: Q(pk__in=[]) is empty without a query)
            candidates = IdIn(pk for pk, _rank in newest) if newest else Q(pk__in=[])
            rank = RankOf(dict(newest))
        else:
            candidates = AnyOf(F("pk"), Subquery(queryset.order_by("-pk").values("pk")[:RANKED_ROWS + 1]))
            rank = SearchRank(F("search_document__vector"), _tsquery(terms))
        return (
            queryset.model._default_manager.filter(candidates)
            .annotate(search_rank=rank)
            .order_by(F("search_rank").desc(nulls_last=True), "-created_at", "-id")
        )
    return queryset.order_by("-created_at", "-id")
