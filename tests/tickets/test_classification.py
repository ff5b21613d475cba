"""tickets.classification: the desk's label set, its version, the factory signature and the runtime settings."""
import pytest

from classifier import LabelSet, RuntimeConfig
from tests import fakes
from tickets import classification
from tickets.classification import (
    build_label_set, cached_ticket_classifier, classifier_runtime_config, desk_ticket_classifier,
)
from tickets.models import Intent, LabelExample

pytestmark = pytest.mark.django_db


def test_desk_label_set_keeps_the_models_settings_templates_and_cues():
    shipped = LabelSet.default_images()
    label_set = build_label_set()
    assert label_set.all_names == ["course-problem", "other", "payment-problem", "profile-problem"]
    assert label_set.settings == shipped.settings and label_set.clip_templates == shipped.clip_templates
    assert label_set.cues == shipped.cues  # the "focus" signal needs them; the desk used to lose them


def test_queryset_update_of_an_intent_rebuilds_the_classifier():
    first = cached_ticket_classifier()
    version = build_label_set().fingerprint()
    Intent.objects.filter(name="payment-problem").update(examples=["новый пример без updated_at"])  # no auto_now
    assert build_label_set().fingerprint() != version
    rebuilt = cached_ticket_classifier()
    assert rebuilt is not first and "новый пример без updated_at" in rebuilt.label_set["payment-problem"].examples


def test_queryset_update_of_label_examples_rebuilds_the_classifier():
    example = LabelExample.objects.create(intent=Intent.objects.get(name="course-problem"), text="академ")
    first = cached_ticket_classifier()
    assert "академ" in first.label_set["course-problem"].corrections
    LabelExample.objects.filter(pk=example.pk).update(is_active=False)
    rebuilt = cached_ticket_classifier()
    assert rebuilt is not first and "академ" not in rebuilt.label_set["course-problem"].corrections


@pytest.mark.parametrize("action", ["deactivate", "delete_selected"])
def test_an_admin_bulk_action_rebuilds_the_classifier(admin_client, action):
    examples = [LabelExample.objects.create(intent=Intent.objects.get(name="course-problem"), text=f"пример {n}")
                for n in range(2)]
    first = cached_ticket_classifier()
    data = {"action": action, "_selected_action": [e.pk for e in examples]}
    if action == "delete_selected":
        data["post"] = "yes"
    assert admin_client.post("/admin/tickets/labelexample/", data).status_code == 302
    rebuilt = cached_ticket_classifier()
    assert rebuilt is not first
    assert not {"пример 0", "пример 1"} & set(rebuilt.label_set["course-problem"].corrections)


def test_an_admin_bulk_delete_of_intents_rebuilds_the_classifier(admin_client):
    intent = Intent.objects.create(name="certificate-problem", queue=Intent.objects.get(name="other").queue,
                                   descriptions=["сертификат не выдан"])
    first = cached_ticket_classifier()
    assert "certificate-problem" in first.label_set.names
    response = admin_client.post("/admin/tickets/intent/", {"action": "delete_selected", "post": "yes",
                                                            "_selected_action": [intent.pk]})
    assert response.status_code == 302 and not Intent.objects.filter(pk=intent.pk).exists()
    assert "certificate-problem" not in cached_ticket_classifier().label_set.names


def test_unchanged_label_set_keeps_the_classifier():
    first = cached_ticket_classifier()
    Intent.objects.filter(name="payment-problem").update(title="Оплата")  # not something the classifier reads
    assert cached_ticket_classifier() is first


SEEN: list[LabelSet] = []


def recording_factory(label_set):
    """A factory of the one signature: ``factory(label_set) -> TicketClassifier`` (positional)."""
    SEEN.append(label_set)
    return fakes.FakeTicketClassifier(label_set=label_set)


def test_the_factory_is_called_with_the_label_set(settings):
    SEEN.clear()
    settings.SUPPORTDESK_TICKET_CLASSIFIER = "tests.tickets.test_classification.recording_factory"
    classifier = cached_ticket_classifier()
    assert isinstance(classifier, fakes.FakeTicketClassifier) and SEEN == [classifier.label_set]
    assert SEEN[0].fingerprint() == build_label_set().fingerprint()
    assert cached_ticket_classifier() is classifier and len(SEEN) == 1


def test_runtime_config_comes_from_the_settings(settings, monkeypatch):
    monkeypatch.setattr("classifier.runtime.encoders._shared", None)  # leave the process's encoder as it was
    settings.SUPPORTDESK_CLIP_MODEL = "off"
    settings.SUPPORTDESK_MODEL_THREADS = 2
    settings.SUPPORTDESK_ALLOW_DOWNLOAD = True
    settings.SUPPORTDESK_TESSERACT_CMD = "/opt/tesseract/bin/tesseract"
    assert classifier_runtime_config() == RuntimeConfig(clip_model="off", threads=2, allow_download=True,
                                                        tesseract_cmd="/opt/tesseract/bin/tesseract")
    pipeline = desk_ticket_classifier(build_label_set())
    assert pipeline.clip is None and pipeline.ocr.cmd == "/opt/tesseract/bin/tesseract"
    settings.SUPPORTDESK_CLIP_BACKEND = "onnx-int8"
    settings.SUPPORTDESK_CLIP_CACHE_DIR = "/var/cache/clip"
    settings.SUPPORTDESK_OCR_WORKERS = 2
    settings.SUPPORTDESK_OCR_CACHE_DIR = "/var/cache/ocr"
    settings.SUPPORTDESK_OCR_LANG = "rus"
    config = classifier_runtime_config()
    assert (config.clip_backend, config.clip_cache_path, config.ocr_workers, config.ocr_cache_dir, config.ocr_lang) == (
        "onnx-int8", "/var/cache/clip", 2, "/var/cache/ocr", "rus")
    # the desk's label set, plus the shipped taxonomy of other services the pipeline gives every "other"
    assert pipeline.labels.fingerprint() == build_label_set().with_scope_knowledge().fingerprint()


def test_reset_forgets_the_classifier():
    first = cached_ticket_classifier()
    classification.reset_classifier_cache()
    assert cached_ticket_classifier() is not first


def test_the_desk_label_set_learns_the_schools_own_words_from_its_active_faq():
    from knowledge.models import FaqEntry

    assert build_label_set().school_terms == []
    FaqEntry.objects.create(external_id="marathon", topic="course", question="Когда стартует Марафон Гипотенуза?",
                            alt_questions=["Где Кошелёк ученика?"], answer="Раздел «Кошелёк ученика».")
    FaqEntry.objects.create(external_id="old", topic="course", question="Где Архипелаг?", answer="Нигде.",
                            is_active=False)
    version = build_label_set().fingerprint()
    terms = build_label_set().school_terms
    assert "марафо" in terms and "гипоте" in terms and "архипе" not in terms
    FaqEntry.objects.filter(external_id="marathon").update(is_active=False)
    assert build_label_set().fingerprint() != version  # an FAQ change rebuilds the classifier
