"""`faq-fit DIR --write-reference`: the development school's own calibration is stored, the rest is kept."""
from __future__ import annotations

import shutil

import yaml

from classifier.faq import params as faq_params
from classifier.faq.calibration import calibrate_faq, calibration_reference
from classifier.faq.documents import dump_faq_yaml
from classifier.fitting import faq_fit
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES


def test_write_reference_stores_the_schools_own_calibration_and_keeps_the_fit(tmp_path, monkeypatch):
    thresholds = tmp_path / "thresholds.yaml"
    shutil.copy(faq_params.THRESHOLDS_FILE, thresholds)
    monkeypatch.setattr(faq_params, "THRESHOLDS_FILE", thresholds)
    monkeypatch.setattr(faq_fit, "THRESHOLDS_FILE", thresholds)
    faq_params.load_params.cache_clear()
    before = yaml.safe_load(thresholds.read_text(encoding="utf-8"))
    school = tmp_path / "school"
    school.mkdir()
    dump_faq_yaml(ENTRIES, school / "faq.yaml")
    try:
        out = faq_fit.write_reference(school, encoder=TokenHashEncoder())
        after = yaml.safe_load(thresholds.read_text(encoding="utf-8"))
        expected = calibration_reference(calibrate_faq(ENTRIES, TokenHashEncoder(), {**before, "calibration_reference": None}))
        assert after["calibration_reference"] == out["calibration_reference"] == expected
        assert {k: v for k, v in after.items() if k != "calibration_reference"} == \
            {k: v for k, v in before.items() if k != "calibration_reference"}
        assert thresholds.read_text(encoding="utf-8").startswith("# Fitted by")
        faq_fit.write_reference(school, encoder=TokenHashEncoder())  # again: one reference, one note
        assert thresholds.read_text(encoding="utf-8").count("calibration_reference --") == 1
    finally:
        faq_params.load_params.cache_clear()
