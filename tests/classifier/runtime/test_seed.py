"""The seed API, kept exactly: ImageProcessor(path).prepare_image(), ClipModel().classify, ImageClassifier()."""
from __future__ import annotations

import pytest

from classifier import ClipModel, ImageClassifier, ImageProcessor, RuntimeConfig
from tests.classifier.markers import needs_tesseract


def test_image_processor(shots):
    processor = ImageProcessor(shots["payment"])
    assert processor.prepare_image().mode == "RGB"
    assert isinstance(processor.to_base64(), str) and processor.to_base64().startswith("iVBOR")
    with pytest.raises(ValueError):
        ImageProcessor("")
    with pytest.raises(ValueError):
        ImageProcessor("/no/such/file.png")


@pytest.mark.slow
@needs_tesseract
def test_seed_classifiers(shots):
    classifier = ImageClassifier()
    assert classifier.clip_model.backend in {"clip", "offline-ocr"}
    assert classifier.classify_intent(shots["payment"]) == "payment-problem"
    assert classifier.classify_intent(shots["profile"]) == "profile-problem"
    # the seed answers one of three even for an unrelated picture
    assert classifier.classify_intent(shots["lunch"]) in classifier.intents
    probs = classifier.clip_model.classify(ImageProcessor(shots["payment"]).prepare_image(), classifier.intents)
    assert isinstance(probs, list) and len(probs) == 3 and abs(sum(probs) - 1) < 1e-6 and max(probs) == probs[0]


def test_clip_model_without_clip_uses_the_offline_scorer(shots):
    model = ClipModel(config=RuntimeConfig(clip_model="off"))
    assert model.backend == "offline-ocr" and model.clip is None
    pipe = model._pipeline(["payment-problem", "course-problem", "profile-problem"])
    assert pipe.clip is None and pipe.names[-1] == "other"  # "other" only from the pipeline; left out of classify
