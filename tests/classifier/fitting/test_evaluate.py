"""evaluate_dataset on tiny generated folders; the FAQ section with a fake encoder."""
from __future__ import annotations

import csv

from classifier.faq.documents import dump_faq_yaml
from classifier.fitting.datasets import school_faq
from classifier.fitting.evaluate import evaluate_faq, format_report, school_topic_classifier
from classifier.fitting.metrics import image_metrics
from classifier.runtime.labels import LabelSet
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES, rule_params as _params


def test_evaluate_faq_on_generated_dataset(tmp_path):
    dump_faq_yaml(ENTRIES, tmp_path / "faq.yaml", school="Лингва")
    rows = [
        ("как вернуть деньги за занятия", "payment", "0", "ru", "money_back"),
        ("забыл пароль, как восстановить", "profile", "0", "ru", "forgot_pass"),
        ("какое расписание занятий", "general", "0", "ru", "schedule"),
        ("кто смотрел футбол вчера", "offtopic", "0", "ru", ""),
    ]
    with open(tmp_path / "texts.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "topic", "needs_human", "lang", "faq_id"])
        w.writerows(rows)
    topics = {r[0]: r[1] for r in rows}
    res = evaluate_faq(str(tmp_path), ENTRIES, encoder=TokenHashEncoder(), topic_fn=lambda t: topics[t], params=_params(0.3, 0.0))
    assert set(res) == {"needs_human_f1", "faq"}
    assert {"n", "top1", "top3", "auto_answer_precision", "auto_answer_coverage",
            "auto_answered_needs_human"} <= set(res["faq"])
    assert res["faq"]["n"] == 3 and res["faq"]["top1"] == 1.0 and res["faq"]["top3"] == 1.0
    assert res["faq"]["auto_answer_precision"] == 1.0  # the off-topic message is not answered


def test_school_faq_questions_become_topic_examples():
    classifier = school_topic_classifier(ENTRIES)
    assert "Хочу другого учителя" in classifier.labels["course"].examples
    assert "Условия возврата" in classifier.labels["payment"].examples
    assert school_topic_classifier([]).labels["course"].examples == LabelSet.default_topics()["course"].examples


def test_a_folder_without_faq_has_no_entries(tmp_path):
    assert school_faq(tmp_path) == []
    dump_faq_yaml(ENTRIES, tmp_path / "faq.yaml")
    assert school_faq(tmp_path) == ENTRIES


def test_format_report_has_table_and_matrix():
    report = {"images": image_metrics(["other", "payment-problem"], [None, "payment-problem"], [0.1, 0.2]),
              "texts": {"n": 1, "topic_accuracy": 1.0}}
    text = format_report(report)
    assert "accuracy" in text and "Confusion" in text and "unsure" in text and "topic_accuracy" in text


def test_deployment_labels_know_the_folders_school_and_its_own_words(tmp_path):
    from classifier.fitting.datasets import deployment_labels

    dump_faq_yaml(ENTRIES, tmp_path / "faq.yaml", school="Лингва")
    labels = deployment_labels(tmp_path, LabelSet.default_images())
    assert labels.school.name == "Лингва" and labels.school_terms
    assert deployment_labels(tmp_path / "missing", LabelSet.default_images()).school_terms == []


def test_evaluate_images_reads_ocr_from_the_cache_without_running_ocr(tmp_path):
    from PIL import Image

    from classifier.fitting.datasets import OcrCache
    from classifier.fitting.evaluate import evaluate_images
    from classifier.runtime.pipeline import TicketPipeline

    (tmp_path / "images").mkdir()
    Image.new("RGB", (40, 20), "white").save(tmp_path / "images" / "a.png")
    with open(tmp_path / "images.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["file", "label"], ["images/a.png", "payment-problem"]])
    cache = OcrCache(tmp_path / "ocr.json")
    cache.put(OcrCache.key("images/a.png", tmp_path / "images" / "a.png"),
              "Оплата не прошла\nПлатёж отклонён банком\nПопробуйте другую карту")

    def no_ocr(image):
        raise AssertionError("OCR must come from the cache")

    pipe = TicketPipeline(encoder=TokenHashEncoder(), ocr=no_ocr)
    res = evaluate_images(str(tmp_path), pipe, ocr_cache=cache)
    label = pipe.decide(pipe.fuse(cache.get(OcrCache.key("images/a.png", tmp_path / "images" / "a.png")))[0])[0]
    assert res["n"] == 1 and res["confusion"]["payment-problem"] == {label or "unsure": 1}
