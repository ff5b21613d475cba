"""Intents (labels) as data.

A label set is a list of :class:`IntentSpec` objects: a name, descriptions in Russian and English (for the
sentence encoder), English CLIP prompts, labelled example texts and optional keyword stems (for the
lexical signal). Out-of-scope pseudo-labels (``in_scope: false``, e.g. ``other``/``offtopic``) win for
things that are not a school problem and make the classifier answer "unsure" (label ``None``).

Label sets ship as YAML (``classifier/data/labels.yaml`` for screenshots, ``topics.yaml`` for messages); the
desk seeds its Intent rows from the first and builds its label set from the rows
(``LabelSet.default_images().with_intents(...)``: the shipped fusion settings, CLIP templates and problem
cues stay). Adding an intent needs no code change.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from .school import SchoolProfile

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_IMAGE_LABELS = DATA_DIR / "labels.yaml"
DEFAULT_TOPIC_LABELS = DATA_DIR / "topics.yaml"
DEFAULT_SCOPE = DATA_DIR / "scope.yaml"

DEFAULT_CLIP_TEMPLATES = [
    "a screenshot of {}.",
    "a screenshot showing {}.",
    "a phone screenshot of {}.",
    "a website screenshot of {}.",
    "an image of {}.",
]


@lru_cache(maxsize=16)
def _read_yaml(path: str, mtime_ns: int) -> Any:
    """Parsed YAML, kept while the file is unchanged (the desk builds a label set per task; parsing
    labels.yaml costs ~10 ms, building from the parsed data well under 1 ms)."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass
class IntentSpec:
    """One label as the classifier sees it (the desk's ``tickets.Intent`` row is turned into one)."""

    name: str
    descriptions: list[str] = field(default_factory=list)  # ru + en, for the sentence encoder
    prompts: list[str] = field(default_factory=list)  # English CLIP prompts (short noun phrases)
    examples: list[str] = field(default_factory=list)  # labelled example texts
    keywords: list[str] = field(default_factory=list)  # lower-case stems for the lexical signal
    # Operators' corrections as remembered (``runtime.memory.correction_text``): the memory signal's items,
    # newest first. Not examples: they are weighed by their own fitted weight (``w_mem``).
    corrections: list[str] = field(default_factory=list)
    in_scope: bool = True  # False for pseudo-labels such as "other": predicting them means "unsure"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("An intent needs a non-empty name.")
        for attr in ("descriptions", "prompts", "examples", "keywords", "corrections"):
            value = getattr(self, attr)
            if value is None:
                value = []
            if isinstance(value, str):
                value = [value]
            setattr(self, attr, [str(v).strip() for v in value if str(v).strip()])

    @property
    def texts(self) -> list[str]:
        """All texts the encoder compares against (descriptions, then examples)."""
        return list(dict.fromkeys(self.descriptions + self.examples))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "IntentSpec":
        known = {"name", "descriptions", "prompts", "examples", "keywords", "corrections", "in_scope"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Unknown intent field(s): {', '.join(sorted(unknown))}.")
        kwargs = dict(data)
        if "in_scope" in kwargs:
            kwargs["in_scope"] = bool(kwargs["in_scope"])
        return cls(**kwargs)


@dataclass
class LabelSet:
    intents: list[IntentSpec]
    # Calibration/fusion parameters (temperature, threshold, signal weights...). Fitted by
    # ``python -m classifier calibrate`` and stored in the YAML; code defaults apply when missing.
    settings: dict[str, Any] = field(default_factory=dict)
    clip_templates: list[str] = field(default_factory=lambda: list(DEFAULT_CLIP_TEMPLATES))
    # Problem cues: stems/phrases that mark the line of a screenshot that shows the problem
    # ("ошибка", "не удалось", "declined"...). Lines with a cue (and their neighbours) form a
    # "focus" text that is scored separately, so navigation chrome weighs less.
    cues: list[str] = field(default_factory=list)
    # Who the school is (name, site, merchant aliases): a screen naming it is evidence for "ours", one naming
    # another site and not the school is evidence for "not ours". Empty in the shipped files: a deployment
    # sets it (the desk from its school profile, ``evaluate DIR`` from DIR/faq.yaml's school and site).
    school: SchoolProfile = field(default_factory=SchoolProfile)
    # The general vocabulary of online education (``scope.yaml``'s ``school.keywords``): stems whose presence
    # makes a screen more likely the school's, whichever school it is.
    school_vocabulary: list[str] = field(default_factory=list)
    # The school's own vocabulary (``runtime.school_terms``): stems of its FAQ that no shipped label text uses.
    # Empty in the shipped files: a deployment sets it from its FAQ (``with_school_faq``).
    school_terms: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [i.name for i in self.intents]
        if len(set(names)) != len(names):
            raise ValueError("Intent names must be unique.")
        if not any(i.in_scope for i in self.intents):
            raise ValueError("A label set needs at least one in-scope intent.")

    # --- views -------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """Names of the in-scope intents (the labels a ticket can be routed to)."""
        return [i.name for i in self.intents if i.in_scope]

    @property
    def all_names(self) -> list[str]:
        """All names, including out-of-scope pseudo-labels such as "other"."""
        return [i.name for i in self.intents]

    @property
    def out_of_scope_names(self) -> list[str]:
        return [i.name for i in self.intents if not i.in_scope]

    def __getitem__(self, name: str) -> IntentSpec:
        for intent in self.intents:
            if intent.name == name:
                return intent
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(i.name == name for i in self.intents)

    def __len__(self) -> int:
        return len(self.intents)

    def __iter__(self):
        return iter(self.intents)

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LabelSet":
        if not isinstance(data, Mapping) or "intents" not in data:
            raise ValueError("A label file needs an 'intents' list.")
        intents = [IntentSpec.from_dict(d) for d in data["intents"]]
        templates = data.get("clip_templates") or list(DEFAULT_CLIP_TEMPLATES)
        settings = dict(data.get("settings") or {})
        cues = [str(c).strip() for c in (data.get("cues") or []) if str(c).strip()]
        return cls(intents=intents, settings=settings, clip_templates=list(templates), cues=cues,
                   school=SchoolProfile.from_mapping(data.get("school")))

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> "LabelSet":
        return cls.from_dict(_read_yaml(os.fspath(path), os.stat(path).st_mtime_ns))

    @classmethod
    def default_images(cls) -> "LabelSet":
        return cls.from_yaml(DEFAULT_IMAGE_LABELS)

    @classmethod
    def default_topics(cls) -> "LabelSet":
        return cls.from_yaml(DEFAULT_TOPIC_LABELS)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "settings": copy.deepcopy(self.settings),
            "clip_templates": list(self.clip_templates),
            "cues": list(self.cues),
            "intents": [asdict(i) for i in self.intents],
        }
        if self.school:
            data["school"] = self.school.to_dict()
        if self.school_vocabulary:
            data["school_vocabulary"] = list(self.school_vocabulary)
        if self.school_terms:
            data["school_terms"] = list(self.school_terms)
        return data

    # --- derived label sets ------------------------------------------------------------------
    def with_intents(self, intents: Iterable[IntentSpec]) -> "LabelSet":
        """Copy with other intents; settings, CLIP templates and problem cues stay (they belong to the model)."""
        new = copy.deepcopy(self)
        new.intents = [copy.deepcopy(i) for i in intents]
        new.__post_init__()
        return new

    def _with_texts(self, attr: str, mapping: Mapping[str, Iterable[str]] | None) -> "LabelSet":
        new = copy.deepcopy(self)
        for name, texts in (mapping or {}).items():
            intent = new[name]
            extra = [str(t).strip() for t in texts if str(t).strip()]
            setattr(intent, attr, list(dict.fromkeys(getattr(intent, attr) + extra)))
        return new

    def with_examples(self, mapping: Mapping[str, Iterable[str]] | None) -> "LabelSet":
        """Copy with extra labelled examples per intent name (unknown names raise KeyError)."""
        return self._with_texts("examples", mapping)

    def with_corrections(self, mapping: Mapping[str, Iterable[str]] | None) -> "LabelSet":
        """Copy whose intents also remember these corrections (intent name → texts; unknown names raise KeyError)."""
        return self._with_texts("corrections", mapping)

    def with_school(self, school: SchoolProfile | None) -> "LabelSet":
        """Copy that knows the deployment's school (``None`` or an empty profile: no school evidence)."""
        new = copy.deepcopy(self)
        new.school = school or SchoolProfile()
        return new

    def with_school_faq(self, texts: Iterable[str]) -> "LabelSet":
        """Copy that knows the school's own vocabulary: the stems of ``texts`` (its FAQ questions and answers)
        that none of this label set's texts, nor the shipped taxonomy of other services, uses."""
        from .school_terms import school_terms

        known = self.with_scope_knowledge()
        known_texts = [t for i in known.intents for t in (*i.descriptions, *i.examples, *i.keywords, *i.prompts)]
        new = copy.deepcopy(self)
        new.school_terms = school_terms([str(t) for t in texts or ()], known_texts + list(known.school_vocabulary))
        return new

    def with_settings(self, settings: Mapping[str, Any] | None) -> "LabelSet":
        """Copy whose fitted settings are updated with ``settings`` (e.g. a desk's own fit)."""
        new = copy.deepcopy(self)
        new.settings = {**self.settings, **dict(settings or {})}
        return new

    def with_scope_knowledge(self, path: str | os.PathLike[str] = DEFAULT_SCOPE) -> "LabelSet":
        """Copy whose out-of-scope pseudo-labels also know the shipped taxonomy of other services (``scope.yaml``).

        The taxonomy belongs to the model, not to a deployment: every desk gets it (and its updates), whatever
        its own "other" intent row says; the row's texts stay and add to it.
        """
        data = _read_yaml(os.fspath(path), os.stat(path).st_mtime_ns) or {}
        services = data.get("services") or []
        new = copy.deepcopy(self)
        vocabulary = [str(v).strip() for v in (data.get("school") or {}).get("keywords") or [] if str(v).strip()]
        new.school_vocabulary = list(dict.fromkeys(new.school_vocabulary + vocabulary))
        for intent in new.intents:
            if intent.in_scope:
                continue
            for service in services:
                for attr in ("descriptions", "examples", "keywords"):
                    extra = [str(v).strip() for v in service.get(attr) or [] if str(v).strip()]
                    setattr(intent, attr, list(dict.fromkeys(getattr(intent, attr) + extra)))
        return new

    def with_out_of_scope_from(self, other: "LabelSet") -> "LabelSet":
        """Copy that borrows the out-of-scope pseudo-labels (and missing settings and cues) of ``other``.

        Called in one place, ``TicketPipeline.__init__``: a label set with only real intents (an admin
        switched "other" off, the seed API's free-form intents) still sends unrelated screenshots to "unsure".
        """
        if self.out_of_scope_names:
            return self
        new = copy.deepcopy(self)
        for intent in other.intents:
            if not intent.in_scope and intent.name not in new:
                new.intents.append(copy.deepcopy(intent))
        for key, value in other.settings.items():
            new.settings.setdefault(key, copy.deepcopy(value))
        if not new.cues:
            new.cues = list(other.cues)
        return new

    def fingerprint(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha1(blob).hexdigest()[:10]


__all__ = ["IntentSpec", "LabelSet", "DEFAULT_IMAGE_LABELS", "DEFAULT_TOPIC_LABELS", "DEFAULT_SCOPE", "DEFAULT_CLIP_TEMPLATES"]
