"""Russian texts of the FAQ self-calibration (issue 9, FAQ side): knowledge.FaqCalibrationFit."""

RU = {
    "FAQ content": "содержимое FAQ",
    "encoder": "кодировщик",
    "fitted numbers": "подобранные числа",
    "entries": "записей",
    "FAQ calibration": "калибровка FAQ",
    "FAQ calibrations": "калибровки FAQ",
}
