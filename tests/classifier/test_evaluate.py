"""Evaluation metrics arithmetic and the command line on a tiny generated dataset."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

from classifier.evaluate import format_report, image_metrics, load_faq_examples, topic_metrics
from classifier.ocr import tesseract_available

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_image_metrics_arithmetic():
    truth = ["payment-problem", "payment-problem", "course-problem", "profile-problem", "other", "other"]
    pred = ["payment-problem", None, "profile-problem", "profile-problem", None, "course-problem"]
    m = image_metrics(truth, pred, seconds=[1.0, 0.5, 0.5, 0.5, 0.5, 0.0])
    assert m["n"] == 6
    assert m["accuracy"] == round(3 / 6, 4)  # 2 right queues + 1 right "unsure"
    assert m["in_scope_accuracy"] == 0.5  # 2 of 4
    assert m["misroute_rate"] == round(2 / 6, 4)  # course->profile, other->course
    assert m["coverage"] == 0.75  # 3 of 4 in-scope routed
    assert m["seconds_per_image"] == 0.5
    assert m["confusion"]["other"] == {"unsure": 1, "course-problem": 1}
    assert m["confusion"]["payment-problem"] == {"payment-problem": 1, "unsure": 1}
    with pytest.raises(ValueError):
        image_metrics(["other"], [])


def test_topic_metrics_counts_unsure_as_wrong():
    assert topic_metrics(["payment", "course", "offtopic"], ["payment", None, "career"]) == {
        "n": 3, "topic_accuracy": round(1 / 3, 4)}


def test_faq_entries_become_labelled_examples(tmp_path):
    faq = tmp_path / "faq.yaml"
    faq.write_text(
        "school: Test\nentries:\n"
        "  - id: pay\n    topic: payment\n    question: 'Как оплатить?'\n    alt_questions: ['Можно картой?']\n    answer: x\n"
        "  - id: cv\n    topic: career\n    question: 'Проверите резюме?'\n    answer: y\n",
        encoding="utf-8",
    )
    assert load_faq_examples(str(faq)) == {"payment": ["Как оплатить?", "Можно картой?"], "career": ["Проверите резюме?"]}
    assert load_faq_examples(str(tmp_path / "missing.yaml")) == {}


@pytest.fixture
def tiny_dataset(tmp_path, render):
    root = tmp_path / "set"
    (root / "images").mkdir(parents=True)
    images = [
        ("pay.png", "payment-problem", ["Оплата заказа", "Платёж отклонён банком", "Попробуйте другую карту"]),
        ("login.png", "profile-problem", ["Вход", "Неверный email или пароль", "Восстановить пароль"]),
        ("chat.png", "other", ["идём обедать в час?", "давай, в пиццерию"]),
        ("blank.png", "other", []),
    ]
    with open(root / "images.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "lang", "device", "notes"])
        for name, label, lines in images:
            render(lines, size=(700, 100)).save(root / "images" / name)
            w.writerow([f"images/{name}", label, "ru", "desktop", "generated"])
    with open(root / "texts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "topic", "needs_human", "lang", "faq_id"])
        w.writerow(["как оплатить курс частями?", "payment", 0, "ru", ""])
        w.writerow(["забыл пароль от личного кабинета", "profile", 0, "ru", ""])
        w.writerow(["всем доброе утро", "offtopic", 0, "ru", ""])
    return root


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_THREAD_LIMIT="1", SUPPORTDESK_CLIP_MODEL="/no/such/clip")
    return subprocess.run([sys.executable, "-m", "classifier", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=240)


@pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")
def test_evaluate_json_on_tiny_dataset(tiny_dataset):
    out = run_cli("evaluate", str(tiny_dataset), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)  # exactly one JSON object on stdout, nothing else
    img = report["images"]
    assert set(img) == {"n", "accuracy", "in_scope_accuracy", "misroute_rate", "coverage", "seconds_per_image", "confusion"}
    assert img["n"] == 4 and set(report["texts"]) >= {"n", "topic_accuracy"} and report["texts"]["n"] == 3
    conf = img["confusion"]
    right = conf.get("payment-problem", {}).get("payment-problem", 0) + conf.get("profile-problem", {}).get(
        "profile-problem", 0) + conf["other"].get("unsure", 0)
    assert img["accuracy"] == round(right / 4, 4)  # metrics agree with the confusion matrix
    assert img["accuracy"] >= 0.75 and img["misroute_rate"] <= 0.25
    assert report["texts"]["topic_accuracy"] >= 2 / 3
    assert 0 < img["seconds_per_image"] < 10

    table = run_cli("evaluate", str(tiny_dataset), "--no-progress")
    assert table.returncode == 0 and "misroute_rate" in table.stdout and "Confusion" in table.stdout


@pytest.mark.skipif(not tesseract_available(), reason="tesseract is not installed")
def test_classify_command(tiny_dataset, tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    out = run_cli("classify", str(tiny_dataset / "images" / "pay.png"), str(junk))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].split("\t")[1] == "payment-problem"
    assert "unsure" in lines[1] and "not a supported image" in lines[1]


def test_format_report_has_table_and_matrix():
    report = {"images": image_metrics(["other", "payment-problem"], [None, "payment-problem"], [0.1, 0.2]),
              "texts": {"n": 1, "topic_accuracy": 1.0}}
    text = format_report(report)
    assert "accuracy" in text and "Confusion" in text and "unsure" in text and "topic_accuracy" in text
