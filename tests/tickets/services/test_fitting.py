"""manage.py classifier_fit: the fusion refitted on the desk's confirmed labels, with a tiny random CLIP."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from classifier import RuntimeConfig, TicketPipeline
from tests.classifier.conftest import render_screenshot as render
from tests.classifier.fake_encoders import PrefixHashEncoder
from tests.factories import ClassifiedTicketFactory, PredictionFactory, operator
from tickets import selectors, services
from tickets.classification import build_label_set, desk_ticket_classifier
from tickets.models import ClassifierFit, Ticket

pytestmark = pytest.mark.django_db

SCREENS = {
    "payment-problem": ["Оплата заказа\nПлатёж отклонён банком", "Недостаточно средств на карте"],
    "course-problem": ["Урок 3. Видео не воспроизводится", "Домашнее задание не отправлено"],
    "profile-problem": ["Вход в личный кабинет\nНеверный email или пароль", "Код из SMS неверный"],
    "other": ["идём обедать в час? давай в пиццерию", "Погода сегодня облачно"],
}


@pytest.fixture
def clip_pipeline(tiny_clip_dir):
    """The real pipeline with the tiny random CLIP; OCR is replaced by the text each test image was drawn from."""
    from classifier.runtime.clip import load_clip

    drawn: dict[tuple, str] = {}

    def ocr(image):
        return drawn[image.size]

    pipe = TicketPipeline(build_label_set(), encoder=PrefixHashEncoder(), clip=load_clip(RuntimeConfig(clip_model=tiny_clip_dir)),
                          ocr=ocr)
    return pipe, drawn


def _confirmed_tickets(clip_pipeline, tmp_path, copies: int, screens=SCREENS):
    pipe, drawn = clip_pipeline
    n = 0
    for label, texts in screens.items():
        for text in texts:
            for _ in range(copies):
                n += 1
                path = tmp_path / f"{n}.png"
                image = render(text.splitlines(), size=(400 + n, 100))
                drawn[image.size] = text
                image.save(path)
                result = pipe.predict([str(path)], text="")
                assert "clip" in result.signals  # CLIP ran and its scores are stored with the prediction
                ticket = ClassifiedTicketFactory(label=label, status=Ticket.Status.RESOLVED)
                PredictionFactory(ticket=ticket, label=result.label or "", signals=result.signals)
    return n


def test_classifier_fit_refuses_too_few_labels(clip_pipeline, tmp_path):
    _confirmed_tickets(clip_pipeline, tmp_path, copies=1)
    with pytest.raises(CommandError, match="Not fitted: 8 confirmed labels"):
        call_command("classifier_fit")
    assert not ClassifierFit.objects.exists()


def test_classifier_fit_refuses_without_confirmed_out_of_scope_labels(clip_pipeline, tmp_path):
    # 30 confirmed school questions, no ticket an operator marked "not ours": the fit could not see what it misroutes.
    _confirmed_tickets(clip_pipeline, tmp_path, copies=5, screens={k: v for k, v in SCREENS.items() if k != "other"})
    with pytest.raises(CommandError, match="Not fitted: 0 confirmed out-of-scope labels; at least 5"):
        call_command("classifier_fit")
    assert not ClassifierFit.objects.exists()


def test_the_refusal_counts_the_finished_tickets_nobody_labelled(clip_pipeline, tmp_path):
    # The "not ours" tickets were closed in triage without a label: the team lead is told how many the fit misses.
    _confirmed_tickets(clip_pipeline, tmp_path, copies=5, screens={k: v for k, v in SCREENS.items() if k != "other"})
    ivan = operator("ivan")
    for _ in range(3):
        services.ticket_set_status(ticket=ClassifiedTicketFactory(label="", confidence=None), status=Ticket.Status.CLOSED,
                                   actor=ivan)
    with pytest.raises(CommandError, match=r"\(3 resolved or closed tickets carry no label: the fit cannot see them\)"):
        call_command("classifier_fit")
    result, row = services.classifier_fit(dry_run=True)
    assert result.report["unlabelled_finished"] == 3 and row is None


def test_classifier_fit_fits_the_clip_weight_and_later_predictions_carry_its_version(clip_pipeline, tmp_path, capsys):
    _confirmed_tickets(clip_pipeline, tmp_path, copies=5)
    assert len(selectors.confirmed_labels()) == 40
    call_command("classifier_fit")
    fit = ClassifierFit.objects.get()
    assert fit.version == "fit-1" and '"version": "fit-1"' in capsys.readouterr().out
    assert {"w_clip", "temperature", "threshold"} <= set(fit.settings)  # the CLIP weight comes from the desk's labels
    assert fit.report["labels"] == 40 and set(fit.report) >= {"current", "fitted", "held_out", "partitions"}
    label_set = build_label_set()
    if fit.applied:
        assert label_set.settings["fit_version"] == "fit-1" and label_set.settings["w_clip"] == fit.settings["w_clip"]
        assert desk_ticket_classifier(label_set).model_version.endswith("+fit-1")
    else:
        assert "fit_version" not in label_set.settings


def test_a_fit_worse_on_held_out_tickets_is_recorded_but_not_applied(clip_pipeline, tmp_path, monkeypatch):
    _confirmed_tickets(clip_pipeline, tmp_path, copies=5)
    from classifier.fitting import desk_fit

    monkeypatch.setattr(desk_fit, "fit_fusion", lambda *a, **k: {"threshold": 1.5, "temperature": 1.0})
    result, row = services.classifier_fit()
    assert result.status == "not_better" and row is not None and not row.applied
    assert "fit_version" not in build_label_set().settings


def test_only_labels_operators_confirmed_are_used():
    confirmed = ClassifiedTicketFactory(label="course-problem", status=Ticket.Status.CLOSED)
    PredictionFactory(ticket=confirmed, signals={"ocr_semantic": {"course-problem": 0.5}})
    corrected = ClassifiedTicketFactory(label="payment-problem")  # still open, but an operator set the label
    PredictionFactory(ticket=corrected, signals={"ocr_semantic": {"payment-problem": 0.4}})
    services.label_override(ticket=corrected, label="other", actor=operator("ivan"))
    still_open = ClassifiedTicketFactory(label="profile-problem")  # nobody looked yet
    PredictionFactory(ticket=still_open, signals={"ocr_semantic": {"profile-problem": 0.5}})
    failed = ClassifiedTicketFactory(label="course-problem", status=Ticket.Status.RESOLVED)
    PredictionFactory(ticket=failed, error="boom", signals={})

    assert sorted(label for _, label in selectors.confirmed_labels()) == ["course-problem", "other"]
