"""Offline work on labelled data: folders shaped like the dev set (``images.csv`` + ``images/``, ``texts.csv``,
``faq.yaml``) for evaluation, calibration of the fusion, the replay of corrections and fitting of the FAQ
layer (reached through ``python -m classifier``), and a desk's own labelled tickets (``desk_fit.desk_refit``,
reached through ``classifier.desk_refit`` by ``manage.py classifier_fit``). Never imported by the runtime
(``classifier.runtime``, ``classifier.faq``).
"""
