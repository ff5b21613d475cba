#!/usr/bin/env python
"""What the operators' search costs on PostgreSQL with and without its indexes, measured side by side.

    python bench/search_postgres.py                         # 100 000 tickets, postgres://postgres@127.0.0.1:5432/test
    python bench/search_postgres.py --rows 1000000 --url postgres://...

Builds a scratch table shaped like ``tickets_ticketsearchdocument`` (migration 0016: ``people`` folded names and
e-mail, ``vector`` the weighted ``russian`` tsvector) in its own schema, fills it with synthetic Russian tickets,
then times the query ``tickets.search.ticket_matches`` sends (words as stem prefixes, OR a part of a name/e-mail)
three ways: with the GIN indexes (the desk), with index scans switched off (what the same query costs without them),
and the issue-8 style substring scan of ``LOWER(text) LIKE '%…%'`` that the document replaced. The schema is
dropped at the end.
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import time

import psycopg

WORDS = ("оплата оплатой оплатил деньги списали дважды курс курса доступ урок уроки сертификат сертификата чек возврат "
         "карта картой банк платёж платежа вебинар запись домашнее задание проверка куратор пароль вход почта личный "
         "кабинет не открывается ошибка страница видео звук тест экзамен модуль рассрочка скидка промокод").split()
NAMES = "Анна Пётр Мария Иван Ольга Сергей Елена Дмитрий Наталья Алексей".split()
SURNAMES = "Волков Иванов Смирнова Кузнецов Попова Соколов Лебедева Козлов Новикова Морозов".split()
SYLLABLES = "ба ве ги до жу зо ка ле ми но пу ро са ти фу хо це чи ша щу".split()
# (tsquery, LIKE pattern, what it is): a common word in another form, a rare word (~1 ticket in 2 000), a surname in
# another case, a part of an e-mail address (the trigram index), two words together.
QUERIES = [("оплатой:*", "%оплатой%", "common word"), ("кабинета:*", "%кабинета%", "less common"),
           ("RARE:*", "%RARE%", "rare word"), ("волков:*", "%волков%", "surname, any case"),
           ("anna1234:*", "%anna1234@%", "e-mail part"), ("промокод:* & RARE:*", "%RARE%", "two words")]


def rare_words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(4)) for _ in range(n)]


def rows(n: int, rare: list[str], seed: int = 7):
    """Mostly the common support vocabulary; one word in ten from a long tail (names of courses, products, errors)."""
    rng = random.Random(seed)
    common = [w for w in WORDS if w != "кабинет"]
    def word():
        roll = rng.random()
        return rng.choice(rare) if roll < 0.1 else ("кабинет" if roll < 0.11 else rng.choice(common))
    for i in range(n):
        name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"
        email = f"{name.split()[0].lower()}{i}@example.org" if rng.random() < 0.5 else f"anna{i}@example.org"
        text = " ".join(word() for _ in range(rng.randint(8, 40)))
        ocr = " ".join(word() for _ in range(rng.randint(0, 60)))
        yield i, f"{name} {email}".lower().replace("ё", "е"), text.replace("ё", "е"), ocr.replace("ё", "е")


def timed(cursor, sql: str, params, repeat: int) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        cursor.execute(sql, params)
        found = cursor.fetchone()[0]
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    schema = f"bench_search_{random.randrange(10**8)}"
    # No server-side prepared statements: a cached plan would ignore the enable_* switches of the "no index" runs.
    with psycopg.connect(args.url, autocommit=True, prepare_threshold=None) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(f"CREATE SCHEMA {schema}")
        try:
            cursor.execute(f"SET search_path TO {schema}, public")
            cursor.execute("CREATE TABLE doc (ticket_id int PRIMARY KEY, people text, conversation text, ocr text, vector tsvector)")
            started = time.perf_counter()
            rare = rare_words(random.Random(11), max(args.rows // 20, 100))
            with cursor.copy("COPY doc (ticket_id, people, conversation, ocr) FROM STDIN") as copy:
                for row in rows(args.rows, rare):
                    copy.write_row(row)
            cursor.execute("UPDATE doc SET vector = setweight(to_tsvector('russian', people), 'A') || "
                           "setweight(to_tsvector('russian', conversation), 'B') || setweight(to_tsvector('russian', ocr), 'C')")
            fill_s = time.perf_counter() - started
            started = time.perf_counter()
            cursor.execute("CREATE INDEX ON doc USING gin (vector)")
            cursor.execute("CREATE INDEX ON doc USING gin (people gin_trgm_ops)")
            cursor.execute("ANALYZE doc")
            index_s = time.perf_counter() - started
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('doc')), pg_size_pretty(pg_indexes_size('doc'))")
            table_size, index_size = cursor.fetchone()
            print(f"{args.rows} tickets: filled in {fill_s:.1f} s, indexed in {index_s:.1f} s; table+indexes {table_size}, indexes {index_size}")
            desk_sql = ("SELECT count(*) FROM doc WHERE vector @@ to_tsquery('russian'::regconfig, %s) OR people LIKE %s")
            scan_sql = "SELECT count(*) FROM doc WHERE LOWER(conversation || ' ' || ocr || ' ' || people) LIKE %s"
            print(f"{'query':<28}{'found':>8}{'indexed ms':>12}{'no index ms':>13}{'ratio':>8}{'LIKE scan ms':>14}{'ratio':>8}")
            for tsquery, like, what in QUERIES:
                tsquery, like = tsquery.replace("RARE", rare[0]), like.replace("RARE", rare[0])
                indexed_ms, found = timed(cursor, desk_sql, (tsquery, like), args.repeat)
                cursor.execute("SET enable_bitmapscan = off")
                cursor.execute("SET enable_indexscan = off")
                unindexed_ms, found_again = timed(cursor, desk_sql, (tsquery, like), args.repeat)
                cursor.execute("RESET enable_bitmapscan")
                cursor.execute("RESET enable_indexscan")
                assert found == found_again
                scan_ms, _ = timed(cursor, scan_sql, (like,), args.repeat)
                print(f"{what:<28}{found:>8}{indexed_ms:>12.1f}{unindexed_ms:>13.1f}{unindexed_ms / indexed_ms:>8.1f}"
                      f"{scan_ms:>14.1f}{scan_ms / indexed_ms:>8.1f}")
        finally:
            cursor.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
