"""Topic of a student's chat message (payment, course, profile, career, general, offtopic).

The same signals and fusion as screenshots (:mod:`classifier.runtime.signals`), over the topics of
``data/topics.yaml``; a school's FAQ questions can be added as labelled examples of their topics, and the school's
FAQ index (``faq_index``: entries with topics) adds one more per-topic signal, ``faqtop``: the retrieval score of
the best-matching FAQ entry, on that entry's topic only (weight ``w_faqtop``, fitted by ``calibrate`` with the
school's FAQ; ``docs/experiments/topics2.md``). Costs one more sentence encoding and a scan of the FAQ per message.

A second sentence encoder (multilingual-e5-small, ``encoders.shared_e5_encoder``) gives a second opinion,
:class:`SecondOpinion`: the message's nearest topic text under e5, corrected for hubness (CSLS). It is fused as
its own column ``e5top`` (weight ``w_e5top`` of ``topics.yaml``; ``docs/experiments/topics3.md``: dev nested CV 0.905 -> 0.908, the other school
0.865 -> 0.89 with USE's nearest text, ``top_k: 1``). Costs ~15 ms of one core per message (e5) and, once per
classifier (per FAQ content), the e5 encoding of the topic texts (~250 texts, ~4 s).
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from ..types import TopicResult
from .encoders import CachedEncoder, SentenceEncoder, as_cached, shared_e5_encoder
from .fusion import fallback_vector, fused_logits, settings_of, softmax, ticket_features
from .labels import LabelSet
from .pipeline import LazyScorer, as_score_dict, short_hash
from .signals import TextScorer, segments_of

if TYPE_CHECKING:
    from ..faq.index import FaqIndex


def best_faq_topic_signal(index: "FaqIndex | None", text: str, names: Sequence[str]) -> np.ndarray:
    """Over ``names``: the fused retrieval score of the FAQ entry that matches ``text`` best, on its topic; zero
    elsewhere (and everywhere without an index, an entry, text, or when the best entry's topic is not a topic)."""
    signal = np.zeros(len(names))
    if index is None or not index.entries or not (text or "").strip():
        return signal
    scores = index.features(text)["score"]
    best = int(np.argmax(scores))
    topic = index.entries[best].topic
    if topic in names:
        signal[list(names).index(topic)] = float(scores[best])
    return signal


# The fusion column the second opinion is fused in (``runtime.fusion.LABEL_FEATURES``).
SECOND_OPINION_COLUMN = "e5top"
# CSLS (Conneau et al. 2018, "Word translation without parallel data"): 2·cos(x, t) − r(x) − r(t), r the mean
# cosine to the 10 nearest neighbours. For one message r(x) is the same for every topic text, so the ranking is
# cos(x, t) − r(t)/2: a topic text close to everything (a "hub": short, generic) counts less. e5's cosines are
# bunched (0.7–0.9 for unrelated short texts), which makes hubs decide its raw nearest text.
CSLS_NEIGHBOURS = 10


class SecondOpinion:
    """Per topic, the best CSLS similarity of a message (any of its segments) to one of the topic's texts."""

    def __init__(self, labels: LabelSet, encoder: CachedEncoder, neighbours: int = CSLS_NEIGHBOURS):
        texts, owner = [], []
        for idx, intent in enumerate(labels.intents):
            for t in intent.texts or [intent.name]:
                texts.append(t)
                owner.append(idx)
        self.encoder = encoder
        self.names = labels.all_names
        self._owner = np.asarray(owner)
        self._emb = encoder.encode(texts)
        sims = self._emb @ self._emb.T
        np.fill_diagonal(sims, -np.inf)
        k = max(1, min(int(neighbours), len(texts) - 1))
        self._hub = np.sort(sims, axis=1)[:, -k:].mean(axis=1) if len(texts) > 1 else np.zeros(len(texts))

    def scores(self, text: str) -> np.ndarray:
        out = np.zeros(len(self.names))
        segs = segments_of(text)
        if not segs:
            return out
        sims = (self.encoder.encode(segs) @ self._emb.T).max(axis=0) - 0.5 * self._hub
        for i in range(len(self.names)):
            block = sims[self._owner == i]
            out[i] = float(block.max()) if len(block) else 0.0
        return out


class MessageClassifier(LazyScorer):
    """Topic of a chat message; ``topic`` is None only when a fitted threshold is not reached."""

    def __init__(self, labels: LabelSet | None = None, encoder: SentenceEncoder | None = None,
                 extra_examples: Mapping[str, Sequence[str]] | None = None, threshold: float | None = None,
                 faq_index: "FaqIndex | None" = None, second_encoder: SentenceEncoder | None = None):
        """``second_encoder``: the encoder of the second opinion; by default e5 when ``encoder`` is the default
        (shared USE), none when another encoder is given (tests' fake encoders stay fast)."""
        labels = labels or LabelSet.default_topics()
        if extra_examples:
            labels = labels.with_examples({k: v for k, v in extra_examples.items() if k in labels})
        self.labels = labels
        self.encoder = as_cached(encoder)
        if second_encoder is None and encoder is None:
            second_encoder = shared_e5_encoder()
        self.second_encoder = as_cached(second_encoder) if second_encoder is not None else None
        self._second: SecondOpinion | None = None
        self.settings = settings_of(labels, {"threshold": threshold})
        if threshold is None and "threshold" not in (labels.settings or {}):
            self.settings["threshold"] = 0.0  # messages: always a topic unless a threshold was fitted
        self.names = labels.all_names
        self.faq_index = faq_index
        self.fallback = fallback_vector(labels, self.settings)
        self._scorer: TextScorer | None = None
        self._lock = threading.Lock()

    @property
    def model_version(self) -> str:
        fp = short_hash(self.labels.fingerprint(), repr(sorted(self.settings.items())), _index_fingerprint(self.faq_index))
        second = f"+{self.second_encoder.name}" if self.second_encoder is not None else ""
        return f"text-{getattr(self.encoder, 'name', 'encoder')}{second}@{fp}"

    @property
    def second_opinion(self) -> SecondOpinion | None:
        if self.second_encoder is not None and self._second is None:
            with self._lock:
                if self._second is None:
                    self._second = SecondOpinion(self.labels, self.second_encoder)
        return self._second

    def features(self, text: str) -> dict:
        f = ticket_features(self.scorer, "", text or "", (), top_k=int(self.settings["top_k"]))
        f["faqtop"] = best_faq_topic_signal(self.faq_index, text, self.names)
        if self.second_opinion is not None:
            f[SECOND_OPINION_COLUMN] = self.second_opinion.scores(text or "")
        return f

    def logits(self, text: str) -> np.ndarray:
        return fused_logits(self.features(text), self.settings, self.fallback)

    def classify(self, text: str) -> TopicResult:
        probs = softmax(self.logits(text), self.settings["temperature"])
        best = int(np.argmax(probs))
        conf = float(probs[best])
        topic = self.names[best] if conf >= float(self.settings["threshold"]) else None
        return TopicResult(topic=topic, confidence=round(conf, 6), scores=as_score_dict(self.names, probs),
                           model_version=self.model_version)


def _index_fingerprint(index: "FaqIndex | None") -> str:
    if index is None:
        return ""
    return repr(sorted((e.id, e.topic, e.content_hash()) for e in index.entries))


_message_classifiers: dict[str, MessageClassifier] = {}
_message_lock = threading.Lock()


def classify_message(text: str, labels: LabelSet | None = None,
                     extra_examples: Mapping[str, Sequence[str]] | None = None,
                     faq_index: "FaqIndex | None" = None) -> TopicResult:
    """Topic of a student's message with a calibrated confidence (kept classifiers: 16 per process).

    ``faq_index``: the school's FAQ index (the desk's ``knowledge.services.faq_index_get()``), for the ``faqtop``
    signal; a classifier is kept per FAQ content, so an edited FAQ gets a new one."""
    key = short_hash(
        labels.fingerprint() if labels is not None else "default",
        repr(sorted((k, tuple(v)) for k, v in (extra_examples or {}).items())),
        _index_fingerprint(faq_index),
    )
    with _message_lock:
        clf = _message_classifiers.get(key)
        if clf is not None and faq_index is not None:
            clf.faq_index = faq_index  # same content; the newest index object (the desk rebuilds it on edits)
        if clf is None:
            clf = MessageClassifier(labels=labels, extra_examples=extra_examples, faq_index=faq_index)
            if len(_message_classifiers) > 16:
                _message_classifiers.clear()
            _message_classifiers[key] = clf
    return clf.classify(text)


__all__ = ["MessageClassifier", "SecondOpinion", "classify_message", "best_faq_topic_signal", "SECOND_OPINION_COLUMN"]
