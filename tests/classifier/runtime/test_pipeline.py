"""TicketPipeline: the flow with fakes (fast), then end to end with real OCR + the real encoder (slow)."""
from __future__ import annotations

import pytest

from classifier import ClassificationResult, RuntimeConfig, TicketPipeline
from classifier.errors import ClassifierError
from classifier.runtime.labels import IntentSpec, LabelSet
from classifier.runtime.ocr import TesseractOcr
from tests.classifier.markers import needs_tesseract
from tests.classifier.runtime.screens import PAYMENT

# --- the flow, with a fake encoder and a fake OCR ----------------------------------------------------------

@pytest.fixture
def fake_pipeline(hash_encoder):
    return TicketPipeline(encoder=hash_encoder, ocr=lambda image: "\n".join(PAYMENT))


def test_result_carries_everything_the_desk_stores(fake_pipeline, shots):
    pred = fake_pipeline.predict([shots["payment"]])
    assert isinstance(pred, ClassificationResult)
    assert pred.label == "payment-problem" and pred.confidence >= fake_pipeline.settings["threshold"]
    assert "Оплата не прошла" in pred.ocr_text and abs(sum(pred.scores.values()) - 1) < 1e-4
    assert "other" in pred.scores and {"load", "ocr", "fuse", "total"} <= set(pred.timings)
    assert pred.embedding is not None and len(pred.embedding) == 256
    assert pred.model_version == fake_pipeline.model_version and pred.model_version.startswith("offline-ocr-hash-test@")
    assert {"ocr_semantic", "ocr_keywords", "focus_semantic"} <= set(pred.signals)


def test_the_model_version_hash_is_kept_until_labels_or_settings_change(fake_pipeline, monkeypatch):
    calls = []
    real = LabelSet.fingerprint
    monkeypatch.setattr(LabelSet, "fingerprint", lambda self: calls.append(1) or real(self))
    first, threshold = fake_pipeline.model_version, fake_pipeline.settings["threshold"]
    assert fake_pipeline.model_version == first and len(calls) == 1  # the second predict pays nothing
    fake_pipeline.settings["threshold"] = 0.99
    assert fake_pipeline.model_version != first and len(calls) == 2
    fake_pipeline.settings["threshold"] = threshold
    assert fake_pipeline.model_version == first
    other = fake_pipeline.with_labels(LabelSet(intents=[IntentSpec("payment-problem", descriptions=["оплата"])]))
    assert other.model_version != fake_pipeline.model_version


@pytest.mark.parametrize("which", ["fake_pipeline", pytest.param("pipeline", marks=[pytest.mark.slow, needs_tesseract])])
def test_bad_image_is_skipped_not_fatal(which, request, shots, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    pred = request.getfixturevalue(which).predict([str(broken), shots["payment"]])
    assert pred.label == "payment-problem"
    assert any("broken.png" in w for w in pred.warnings)
    assert any("broken.png" in key for key in pred.signals["errors"])


def test_ocr_failure_is_a_warning(hash_encoder, shots):
    def broken_ocr(image):
        raise ClassifierError("OCR took longer than 20 seconds and was stopped.")

    pred = TicketPipeline(encoder=hash_encoder, ocr=broken_ocr).predict([shots["payment"]], text="Оплата не прошла. Банк отклонил операцию, попробуйте другую карту")
    assert pred.warnings == ["payment.png: OCR took longer than 20 seconds and was stopped."]
    assert pred.signals["errors"] == {"payment.png: OCR": 1.0} and pred.label == "payment-problem"


def test_nothing_usable_is_unsure_not_an_exception(fake_pipeline, tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    pred = fake_pipeline.predict([str(empty)])
    assert pred.label is None
    assert pred.warnings and "empty" in pred.warnings[0]
    assert fake_pipeline.predict([]).label is None


def test_other_is_added_when_the_label_set_has_none(hash_encoder):
    only_real = LabelSet.default_images().with_intents([IntentSpec("payment-problem", descriptions=["оплата"])])
    pipe = TicketPipeline(labels=only_real, encoder=hash_encoder)
    assert pipe.names == ["payment-problem", "other"] and pipe.labels.out_of_scope_names == ["other"]
    assert pipe.predict([], text="идём обедать в пиццерию").label is None


def test_from_config_wires_the_runtime(tmp_path):
    pipe = TicketPipeline.from_config(RuntimeConfig(clip_model="off", tesseract_cmd="/opt/tess", threads=1))
    assert pipe.clip is None and pipe.model_version.startswith("offline-ocr-")
    assert isinstance(pipe.ocr, TesseractOcr) and pipe.ocr.cmd == "/opt/tess"
    missing = TicketPipeline.from_config(RuntimeConfig(clip_model=str(tmp_path / "no-clip")))
    assert missing.clip is None  # unavailable CLIP: classified without it


# --- end to end: real Tesseract, real encoder -----------------------------------------------------------------

@pytest.fixture(scope="module")
def pipeline(use_encoder):
    return TicketPipeline(encoder=use_encoder)


@pytest.mark.slow
@needs_tesseract
def test_screenshots_are_routed_or_unsure(pipeline, shots):
    pay = pipeline.predict([shots["payment"]])
    assert isinstance(pay, ClassificationResult)
    assert pay.label == "payment-problem" and pay.confidence >= pipeline.settings["threshold"]
    assert "оплата" in pay.ocr_text.lower()
    assert abs(sum(pay.scores.values()) - 1) < 1e-4 and "other" in pay.scores
    assert {"load", "ocr", "fuse", "total"} <= set(pay.timings)
    assert pay.embedding is not None and len(pay.embedding) == 512
    assert pay.model_version == pipeline.model_version and pay.model_version.startswith("offline-ocr-use-m3@")
    assert pipeline.predict([shots["profile"]]).label == "profile-problem"
    lunch = pipeline.predict([shots["lunch"]])
    assert lunch.label is None  # unrelated chat: a human decides, no queue


@pytest.mark.slow
def test_text_only_ticket(pipeline):
    pred = pipeline.predict([], text="Не могу войти в аккаунт: пишет неверный пароль, письмо для сброса не приходит")
    assert pred.label == "profile-problem"
    assert pred.ocr_text == "" and len(pred.embedding) == 512


@pytest.mark.slow
@needs_tesseract
def test_student_text_is_a_signal(pipeline, tmp_path, render):
    vague = tmp_path / "vague.png"
    render(["Личный кабинет", "Главная", "Настройки"], size=(600, 100)).save(vague)
    with_text = pipeline.predict([str(vague)], text="деньги списали дважды за курс, верните одну оплату")
    assert with_text.label == "payment-problem"
    assert "text_semantic" in with_text.signals
