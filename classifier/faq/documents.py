"""The knowledge base as data: one ``FaqDocument`` per question/answer, and the ``faq.yaml`` format.

``faq.yaml``: ``school, site, updated, entries[]: id, topic, question, alt_questions, answer`` (and
``learned_questions`` in a desk's export, when operators added some). The desk
stores the same fields in ``knowledge.FaqEntry`` rows and hands them to the classifier as ``FaqDocument``s.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml


@dataclass(frozen=True)
class FaqDocument:
    id: str
    topic: str
    question: str
    alt_questions: tuple[str, ...] = ()
    answer: str = ""
    # Students' phrasings an operator accepted (``classifier/faq/learning.py``). Kept apart from the school's own
    # questions: they enter only the dense question signal, never the joined lexical documents (see there).
    learned_questions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "alt_questions", tuple(str(q) for q in (self.alt_questions or ())))
        object.__setattr__(self, "learned_questions", tuple(str(q) for q in (self.learned_questions or ())))

    @property
    def questions(self) -> list[str]:
        """The school's own phrasings (question + alternative questions)."""
        return [q for q in (self.question, *self.alt_questions) if q and q.strip()]

    @property
    def dense_questions(self) -> list[str]:
        """Every phrasing the dense question signal compares a message with: the school's, then the learned."""
        return self.questions + [q for q in self.learned_questions if q and q.strip()]

    def answer_rows(self) -> list[str]:
        """What the dense answer signals compare a message with: the whole answer, then each of its sentences longer
        than 15 characters (a long answer covers several questions; one sentence matches one of them better)."""
        if not self.answer:
            return []
        sentences = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", self.answer) if len(p.strip()) > 15]
        return [self.answer] + sentences

    def content_hash(self) -> str:
        """Hash of everything that is embedded: a changed entry gets a new hash and is re-embedded."""
        parts = [self.question, *self.alt_questions, "\x1e", self.answer]
        if self.learned_questions:  # no learned phrasings: the hash as before (stored embeddings stay valid)
            parts += ["\x1d", *self.learned_questions]
        blob = "\x1f".join(parts)
        return hashlib.sha1(blob.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "topic": self.topic,
            "question": self.question,
            "alt_questions": list(self.alt_questions),
            "answer": self.answer,
        }
        if self.learned_questions:  # only when there are some: a school's own faq.yaml keeps its five keys
            d["learned_questions"] = list(self.learned_questions)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FaqDocument":
        missing = [k for k in ("id", "question") if not d.get(k)]
        if missing:
            raise ValueError(f"FAQ entry {d!r} lacks {', '.join(missing)}")
        return cls(
            id=str(d["id"]),
            topic=str(d.get("topic") or "general"),
            question=str(d["question"]).strip(),
            alt_questions=tuple(str(q).strip() for q in (d.get("alt_questions") or [])),
            answer=str(d.get("answer") or "").strip(),
            learned_questions=tuple(str(q).strip() for q in (d.get("learned_questions") or []) if str(q).strip()),
        )


def load_faq_document(path_or_text: str | Path) -> tuple[dict[str, Any], list[FaqDocument]]:
    """Read a faq.yaml (path, or YAML text) -> (header fields such as school/site/updated, entries)."""
    if isinstance(path_or_text, Path) or (isinstance(path_or_text, str) and "\n" not in path_or_text
                                          and Path(path_or_text).exists()):
        text = Path(path_or_text).read_text(encoding="utf-8")
    else:
        text = str(path_or_text)
    doc = yaml.safe_load(text) or {}
    if isinstance(doc, list):  # a bare list of entries is accepted too
        doc = {"entries": doc}
    entries = [FaqDocument.from_dict(e) for e in doc.get("entries") or []]
    ids = [e.id for e in entries]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"duplicate FAQ ids: {', '.join(dup)}")
    header = {k: v for k, v in doc.items() if k != "entries"}
    return header, entries


def load_faq_yaml(path: str | Path) -> list[FaqDocument]:
    return load_faq_document(path)[1]


class _LiteralStr(str):
    pass


def _literal_representer(dumper: yaml.SafeDumper, data: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")


class _FaqDumper(yaml.SafeDumper):
    pass


_FaqDumper.add_representer(_LiteralStr, _literal_representer)


def dump_faq_yaml(
    entries: Iterable[FaqDocument | dict],
    path: str | Path | None = None,
    *,
    school: str | None = None,
    site: str | None = None,
    updated: str | None = None,
    **header: Any,
) -> str:
    """Serialise entries in the faq.yaml schema; write to ``path`` if given; return the YAML text."""
    doc: dict[str, Any] = {}
    for k, v in (("school", school), ("site", site), ("updated", updated), *header.items()):
        if v is not None:
            doc[k] = str(v) if k == "updated" else v
    out = []
    for e in entries:
        d = e.to_dict() if isinstance(e, FaqDocument) else FaqDocument.from_dict(e).to_dict()
        if "\n" in d["answer"] or len(d["answer"]) > 100:
            d["answer"] = _LiteralStr(d["answer"].rstrip("\n") + "\n")
        out.append(d)
    doc["entries"] = out
    text = yaml.dump(doc, Dumper=_FaqDumper, allow_unicode=True, sort_keys=False, width=120)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def topic_examples(documents: Iterable[FaqDocument]) -> dict[str, list[str]]:
    """A school's FAQ as labelled examples of message topics: each entry's questions under its topic."""
    out: dict[str, list[str]] = {}
    for doc in documents:
        out.setdefault(doc.topic, []).extend(doc.questions)
    return out


def school_texts(documents: Iterable[FaqDocument]) -> list[str]:
    """Everything a school's FAQ says (questions, alternative questions, answers): where the classifier learns
    the school's own vocabulary (``LabelSet.with_school_faq``)."""
    return [t for doc in documents for t in (*doc.questions, doc.answer) if t and t.strip()]


__all__ = ["FaqDocument", "load_faq_document", "load_faq_yaml", "dump_faq_yaml", "topic_examples", "school_texts"]
