"""The topic fusion fitted on several schools: pooled rows, reports per school, leave-one-school-out."""
from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from classifier.fitting import calibrate as calibrate_module
from classifier.fitting.calibrate import calibrate, calibrate_schools, cross_validate_groups
from classifier.fitting.calibrate_schools import fit_schools, pool, school_names
from classifier.fitting.fusion_fit import Problem, fit_fusion, score
from classifier.runtime.fusion import DEFAULT_SETTINGS, WEIGHT_KEYS
from classifier.runtime.labels import DEFAULT_TOPIC_LABELS, LabelSet

SEM, KW = WEIGHT_KEYS.index("w_user_sem"), WEIGHT_KEYS.index("w_user_kw")


def school(seed: int, n: int = 36, sem_noise: float = 0.3, kw_noise: float = 0.3) -> Problem:
    """Three topics; one signal says the truth with ``sem_noise``, another with ``kw_noise``."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 3
    X = np.zeros((n, 3, len(WEIGHT_KEYS)))
    X[:, :, SEM] = rng.normal(0, sem_noise, (n, 3))
    X[:, :, KW] = rng.normal(0, kw_noise, (n, 3))
    X[np.arange(n), y, SEM] += 1.0
    X[np.arange(n), y, KW] += 1.0
    return Problem(X, y, np.ones(3, dtype=bool))


BASE = {**DEFAULT_SETTINGS, "temperature": 1.0}


def test_school_names_are_the_folders_last_parts_unless_two_share_one():
    assert school_names(["/a/dev", "/b/school3/"]) == ["dev", "school3"]
    assert school_names(["/a/dev", "/b/dev", "/c/x"]) == ["/a/dev", "/b/dev", "x"]


def test_pool_stacks_the_rows_and_tells_each_rows_school():
    a, b = school(0, 12), school(1, 9)
    pooled, groups = pool([a, b])
    assert len(pooled.y) == 21 and list(np.bincount(groups)) == [12, 9]
    assert np.array_equal(pooled.X[12:], b.X) and np.array_equal(pooled.weight, np.ones(21))


def test_one_school_is_the_single_folder_fit():
    a = school(0)
    out = fit_schools([a], ["dev"], BASE, cross_validate_groups)
    assert out["settings"] == fit_fusion(a, BASE, abstain=False)
    assert "leave_one_school_out" not in out
    single = cross_validate_groups(a, np.zeros(len(a.y), dtype=int), BASE, abstain=False)[0]
    assert out["cross_validated"]["dev"] == single and out["cross_validated"]["pooled"] == single


def test_several_schools_report_each_school_the_pool_and_leave_one_out():
    problems = [school(0), school(1, kw_noise=2.0), school(2, sem_noise=2.0)]
    names = ["dev", "s3", "s4"]
    out = fit_schools(problems, names, BASE, cross_validate_groups)
    pooled, _ = pool(problems)
    assert out["settings"] == fit_fusion(pooled, BASE, abstain=False)
    assert out["schools"] == {"dev": 36, "s3": 36, "s4": 36}
    assert set(out["fit"]) == set(out["cross_validated"]) == {"dev", "s3", "s4", "pooled"}
    cv = out["cross_validated"]
    assert cv["pooled"]["accuracy"] == pytest.approx(np.mean([cv[n]["accuracy"] for n in names]), abs=1e-4)
    # leave-one-school-out: the fit on the other two, measured on the one left out
    rest, _ = pool(problems[:2])
    without = {**BASE, **fit_fusion(rest, BASE, abstain=False)}
    assert out["leave_one_school_out"]["s4"]["accuracy"] == round(score(problems[2], without, False)["accuracy"], 4)
    assert out["leave_one_school_out"]["s4"]["file_settings"] == round(score(problems[2], BASE, False)["accuracy"], 4)


def test_no_cv_no_cross_validated_report():
    out = fit_schools([school(0), school(1)], ["a", "b"], BASE, None, leave_one_out=False)
    assert "cross_validated" not in out and "leave_one_school_out" not in out


@pytest.fixture
def fake_folders(tmp_path, monkeypatch):
    """Two folders with a texts.csv; their problems are made here, not by the encoders."""
    roots = []
    for i in range(2):
        root = tmp_path / f"school{i}"
        root.mkdir()
        (root / "texts.csv").write_text("text,topic\n", encoding="utf-8")
        roots.append(str(root))
    seen = []

    def fake_text_problem(root, *, show_progress=False):
        seen.append(root)
        return school(roots.index(root)), SimpleNamespace(settings=BASE)

    monkeypatch.setattr(calibrate_module, "text_problem", fake_text_problem)
    return roots, seen


def test_calibrate_with_several_folders_fits_the_topics_with_each_folders_own_problem(fake_folders, tmp_path,
                                                                                    monkeypatch):
    roots, seen = fake_folders
    topics = tmp_path / "topics.yaml"
    shutil.copy(DEFAULT_TOPIC_LABELS, topics)
    monkeypatch.setattr(calibrate_module, "DEFAULT_TOPIC_LABELS", topics)
    out = calibrate(roots, config=None, write=True, show_progress=False, images=False, cv=False)
    assert seen == roots and set(out) == {"texts"}
    assert set(out["texts"]["leave_one_school_out"]) == {"school0", "school1"}
    written = LabelSet.from_yaml(topics).settings
    assert written["w_user_sem"] == out["texts"]["settings"]["w_user_sem"]
    assert "l2" not in written and written["fallback_label"] == "offtopic"  # the file's other settings stay


@pytest.mark.parametrize("kwargs", [{"images": True}, {"texts": False}, {"memory": True}])
def test_several_folders_fit_the_topic_fusion_only(fake_folders, kwargs):
    roots, seen = fake_folders
    with pytest.raises(ValueError):
        calibrate_schools(roots, **{"images": False, **kwargs})
    assert seen == []


def test_several_folders_need_their_messages(fake_folders, tmp_path):
    roots, _ = fake_folders
    with pytest.raises(ValueError, match="no texts.csv"):
        calibrate_schools([*roots, str(tmp_path)], images=False)


def test_the_command_line_takes_several_folders():
    from classifier.__main__ import build_parser

    args = build_parser().parse_args(["calibrate", "dev", "school3", "school4", "--texts-only"])
    assert args.dir == ["dev", "school3", "school4"] and args.texts_only
    assert build_parser().parse_args(["calibrate", "dev"]).dir == ["dev"]


@pytest.mark.parametrize("flags", [[], ["--texts-only", "--memory"]])
def test_the_command_line_refuses_several_folders_for_more_than_the_topic_fusion(flags, capsys):
    from classifier.__main__ import build_parser

    args = build_parser().parse_args(["calibrate", "a", "b", *flags])
    assert args.func(args) == 2
    assert "--texts-only" in capsys.readouterr().err
