"""Fitting the classifier's fusion on this desk's own confirmed labels and recording the result."""
from __future__ import annotations

from django.db import transaction

from classifier import DeskFit, desk_refit

from ..classification import build_label_set
from ..models import ClassifierFit
from ..selectors.fitting import confirmed_labels, unlabelled_finished_count


def classifier_fit(*, min_labels: int | None = None, actor=None, dry_run: bool = False) -> tuple[DeskFit, ClassifierFit | None]:
    """Refit the fusion (CLIP weight, "not ours" bias, temperature, abstain threshold) on the confirmed labels.

    The fit is recorded as a ``ClassifierFit`` (unless ``dry_run`` or it was refused: too few labels, or too few
    confirmed out-of-scope ones); it is applied, and so becomes the model every later prediction carries, only if it
    beat the settings in use on held-out tickets beyond noise (repeated cross-validation: ``classifier.desk_refit``).
    Its report also counts the finished tickets nobody labelled (``unlabelled_finished``), which the fit cannot see.
    """
    label_set = build_label_set()
    kwargs = {} if min_labels is None else {"min_labels": min_labels}
    result = desk_refit(confirmed_labels(), label_set, **kwargs)
    result.report["unlabelled_finished"] = unlabelled_finished_count()
    if dry_run or result.status == "too_few":
        return result, None
    with transaction.atomic():
        number = ClassifierFit.objects.select_for_update().count() + 1
        while ClassifierFit.objects.filter(version=f"fit-{number}").exists():
            number += 1
        row = ClassifierFit.objects.create(version=f"fit-{number}", settings=result.settings, report=result.report,
                                           applied=result.apply, created_by=actor)
    return result, row
