"""Realistic load data for measuring the operators' pages (``manage.py generate_tickets N``).

A desk after a few years: most tickets resolved or closed long ago, a few hundred open ones from the last days,
students who come back, screenshots, the classifier's predictions, operators' replies (with their deliveries,
a few failed) and the audit trail. The rows are made in Python in chunks and written in bulk, never one ORM
save per row:

* PostgreSQL: ``COPY ... FROM STDIN`` through psycopg's copy API (measured on the 2-core box: see README,
  "Operator pages at a million tickets"); the id sequences are moved past the new rows afterwards.
* SQLite (and anything else): ``executemany`` of one INSERT per table and chunk. ``bulk_create`` would be
  the obvious call, but it runs each field's ``pre_save`` and ``auto_now_add`` then stamps every row with
  *now*, which throws away the ages the pages sort and count by.

Each ticket's search document (what the operators' search reads) is written with the chunk, the same as
services.search_index.ticket_search_refresh builds it (search_documents_write).

Ids are assigned here (each table's max + 1) so the rows of one chunk can point at each other without a
round trip. Meant for a database of its own, not one the desk is writing to at the same time.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from collections.abc import Callable, Iterator

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max, TextField, sql
from django.db.models.expressions import RawSQL
from django.utils import timezone

from . import search
from .models import Attachment, Delivery, Message, Prediction, Queue, Student, Ticket, TicketEvent, TicketSearchDocument
from .models.packed import FloatMapField, pack_score_table
from .services.search_index import document_texts

# What a queue's tickets say (the student's words) and what the screenshots read: short Russian support texts.
TEXTS = {
    "payment": [
        "Не проходит оплата картой, пишет что банк отклонил операцию",
        "Списали деньги дважды за один курс, верните пожалуйста",
        "Оплатил рассрочку, а доступ к курсу так и не открылся",
        "Где взять чек об оплате для налогового вычета?",
    ],
    "course": [
        "Не открывается урок 5, видео не грузится",
        "Домашнее задание не отправляется, кнопка неактивна",
        "Можно перенести дедлайн по проекту? Болел неделю",
        "Куратор не проверяет работу уже десять дней",
    ],
    "profile": [
        "Не могу войти в личный кабинет, пароль не подходит",
        "Как сменить почту в профиле?",
        "Не приходит код подтверждения на телефон",
        "Хочу удалить аккаунт и все данные",
    ],
    "triage": [
        "Здравствуйте, у меня вопрос",
        "Ничего не работает, помогите",
        "Скриншот во вложении",
        "Подскажите пожалуйста по поводу обучения",
    ],
}
OCR_LINES = [
    "Оплата не прошла", "Банк отклонил операцию", "Личный кабинет", "Мои курсы", "Урок 5. Введение в Python",
    "Ошибка 403", "Войти", "Неверный пароль", "Домашнее задание", "Отправить на проверку", "Сумма к оплате 12 900 ₽",
    "Visa •••• 4242", "Профиль", "Настройки уведомлений", "Код подтверждения", "Сертификат", "Расписание вебинаров",
]
REPLIES = [
    "Здравствуйте! Проверили платёж, доступ открыт. Обновите страницу, пожалуйста.",
    "Добрый день! Передали вопрос куратору, ответ будет сегодня.",
    "Здравствуйте! Сбросили пароль, ссылка для входа отправлена на вашу почту.",
    "Спасибо, что написали! Дедлайн перенесли на неделю.",
]
LABEL_OF_QUEUE = {"payment": "payment-problem", "course": "course-problem", "profile": "profile-problem"}
QUEUE_WEIGHTS = {"payment": 35, "course": 30, "profile": 20, "triage": 15}
LABELS = ["payment-problem", "course-problem", "profile-problem", "other"]
SIGNALS = ["ocr_text", "student_text", "lexical", "memory", "school"]
EMBEDDING_DIMENSIONS = 512  # the sentence encoder's (USE-multilingual)
LOAD_OPERATORS = 8
FIRST_NAMES = [("Анна", True), ("Иван", False), ("Мария", True), ("Олег", False), ("Дина", True), ("Пётр", False), ("Алия", True), ("Сергей", False)]
# Surnames as common as in life (Zipf): the first ~19 % of the students, the last ~0.2 %, so a search by a
# surname can be measured both for a common and a rare one.
SURNAMES = [
    "Смирнов", "Иванов", "Кузнецов", "Соколов", "Попов", "Лебедев", "Козлов", "Новиков", "Морозов", "Петров", "Волков",
    "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов", "Голубев", "Виноградов", "Богданов", "Воробьёв", "Фёдоров",
    "Михайлов", "Беляев", "Тарасов", "Белов", "Комаров", "Орлов", "Киселёв", "Макаров", "Андреев", "Ковалёв", "Ильин",
    "Гусев", "Титов", "Кузьмин", "Кудрявцев", "Баранов", "Куликов", "Алексеев", "Степанов", "Яковлев", "Сорокин",
    "Сергеев", "Романов", "Захаров", "Борисов", "Королёв", "Герасимов", "Пономарёв", "Григорьев", "Лазарев", "Медведев",
    "Ершов", "Никитин", "Соболев", "Рябов", "Поляков", "Цветков", "Данилов", "Жуков", "Фролов", "Журавлёв", "Николаев",
    "Крылов", "Максимов", "Сидоров", "Осипов", "Белоусов", "Федотов", "Дорофеев", "Егоров", "Матвеев", "Бобров",
    "Дмитриев", "Калинин", "Анисимов", "Петухов", "Антонов", "Тимофеев", "Никифоров", "Веселов", "Филиппов", "Марков",
    "Большаков", "Суханов", "Миронов", "Ширяев", "Александров", "Коновалов", "Шестаков", "Казаков", "Ефимов", "Денисов",
    "Громов", "Фомин", "Давыдов", "Мельников", "Щербаков", "Блинов", "Колесников",
]
SURNAME_WEIGHTS = [1 / rank for rank in range(1, len(SURNAMES) + 1)]


@dataclass
class Rows:
    """The rows of one chunk, per model, as tuples in the order of ``columns(model)``."""

    by_model: dict[type[models.Model], list[tuple]] = field(default_factory=dict)
    # (ticket_id, people, conversation, ocr) as services.search_index.document_texts folds them: the search documents.
    search_texts: list[tuple[int, str, str, str]] = field(default_factory=list)

    def add(self, model: type[models.Model], row: tuple) -> None:
        self.by_model.setdefault(model, []).append(row)


TICKET_FIELDS = [
    "id", "public_token", "public_token_digest", "name", "student_id", "description", "status", "queue_id", "assignee_id",
    "label", "confidence", "classification_state", "label_overridden", "classification_attempts", "source", "language",
    "topic", "auto_answer_state", "auto_answered_at", "waiting_since", "first_response_at", "resolved_at", "created_at",
    "updated_at",
]
MESSAGE_FIELDS = ["id", "ticket_id", "author_kind", "author_id", "body", "faq_entry_id", "created_at"]
ATTACHMENT_FIELDS = [
    "id", "ticket_id", "message_id", "file", "thumbnail", "content_type", "width", "height", "size_bytes", "original_name",
    "sha256", "created_at",
]
EVENT_FIELDS = ["id", "ticket_id", "actor_id", "kind", "old_value", "new_value", "confidence", "model_version", "reason", "created_at"]
DELIVERY_FIELDS = [
    "id", "created_at", "updated_at", "status", "attempts", "last_error", "next_attempt_at", "sent_at", "ticket_id", "message_id",
    "channel", "address", "kind", "payload",
]
STUDENT_FIELDS = ["id", "created_at", "updated_at", "name", "email"]


def prediction_fields() -> list[str]:
    names = ["id", "ticket_id", "label", "confidence", "scores", "signals", "ocr_text", "model_version", "timings", "error", "created_at"]
    # Before migration 0017 a prediction also kept a 512-float embedding as JSON (~6.3 KB a row; nothing read it).
    if any(f.name == "embedding" for f in Prediction._meta.concrete_fields):
        names.insert(-1, "embedding")
    return names


FIELDS = {
    Student: STUDENT_FIELDS, Ticket: TICKET_FIELDS, Message: MESSAGE_FIELDS, Attachment: ATTACHMENT_FIELDS,
    TicketEvent: EVENT_FIELDS, Delivery: DELIVERY_FIELDS,
}
WRITE_ORDER = [Student, Ticket, Message, Attachment, Prediction, TicketEvent, Delivery]
# TicketSearchDocument is written after them (search_documents_write); its primary key is the ticket's, no sequence.


def columns(model) -> list[str]:
    names = prediction_fields() if model is Prediction else FIELDS[model]
    return [model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") and name != "id" else name).column for name in names]


class IdBlock:
    """The next free ids of each table (max + 1 when the run starts)."""

    def __init__(self):
        self.next = {model: (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1 for model in WRITE_ORDER}

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


class Generator:
    def __init__(self, *, days: int = 730, seed: int = 13, now: datetime | None = None):
        self.random = random.Random(seed)
        self.now = now or timezone.now()
        self.days = days
        self.queues = {queue.slug: queue.pk for queue in Queue.objects.all()}
        self.queue_slugs = [slug for slug in QUEUE_WEIGHTS if slug in self.queues] or list(self.queues)
        self.queue_weights = [QUEUE_WEIGHTS.get(slug, 10) for slug in self.queue_slugs]
        self.operators = _load_operators()
        self.ids = IdBlock()
        self.with_embedding = "embedding" in prediction_fields()
        self.students: list[tuple[int, str, str]] = []  # (id, name, email) of this run's students
        # 512 random floats as JSON cost ~2 ms a row in Python (11 of 13 s per 5,000 tickets); a pool of distinct
        # vectors gives every row the real size (~6.3 KB) at no cost.
        self.embeddings = [
            json.dumps([round(self.random.gauss(0, 0.05), 6) for _ in range(EMBEDDING_DIMENSIONS)]) for _ in range(64)
        ] if self.with_embedding else []

    # -- one chunk -------------------------------------------------------------------------------------------
    def chunk(self, count: int, start_age_seconds: float, end_age_seconds: float) -> Rows:
        """``count`` tickets created between the two ages (seconds before now), oldest first."""
        rows = Rows()
        ages = sorted((self.random.uniform(end_age_seconds, start_age_seconds) for _ in range(count)), reverse=True)
        for age in ages:
            self._ticket(rows, self.now - timedelta(seconds=age))
        return rows

    def _student(self, rows: Rows, created_at: datetime) -> tuple[int, str, str]:
        # One in three tickets comes from a student who wrote before.
        if self.students and self.random.random() < 0.33:
            return self.random.choice(self.students)
        pk = self.ids.take(Student)
        first, female = self.random.choice(FIRST_NAMES)
        surname = self.random.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        name = f"{first} {surname}{'а' if female else ''}"
        student = (pk, name, f"load-{pk}@students.example")
        rows.add(Student, (pk, created_at, created_at, name, student[2]))
        self.students.append(student)
        if len(self.students) > 50_000:
            del self.students[:10_000]  # bounded memory at a million tickets
        return student

    def _ticket(self, rows: Rows, created: datetime) -> None:
        r = self.random
        age = self.now - created
        slug = r.choices(self.queue_slugs, self.queue_weights)[0]
        student_id, student_name, email = self._student(rows, created)
        status = self._status(age)
        pk = self.ids.take(Ticket)
        description = r.choice(TEXTS.get(slug, TEXTS["triage"]))
        classification = "failed" if r.random() < 0.01 else "done"
        label = LABEL_OF_QUEUE.get(slug, "") if classification == "done" else ""
        confidence = round(r.uniform(0.55, 0.99), 3) if label else None
        is_open = status in Ticket.OPEN_STATUSES
        answered = status != "new" and r.random() < 0.9
        first_response_at = created + timedelta(minutes=r.expovariate(1 / 90)) if answered else None
        if first_response_at and first_response_at > self.now:
            first_response_at = self.now
        resolved_at = None if is_open else min(self.now, (first_response_at or created) + timedelta(hours=r.expovariate(1 / 20)))
        waiting_since = created if status in ("new", "open") else None
        assignee = r.choice(self.operators) if self.operators and status != "new" and r.random() < 0.7 else None
        token = secrets.token_urlsafe(32)
        updated = resolved_at or first_response_at or created
        rows.add(Ticket, (
            pk, token, hashlib.sha256(token.encode()).digest(), student_name, student_id, description, status,
            self.queues[slug], assignee, label, confidence, classification, r.random() < 0.02, 1, r.choice(["web", "web", "api"]),
            "ru", slug if slug != "triage" else "general", "none", None, waiting_since, first_response_at, resolved_at, created, updated,
        ))
        first_message = self.ids.take(Message)
        rows.add(Message, (first_message, pk, "student", None, description, None, created))
        conversation = [description, description]  # as ticket_search_refresh reads it: the description, then the messages
        screenshots = r.choices([0, 1, 2, 3], [40, 40, 15, 5])[0]
        for n in range(screenshots):
            digest = secrets.token_hex(32)
            rows.add(Attachment, (
                self.ids.take(Attachment), pk, first_message, f"attachments/{digest[:4]}/{digest[4:36]}.png",
                f"attachments/{digest[:4]}/{digest[4:36]}-thumb.jpg", "image/png", 1170, 2532, r.randint(90_000, 400_000),
                f"screenshot-{n + 1}.png", bytes.fromhex(digest), created,
            ))
        events = [(None, "created", "", slug if slug == "triage" else "triage", None, "", "", created)]
        predicted_at = created + timedelta(seconds=r.uniform(1, 30))
        ocr = self._prediction(rows, pk, label, confidence, classification, screenshots, predicted_at)
        events.append((None, "predicted", "", label or ("failed" if classification == "failed" else ""), confidence, "use-m+fit-2", "", predicted_at))
        if slug != "triage":
            events.append((None, "routed", "triage", slug, confidence, "use-m+fit-2", "", predicted_at))
        if assignee:
            events.append((assignee, "assign", "", str(assignee), None, "", "", first_response_at or predicted_at))
        if first_response_at:
            reply = self.ids.take(Message)
            reply_text = r.choice(REPLIES)
            rows.add(Message, (reply, pk, "operator", assignee, reply_text, None, first_response_at))
            conversation.append(reply_text)
            events.append((assignee, "reply", "", "", None, "", "", first_response_at))
            failed = r.random() < 0.005
            rows.add(Delivery, (
                self.ids.take(Delivery), first_response_at, first_response_at, "failed" if failed else "sent", 8 if failed else 1,
                "SMTP 451 try again later" if failed else "", first_response_at, None if failed else first_response_at, pk, reply,
                "email", email, "reply", "{}",
            ))
        if status != "new":
            events.append((assignee, "status", "new", status, None, "", "", resolved_at or first_response_at or predicted_at))
        for actor, kind, old, new, conf, version, reason, at in events:
            rows.add(TicketEvent, (self.ids.take(TicketEvent), pk, actor, kind, old, new, conf, version, reason, at))
        rows.search_texts.append((pk, *document_texts(
            ticket_name=student_name, student_name=student_name, email=email, conversation=conversation, ocr=[ocr] if ocr else [],
        )))

    def _status(self, age: timedelta) -> str:
        r = self.random.random()
        if age < timedelta(days=3):
            return "new" if r < 0.3 else "open" if r < 0.55 else "waiting" if r < 0.75 else "resolved"
        if age < timedelta(days=30):
            return "open" if r < 0.01 else "waiting" if r < 0.02 else "resolved" if r < 0.5 else "closed"
        return "resolved" if r < 0.1 else "closed"

    def _prediction(self, rows, ticket_id, label, confidence, classification, screenshots, at) -> str:
        """Adds the ticket's prediction; returns the OCR text the search reads of it (none from a failed one)."""
        r = self.random
        if classification == "failed":
            ocr = ""
            values = [ticket_id, "", 0.0, b"", b"", "", "", FloatMapField.pack({"total_task": 0.4}), "OCR timed out", at]
        else:
            scores = {name: round(r.random(), 4) for name in LABELS}
            signals = {signal: {name: round(r.random(), 4) for name in LABELS} for signal in SIGNALS}
            ocr = "\n".join(r.choices(OCR_LINES, k=8 * screenshots))
            timings = {"ocr": round(0.5 * screenshots, 3), "fusion": 0.07, "total_task": round(0.5 * screenshots + 0.1, 3)}
            values = [
                ticket_id, label, confidence or round(r.uniform(0.3, 0.5), 3), FloatMapField.pack(scores), pack_score_table(signals), ocr,
                "use-m+fit-2", FloatMapField.pack(timings), "", at,
            ]
        if self.with_embedding:
            embedding = None if classification == "failed" else r.choice(self.embeddings)
            values.insert(-1, embedding)
        rows.add(Prediction, (self.ids.take(Prediction), *values))
        return ocr


def _load_operators() -> list[int]:
    User = get_user_model()
    ids = []
    for n in range(LOAD_OPERATORS):
        user, _created = User.objects.get_or_create(username=f"load-operator-{n + 1}", defaults={"is_active": True})
        ids.append(user.pk)
    return ids


def write(rows: Rows) -> dict[str, int]:
    """Write one chunk: COPY on PostgreSQL, executemany elsewhere. Returns rows written per table."""
    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for model in WRITE_ORDER:
            data = rows.by_model.get(model)
            if not data:
                continue
            table, cols = model._meta.db_table, columns(model)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{table}" ({", ".join(cols)}) FROM STDIN') as copy:
                    for row in data:
                        copy.write_row(row)
            else:
                adapt = connection.ops.adapt_datetimefield_value
                data = [tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in data]
                placeholders = ", ".join(["%s"] * len(cols))
                cursor.executemany(f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({placeholders})', data)
            written[table] = len(data)
        if rows.search_texts:
            search_documents_write(cursor, rows.search_texts)
            written[TicketSearchDocument._meta.db_table] = len(rows.search_texts)
    return written


SEARCH_STAGING_TABLE = "loadgen_search_text"


def search_documents_write(cursor, texts: list[tuple[int, str, str, str]]) -> None:
    """The chunk's search documents, as services.search_index.document_save would write them one by one.

    PostgreSQL: the folded texts are copied into a temporary table and the weighted tsvector is computed in one
    ``INSERT ... SELECT`` over it, by the very expression the service stores (``search.search_vector``, its
    weights and configuration); ~2 KB of OCR per ticket is not sent twice and no ticket gets an UPDATE of its own.
    SQLite: the Snowball stems (``search.stems_text``) in Python, one ``executemany``."""
    table = TicketSearchDocument._meta.db_table
    now = timezone.now()
    if connection.vendor == "postgresql":
        cursor.execute(
            f'CREATE TEMPORARY TABLE "{SEARCH_STAGING_TABLE}" (ticket_id bigint, people text, names text, conversation text, ocr text) '
            'ON COMMIT DROP'
        )
        with cursor.cursor.copy(f'COPY "{SEARCH_STAGING_TABLE}" (ticket_id, people, names, conversation, ocr) FROM STDIN') as copy:
            for ticket_id, people, conversation, ocr in texts:
                copy.write_row((ticket_id, people, search.vector_names(people), conversation, ocr))
        vector_sql, vector_params = _staged_vector_sql()
        cursor.execute(
            f'INSERT INTO "{table}" (ticket_id, people, stems, vector, updated_at) '
            f'SELECT s.ticket_id, s.people, \'\', {vector_sql}, %s FROM "{SEARCH_STAGING_TABLE}" s',
            [*vector_params, now],
        )
        cursor.execute(f'DROP TABLE "{SEARCH_STAGING_TABLE}"')  # a chunk may not be the transaction's last
        return
    updated_at = connection.ops.adapt_datetimefield_value(now)
    cursor.executemany(
        f'INSERT INTO "{table}" (ticket_id, people, stems, vector, updated_at) VALUES (%s, %s, %s, NULL, %s)',
        [(ticket_id, people, search.stems_text((people, conversation, ocr)), updated_at) for ticket_id, people, conversation, ocr in texts],
    )


def _staged_vector_sql() -> tuple[str, list]:
    """``search.search_vector`` over the staging table's columns, compiled to SQL (weights and config as the service's)."""
    query = sql.Query(TicketSearchDocument)
    expression = search.search_vector(*(RawSQL(f"s.{column}", [], output_field=TextField()) for column in ("names", "conversation", "ocr")))
    sql_text, params = query.get_compiler(connection=connection).compile(expression.resolve_expression(query))
    return sql_text, list(params)


def sequences_reset() -> None:
    """After explicit ids, the next ordinary insert must not collide (PostgreSQL's sequences; SQLite follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), WRITE_ORDER)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@contextlib.contextmanager
def search_indexes_built_after() -> Iterator[None]:
    """PostgreSQL: the search documents' GIN indexes dropped for the load and built again from their own definitions.

    Since 0022 they have no pending list, so every COPY'd document updated both at once: ``generate_tickets 100000``
    took 395-411 s instead of 204 s (load 6-12). Building them once at the end is what PostgreSQL's manual advises
    for bulk loads, and gives the smallest indexes (at 100k: 11.4 and 8.0 MB vs 11.4 and 8.9 inserted one by one).
    The definitions are read from ``pg_indexes``, so their storage parameters come back as they were; they are
    built again even when the load fails."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [TicketSearchDocument._meta.db_table, "% USING gin %"],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # Inside a transaction the rows' deferred foreign-key checks are still pending, and PostgreSQL will not
            # build an index on a table with pending trigger events: run the checks now (commit would anyway).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _name, definition in definitions:
                cursor.execute(definition)


def generate(count: int, *, days: int = 730, chunk_size: int = 20_000, seed: int = 13,
             progress: Callable[[int, dict], None] | None = None) -> dict[str, int]:
    """Make ``count`` tickets spread over the last ``days`` days; returns rows written per table."""
    generator = Generator(days=days, seed=seed)
    span = days * 86400.0
    totals: dict[str, int] = {}
    done = 0
    with search_indexes_built_after():
        while done < count:
            size = min(chunk_size, count - done)
            # Chunks go from the oldest to the newest, so ids grow with creation time as on a real desk.
            start_age, end_age = span * (1 - done / count), span * (1 - (done + size) / count)
            for table, n in write(generator.chunk(size, start_age, end_age)).items():
                totals[table] = totals.get(table, 0) + n
            done += size
            if progress:
                progress(done, totals)
    sequences_reset()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, or the planner guesses from an empty table
    return totals
