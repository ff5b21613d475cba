"""Offline work on labelled folders shaped like the dev set (``images.csv`` + ``images/``, ``texts.csv``,
``faq.yaml``): evaluation, calibration of the fusion, fitting of the FAQ layer. Never imported by the
runtime (``classifier.runtime``, ``classifier.faq``); reached through ``python -m classifier``.
"""
