"""The classifier's fusion as fitted on this desk's own labelled tickets (``manage.py classifier_fit``)."""
from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClassifierFit(models.Model):
    """One run of ``classifier_fit``: the fusion settings it fitted, how they scored, and whether they were applied.

    The newest applied row is the desk's model: ``tickets.classification.build_label_set`` puts its settings (signal
    weights, the CLIP weight, temperature, abstain threshold) over the shipped ones, and every prediction made with
    it carries ``version`` in its ``model_version`` (``...+fit-3``). A fit that did not beat the settings in use on
    held-out tickets beyond noise (``classifier.desk_refit``'s gate) is kept for the record with ``applied`` off.
    """

    version = models.CharField(_("version"), max_length=20, unique=True)
    settings = models.JSONField(_("fitted settings"), default=dict)
    report = models.JSONField(_("report"), default=dict, blank=True,
                              help_text=_("Labels used, held-out figures of the settings in use and of the fit."))
    applied = models.BooleanField(_("applied"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("classifier fit")
        verbose_name_plural = _("classifier fits")

    def __str__(self) -> str:
        return f"{self.version} ({'applied' if self.applied else 'not applied'})"
