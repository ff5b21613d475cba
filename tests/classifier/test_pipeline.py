"""TicketPipeline end to end (real OCR + real encoder) on screenshots rendered by the test, and messages."""
from __future__ import annotations

import threading

import pytest

from classifier import MessagePrediction, Prediction, TicketPipeline, classify_message, get_ticket_classifier
from classifier.ocr import tesseract_available
from classifier.seed import ImageClassifier, ImageProcessor

needs_tesseract = pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")

PAYMENT = ["Оформление заказа", "Курс «Веб-разработка» — 24 900 ₽", "Оплата не прошла", "Банк отклонил операцию.",
           "Попробуйте другую карту"]
PROFILE = ["Вход в личный кабинет", "Электронная почта", "Неверный email или пароль", "Забыли пароль?"]
LUNCH = ["Маша", "ну что, идём обедать?", "давай в пиццерию в час", "ок, возьму зонт, дождь"]


@pytest.fixture(scope="module")
def pipeline(use_encoder):
    return TicketPipeline(encoder=use_encoder, clip=None)


@pytest.fixture
def shots(tmp_path, render):
    paths = {}
    for name, lines in {"payment": PAYMENT, "profile": PROFILE, "lunch": LUNCH}.items():
        path = tmp_path / f"{name}.png"
        render(lines, size=(800, 100)).save(path)
        paths[name] = str(path)
    return paths


@needs_tesseract
def test_screenshots_are_routed_or_unsure(pipeline, shots):
    pay = pipeline.predict([shots["payment"]])
    assert isinstance(pay, Prediction)
    assert pay.label == "payment-problem" and pay.confidence >= pipeline.settings["threshold"]
    assert "оплата" in pay.ocr_text.lower()
    assert abs(sum(pay.scores.values()) - 1) < 1e-4 and "other" in pay.scores
    assert {"load", "ocr", "fuse", "total"} <= set(pay.timings)
    assert pay.embedding is not None and len(pay.embedding) == 512
    assert pay.model_version == pipeline.model_version and pay.model_version.startswith("offline-ocr-use-m3@")
    assert pipeline.predict([shots["profile"]]).label == "profile-problem"
    lunch = pipeline.predict([shots["lunch"]])
    assert lunch.label is None and lunch.is_unsure  # unrelated chat: a human decides, no queue


@needs_tesseract
def test_bad_image_is_skipped_not_fatal(pipeline, shots, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    pred = pipeline.predict([str(broken), shots["payment"]])
    assert pred.label == "payment-problem"
    assert any("broken.png" in w for w in pred.warnings)
    assert any("broken.png" in key for key in pred.signals["errors"])


def test_text_only_ticket(pipeline):
    pred = pipeline.predict([], text="Не могу войти в аккаунт: пишет неверный пароль, письмо для сброса не приходит")
    assert pred.label == "profile-problem"
    assert pred.ocr_text == "" and len(pred.embedding) == 512


def test_nothing_usable_is_unsure_not_an_exception(pipeline, tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    pred = pipeline.predict([str(empty)])
    assert pred.label is None
    assert pred.warnings and "empty" in pred.warnings[0]
    assert pipeline.predict([]).label is None


@needs_tesseract
def test_student_text_is_a_signal(pipeline, tmp_path, render):
    vague = tmp_path / "vague.png"
    render(["Личный кабинет", "Главная", "Настройки"], size=(600, 100)).save(vague)
    with_text = pipeline.predict([str(vague)], text="деньги списали дважды за курс, верните одну оплату")
    assert with_text.label == "payment-problem"
    assert "text_semantic" in with_text.signals


@needs_tesseract
def test_seed_api(shots):
    processor = ImageProcessor(shots["payment"])
    assert processor.prepare_image().mode == "RGB"
    assert isinstance(processor.to_base64(), str) and processor.to_base64().startswith("iVBOR")
    with pytest.raises(ValueError):
        ImageProcessor("")
    with pytest.raises(ValueError):
        ImageProcessor("/no/such/file.png")
    classifier = ImageClassifier()
    assert classifier.clip_model.backend in {"clip", "offline-ocr"}
    assert classifier.classify_intent(shots["payment"]) == "payment-problem"
    assert classifier.classify_intent(shots["profile"]) == "profile-problem"
    # the seed answers one of three even for an unrelated picture
    assert classifier.classify_intent(shots["lunch"]) in classifier.intents
    probs = classifier.clip_model.classify(processor.prepare_image(), classifier.intents)
    assert len(probs) == 3 and abs(sum(probs) - 1) < 1e-6 and max(probs) == probs[0]


@pytest.mark.parametrize(
    "text,topic",
    [
        ("можно оплатить курс в рассрочку?", "payment"),
        ("видео в уроке не воспроизводится", "course"),
        ("не приходит смс с кодом для входа", "profile"),
        ("помогаете ли вы с поиском работы после обучения?", "career"),
        ("есть ли у вас мобильное приложение?", "general"),
        ("кто-нибудь смотрел вчера футбол?", "offtopic"),
    ],
)
def test_classify_message(text, topic):
    pred = classify_message(text)
    assert isinstance(pred, MessagePrediction)
    assert pred.topic == topic
    assert abs(sum(pred.scores.values()) - 1) < 1e-4 and pred.confidence == max(pred.scores.values())


def test_classify_message_with_faq_examples():
    base = classify_message("как получить налоговый вычет за учёбу")
    extra = classify_message("как получить налоговый вычет за учёбу",
                             extra_examples={"payment": ["Как оформить налоговый вычет за обучение?"]})
    assert extra.topic == "payment"
    assert extra.scores["payment"] >= base.scores["payment"]


def test_singleton_is_shared_across_threads(monkeypatch):
    from classifier import pipeline as module

    monkeypatch.setenv("SUPPORTDESK_CLIP_MODEL", "/no/such/clip")
    module.reset_ticket_classifier()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_ticket_classifier())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(x) for x in seen}) == 1
    assert seen[0].backend == "offline-ocr"
    module.reset_ticket_classifier()
