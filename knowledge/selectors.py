"""Reads of the knowledge base: suggestions for operators, per-entry usage statistics and the newest held-out
check of the FAQ (which entries' phrasings find another entry, which have one phrasing only)."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from classifier import FaqHealth, FaqHit, SchoolProfile as SchoolIdentity

from .models import FaqCalibrationFit, FaqEntry, FaqPhrasingOffer, FaqUsage, SchoolProfile


def faq_suggestions(text: str, k: int = 3) -> list[FaqHit]:
    """Top-``k`` active FAQ entries for a message (what operators see on the ticket page), in the re-ranked
    order the FAQ decision shows too (``FaqIndex.suggestions``: the top 3 by fitted signals, docs/experiments/rank5.md)."""
    from .services import faq_index_get

    if not (text or "").strip():
        return []
    return faq_index_get().suggestions(text, k=k)


def faq_phrasing_offers(entry: FaqEntry | int) -> QuerySet[FaqPhrasingOffer]:
    """The phrasings still offered for an entry (students' questions answered with it), oldest first."""
    offered = FaqPhrasingOffer.objects.filter(entry=entry, status=FaqPhrasingOffer.Status.OFFERED)
    return offered.order_by("created_at", "pk")


def faq_entries_with_stats(include_inactive: bool = True) -> QuerySet[FaqEntry]:
    """Entries annotated with ``sent_count``, ``accepted_count``, ``rejected_count`` (and ``auto_sent_count``)."""
    qs = FaqEntry.objects.all() if include_inactive else FaqEntry.objects.filter(is_active=True)
    K = FaqUsage.Kind
    return qs.annotate(
        sent_count=Count("usages", filter=Q(usages__kind__in=[K.AUTO_SENT, K.OPERATOR_SENT])),
        auto_sent_count=Count("usages", filter=Q(usages__kind=K.AUTO_SENT)),
        accepted_count=Count("usages", filter=Q(usages__kind=K.ACCEPTED)),
        rejected_count=Count("usages", filter=Q(usages__kind=K.REJECTED)),
    )


def faq_entry_stats() -> list[dict]:
    """One dict per entry: id, topic, question, active, sent, auto_sent, accepted, rejected, acceptance rate."""
    out = []
    for e in faq_entries_with_stats().order_by("topic", "external_id"):
        decided = e.accepted_count + e.rejected_count
        out.append({
            "id": e.external_id, "topic": e.topic, "question": e.question, "active": e.is_active,
            "sent": e.sent_count, "auto_sent": e.auto_sent_count,
            "accepted": e.accepted_count, "rejected": e.rejected_count,
            "acceptance_rate": round(e.accepted_count / decided, 3) if decided else None,
        })
    return out


def school_identity() -> SchoolIdentity:
    """The school as the classifier knows it (an empty identity when no profile was imported or entered)."""
    profile = SchoolProfile.objects.order_by("pk").first()
    return profile.to_identity() if profile is not None else SchoolIdentity()


def school_faq_texts() -> list[str]:
    """Everything the active FAQ entries say (questions, alternative questions, answers), in a stable order:
    where the classifier learns the school's own vocabulary (``classifier.LabelSet.with_school_faq``)."""
    texts: list[str] = []
    for question, alt_questions, answer in FaqEntry.objects.filter(is_active=True).order_by("external_id").values_list(
            "question", "alt_questions", "answer"):
        texts += [str(t) for t in (question, *(alt_questions or []), answer) if str(t or "").strip()]
    return texts


def faq_health_current() -> FaqHealth | None:
    """The held-out check stored with the newest FAQ calibration (None: never fitted, or fitted before it was
    stored; ``manage.py faq_calibrate`` fills it in)."""
    row = FaqCalibrationFit.objects.order_by("-created_at", "-pk").first()
    return FaqHealth.from_dict(row.health) if row is not None else None


def faq_entries_with_confusion() -> QuerySet[FaqEntry]:
    """Entries most of whose phrasings, asked held out, find another entry first (newest calibration)."""
    health = faq_health_current()
    return FaqEntry.objects.filter(external_id__in=[e.entry_id for e in health.confused] if health else [])


def faq_entries_single_phrasing() -> QuerySet[FaqEntry]:
    """Entries with one phrasing only at the newest calibration: not checkable, found only by their answer."""
    health = faq_health_current()
    return FaqEntry.objects.filter(external_id__in=list(health.single_phrasing) if health else [])
