"""The one command line, ``python -m classifier``, on a tiny generated dataset (subprocesses)."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

from classifier.__main__ import build_parser
from tests.classifier.markers import needs_tesseract

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
    env = dict(os.environ, OMP_THREAD_LIMIT="1", SUPPORTDESK_CLIP_MODEL="off")
    return subprocess.run([sys.executable, "-m", "classifier", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=240)


@pytest.mark.slow
@needs_tesseract
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


@pytest.mark.slow
@needs_tesseract
def test_replay_json_on_tiny_dataset(tiny_dataset):
    out = run_cli("replay", str(tiny_dataset), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)  # exactly one JSON object with the keys
    assert set(report) == {"images", "texts"}
    assert set(report["images"]) == {"n", "corrections", "first_half_accuracy", "second_half_accuracy",
                                      "second_half_misroute_rate", "second_half_coverage"}
    assert set(report["texts"]) == {"n", "corrections", "first_half_accuracy", "second_half_accuracy"}
    assert report["images"]["n"] == 4 and report["texts"]["n"] == 3


@pytest.mark.slow
@needs_tesseract
def test_classify_command(tiny_dataset, tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    out = run_cli("classify", str(tiny_dataset / "images" / "pay.png"), str(junk))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].split("\t")[1] == "payment-problem"
    assert "unsure" in lines[1] and "not a supported image" in lines[1]


def test_one_command_line_with_subcommands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {"classify", "message", "evaluate", "calibrate", "replay", "faq-fit"}


def test_runtime_flags_default_to_the_desks_environment(monkeypatch):
    from classifier.__main__ import _runtime_config

    monkeypatch.setenv("SUPPORTDESK_CLIP_MODEL", "/models/clip")
    monkeypatch.setenv("SUPPORTDESK_MODEL_THREADS", "2")
    monkeypatch.setenv("SUPPORTDESK_ALLOW_DOWNLOAD", "1")
    monkeypatch.setenv("SUPPORTDESK_TESSERACT_CMD", "/opt/tesseract")
    config = _runtime_config(build_parser().parse_args(["evaluate", "dir"]))
    assert (config.clip_model, config.threads, config.allow_download, config.tesseract_cmd) == (
        "/models/clip", 2, True, "/opt/tesseract")
    flags = build_parser().parse_args(["classify", "x.png", "--clip", "off", "--threads", "1", "--tesseract", "t"])
    assert _runtime_config(flags) == config.__class__(clip_model="off", threads=1, allow_download=True,
                                                      tesseract_cmd="t")
